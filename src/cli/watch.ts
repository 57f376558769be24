/**
 * `posterior watch`: a compact view of a study, redrawn every `--interval` seconds until
 * interrupted: its trials by state, the best so far, a sparkline of the best value over the
 * completed trials, and the last results.
 *
 * On a terminal the view is redrawn in place (cursor home, each line cleared to its end) and
 * states are coloured unless `NO_COLOR` is set (no-color.org). Written to a pipe or a file it
 * has neither colours nor cursor control: one frame per interval, each after a blank line, so
 * that a log of it reads top to bottom. `--once` prints one frame and exits, wherever it goes;
 * with `--json` each frame is one JSON line.
 */
import { integerOption, expectPositionals, UsageError, type CommandLine } from './args.js';
import { answer, type Api, type Study, type Trial } from './client.js';
import { formatValue, type Out } from './output.js';
import { allTrials } from './trial-list.js';

/** Where the view goes, and what it may use there. */
export type Terminal = Out & { isTTY: boolean; color: boolean };

/** One frame's data: the study, its trials by number, and when they were read. */
export type WatchView = { study: Study; trials: Trial[]; at: Date };

const BLOCKS = '▁▂▃▄▅▆▇█';
const SPARK_WIDTH = 40;
const ESC = '\u001b[';

const COLORS = { green: 32, red: 31, yellow: 33, cyan: 36, magenta: 35, dim: 2, bold: 1 } as const;
type Color = keyof typeof COLORS;
const STATE_COLORS: Record<string, Color> = {
  completed: 'green',
  failed: 'red',
  stopped: 'yellow',
  pending: 'cyan',
  queued: 'magenta',
  stale: 'dim',
  active: 'green',
  paused: 'yellow',
};

/** The best value after each completed trial, in the order they completed. */
export function bestSoFar(trials: Trial[], goal: 'minimize' | 'maximize'): number[] {
  const completed = trials
    .filter((t) => t.state === 'completed' && t.value !== undefined)
    .sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? '') || a.number - b.number);
  const out: number[] = [];
  for (const t of completed) {
    const last = out[out.length - 1];
    const v = t.value as number;
    out.push(last === undefined || (goal === 'minimize' ? v < last : v > last) ? v : last);
  }
  return out;
}

/**
 * One block per value, its height linear in the value between the series' least and
 * greatest (all lowest when they are equal). A series longer than `width` is shown by the
 * last value of each of `width` equal stretches: for a best-so-far series, the best at that point.
 */
export function sparkline(values: number[], width: number = SPARK_WIDTH): string {
  const shown = values.length <= width ? values : Array.from({ length: width }, (_, i) => values[Math.ceil(((i + 1) * values.length) / width) - 1] as number);
  const lo = Math.min(...shown);
  const hi = Math.max(...shown);
  return shown.map((v) => BLOCKS[hi > lo ? Math.round(((v - lo) / (hi - lo)) * (BLOCKS.length - 1)) : 0]).join('');
}

/** The frame as text, with ANSI colours when `color`. */
export function renderWatch(view: WatchView, options: { color: boolean; last: number }): string {
  const paint = (color: Color | undefined, text: string) => (options.color && color ? `${ESC}${COLORS[color]}m${text}${ESC}0m` : text);
  const { study, trials } = view;
  const c = study.trialCounts;
  const lines = [
    `${paint('bold', study.name)} (${study.id})  ${paint(STATE_COLORS[study.state], study.state)}  ${study.objective.goal} ${study.objective.name}  ${view.at.toISOString()}`,
    `trials    ${c.total} total: ${[
      ['pending', `${c.pending} running`],
      ['queued', `${c.queued} queued`],
      ['completed', `${c.completed} completed`],
      ['failed', `${c.failed} failed`],
      ['stale', `${c.stale} stale`],
      ['stopped', `${c.stopped} stopped`],
    ]
      .map(([state, text]) => paint(STATE_COLORS[state as string], text as string))
      .join(', ')}`,
  ];
  const series = bestSoFar(trials, study.objective.goal);
  const best = trials.filter((t) => t.state === 'completed').find((t) => t.value === series[series.length - 1]);
  if (best) {
    const params = Object.entries(best.params).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
    lines.push(`best      ${formatValue(best.value)} at trial ${best.number} (${best.id})  ${params}`);
    lines.push(`progress  ${sparkline(series)}  best so far over ${series.length} completed: ${formatValue(series[0])} → ${formatValue(best.value)}`);
  } else {
    lines.push('best      none yet');
  }
  const finished = trials
    .filter((t) => t.completedAt !== undefined)
    .sort((a, b) => (b.completedAt as string).localeCompare(a.completedAt as string) || b.number - a.number)
    .slice(0, options.last);
  if (finished.length > 0) {
    lines.push('', `last ${finished.length === 1 ? 'result' : `${finished.length} results`}`);
    const names = study.parameters.map((p) => p.name);
    const rows = finished.map((t) => [String(t.number), t.state, formatValue(t.value), ...names.map((n) => formatValue(t.params[n]))]);
    const header = ['#', 'STATE', 'VALUE', ...names];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
    const line = (cells: string[], colorOf: (i: number) => Color | undefined) =>
      cells.map((cell, i) => paint(colorOf(i), i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ').trimEnd();
    lines.push(line(header, () => 'dim'));
    for (const r of rows) lines.push(line(r, (i) => (i === 1 ? STATE_COLORS[r[1] as string] : undefined)));
  }
  return `${lines.join('\n')}\n`;
}

async function readView(api: Api, studyId: string): Promise<WatchView> {
  const study = answer(await api.typed.GET('/v1/studies/{studyId}', { params: { path: { studyId } } }));
  return { study, trials: await allTrials(api, studyId), at: new Date() };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Redraws until `stop` aborts (Ctrl-C), or once with `--once`. */
export async function watchCommand(api: Api, line: CommandLine, term: Terminal, stop: AbortSignal): Promise<void> {
  const [studyId] = expectPositionals(line.positionals.slice(1), ['studyId'], 'posterior watch <studyId> [--interval SECONDS] [--last N] [--once]');
  const raw = line.options.interval;
  const seconds = raw === undefined ? 2 : Number(raw);
  if (typeof raw === 'boolean' || !Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) {
    throw new UsageError(`--interval must be a number of seconds from 0.1 to 3600, got ${JSON.stringify(raw)}`);
  }
  const last = integerOption(line.options.last, 'last', 1, 100) ?? 5;
  const once = line.options.once === true;
  const redraw = term.isTTY && !once && !line.global.json;
  if (redraw) term.write(`${ESC}?25l`);
  try {
    for (let first = true; !stop.aborted; first = false) {
      const view = await readView(api, studyId!);
      if (line.global.json) {
        term.write(`${JSON.stringify({ at: view.at.toISOString(), study: view.study, bestSoFar: bestSoFar(view.trials, view.study.objective.goal) })}\n`);
      } else {
        const frame = renderWatch(view, { color: term.isTTY && term.color, last });
        // In place on a terminal: home, each line cleared to its end, the rest of the screen cleared.
        if (redraw) term.write(`${ESC}H${frame.replace(/\n/g, `${ESC}K\n`)}${ESC}J`);
        else term.write(first ? frame : `\n${frame}`);
      }
      if (once) return;
      await pause(seconds * 1000, stop);
    }
  } finally {
    if (redraw) term.write(`${ESC}?25h`);
  }
}
