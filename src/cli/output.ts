/** Human output: small aligned tables and key-value blocks; machine output: JSON. */
import type { Problem, Trial } from './client.js';

export type Out = { write(text: string): void };

export function json(out: Out, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Rows under a header, each column as wide as its widest cell. */
export function table(out: Out, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

export function fields(out: Out, pairs: [string, string][]): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  out.write(`${pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${v}`).join('\n')}\n`);
}

export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return String(value);
}

/** One row per trial, one column per parameter; with `source`, where each point came from too. */
export function trialTable(out: Out, trials: Trial[], options: { source?: boolean } = {}): void {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const source = options.source === true;
  table(
    out,
    ['#', 'TRIAL', 'STATE', ...(source ? ['SOURCE'] : []), 'VALUE', ...names],
    trials.map((t) => [
      String(t.number),
      t.id,
      t.state,
      ...(source ? [t.source] : []),
      formatValue(t.value),
      ...names.map((n) => formatValue(t.params[n])),
    ]),
  );
}

/** A problem document as people read it: code, detail, then one line per offending field. */
export function formatProblem(status: number, problem: Problem | undefined): string {
  if (!problem) return `error: the server answered ${status} without a problem document`;
  const lines = [`error: ${problem.code} (${status}): ${problem.detail ?? problem.title}`];
  for (const e of problem.errors ?? []) {
    const where = e.pointer ?? (e.parameter ? `parameter ${e.parameter}` : e.header ? `header ${e.header}` : undefined);
    if (where && e.detail !== problem.detail) lines.push(`  ${where}: ${e.detail}`);
    else if (where) lines.push(`  at ${where}`);
  }
  return lines.join('\n');
}
