/**
 * `posterior import <studyId> --file results.csv|json`: the rows of an export (CSV or JSON,
 * as `posterior export` writes them) recorded as trials of a study, in one request.
 *
 * Completed, failed and stopped trials are imported with their params, value or failure
 * reason, metadata, times and (from JSON) reports; pending and stale ones carry no result
 * yet and are skipped (and counted). The study's space says how to read a CSV cell: a number for a
 * float, int or ordinal, the choice whose CSV text it is for a categorical.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { expectPositionals, UsageError, type CommandLine } from './args.js';
import { answer, ApiError, type Api, type Study } from './client.js';
import { choiceCell, csvRecords, unquotedText } from './csv.js';
import { json, type Out } from './output.js';
import type { components } from '../api/generated/openapi.js';

type ImportTrial = components['schemas']['ImportTrial'];
type ParamValue = components['schemas']['ParamValue'];
type Parameter = Study['parameters'][number];

/** The rows to send, and for each, where it came from in the file (for error messages). */
type Rows = { trials: ImportTrial[]; origins: string[]; skipped: number };

export async function importCommand(api: Api, line: CommandLine, out: Out, stdin: () => Promise<string>): Promise<void> {
  const usage = 'posterior import <studyId> --file results.csv|results.json [--format csv|json] [--idempotency-key K]';
  const [studyId] = expectPositionals(line.positionals.slice(1), ['studyId'], usage);
  const file = line.options.file;
  if (typeof file !== 'string') throw new UsageError(`\`posterior import\` needs --file (or --file - for stdin); usage: ${usage}`);
  let text: string;
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const format = formatOf(line.options.format, file, text);
  const table = format === 'csv' ? csvTable(text, file) : undefined;
  const rows = table ? csvRows(table, file, answer(await api.typed.GET('/v1/studies/{studyId}', { params: { path: { studyId: studyId! } } }))) : jsonRows(text, file);
  const key = line.options['idempotency-key'];
  const result = await api.typed.POST('/v1/studies/{studyId}/trials:import', {
    params: { path: { studyId: studyId! }, ...(typeof key === 'string' ? { header: { 'Idempotency-Key': key } } : {}) },
    body: { trials: rows.trials },
  });
  if (!result.response.ok) throw withOrigins(new ApiError(result.response.status, answerProblem(result.error)), rows.origins);
  const { trials } = answer(result);
  if (line.global.json) return json(out, { trials, skipped: rows.skipped });
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const stopped = count('stopped');
  out.write(`imported ${trials.length} trials into ${studyId} (${count('completed')} completed, ${count('failed')} failed${stopped > 0 ? `, ${stopped} stopped` : ''})`);
  out.write(rows.skipped > 0 ? `; skipped ${rows.skipped} without a result yet (pending or stale)\n` : '\n');
}

function formatOf(option: string | boolean | undefined, file: string, text: string): 'csv' | 'json' {
  if (option !== undefined) {
    if (option !== 'csv' && option !== 'json') throw new UsageError(`--format must be csv or json, got ${JSON.stringify(option)}`);
    return option;
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.json') return ext.slice(1) as 'csv' | 'json';
  return /^\s*[[{]/.test(text) ? 'json' : 'csv';
}

type ExportedTrial = Omit<ImportTrial, 'reports'> & { state?: string; failureReason?: string; reports?: ImportTrial['reports'] };

/** An export (`{study, trials}`), `{trials}`, or a bare array of rows. */
function jsonRows(text: string, file: string): Rows {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { trials?: unknown } | null)?.trials;
  if (!Array.isArray(list)) throw new UsageError(`${file} has no trials: expected an export ({"study", "trials"}), {"trials": [...]} or an array of rows`);
  const rows: Rows = { trials: [], origins: [], skipped: 0 };
  list.forEach((raw: ExportedTrial, i) => {
    const row = fromExported(raw);
    if (row === undefined) rows.skipped++;
    else {
      rows.trials.push(row);
      rows.origins.push(`trials[${i}] of ${file}`);
    }
  });
  return rows;
}

/** The import fields of an exported trial; undefined for one without a result yet. */
function fromExported(t: ExportedTrial): ImportTrial | undefined {
  if (t.state === undefined) return t;
  if (t.state !== 'completed' && t.state !== 'failed' && t.state !== 'stopped') return undefined;
  return {
    params: t.params,
    ...(t.state === 'failed' ? { failed: true as const, ...(t.failureReason !== undefined ? { reason: t.failureReason } : {}) } : { value: t.value! }),
    ...(t.state === 'stopped' ? { stopped: true as const } : {}),
    ...(t.reports !== undefined && t.reports.length > 0 ? { reports: t.reports } : {}),
    ...(t.metadata !== undefined && Object.keys(t.metadata).length > 0 ? { metadata: t.metadata } : {}),
    ...(t.createdAt !== undefined ? { createdAt: t.createdAt } : {}),
    ...(t.completedAt !== undefined ? { completedAt: t.completedAt } : {}),
  };
}

/** The records of the CSV, checked for the header the export writes. */
function csvTable(text: string, file: string): { header: string[]; body: string[][] } {
  let records: string[][];
  try {
    records = csvRecords(text);
  } catch (err) {
    throw new UsageError(`${file} is not CSV: ${(err as Error).message}`);
  }
  const [header, ...body] = records;
  if (!header || !header.includes('state')) throw new UsageError(`${file} has no header with a state column, as \`posterior export\` writes`);
  return { header, body };
}

/** The columns of the CSV export it reads, by name: `state`, `value`, `failureReason`, `createdAt`, `completedAt`, `metadata`, `params.<name>`. */
function csvRows({ header, body }: { header: string[]; body: string[][] }, file: string, study: Study): Rows {
  const column = new Map(header.map((name, i) => [name, i]));
  const rows: Rows = { trials: [], origins: [], skipped: 0 };
  body.forEach((record, r) => {
    const cell = (name: string) => {
      const i = column.get(name);
      return i === undefined ? '' : (record[i] ?? '');
    };
    const where = `row ${r + 1} of ${file}`;
    const state = cell('state');
    if (state !== 'completed' && state !== 'failed' && state !== 'stopped') {
      rows.skipped++;
      return;
    }
    const params: Record<string, ParamValue> = {};
    for (const p of study.parameters) if (column.has(`params.${p.name}`)) params[p.name] = paramValue(p, cell(`params.${p.name}`), where);
    const reason = unquotedText(cell('failureReason'));
    const metadata = metadataOf(cell('metadata'), where);
    rows.trials.push({
      params,
      ...(state === 'failed' ? { failed: true as const, ...(reason !== '' ? { reason } : {}) } : { value: numberOrText(cell('value')) as number }),
      ...(state === 'stopped' ? { stopped: true as const } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
      ...(cell('createdAt') !== '' ? { createdAt: cell('createdAt') } : {}),
      ...(cell('completedAt') !== '' ? { completedAt: cell('completedAt') } : {}),
    });
    rows.origins.push(where);
  });
  return rows;
}

/**
 * A number as the export wrote it, or the text itself when it is none: the server then names
 * the field in its 422, as for any other bad row.
 */
function numberOrText(cell: string): number | string {
  const n = Number(cell);
  return cell.trim() !== '' && Number.isFinite(n) ? n : unquotedText(cell);
}

function paramValue(p: Parameter, cell: string, where: string): ParamValue {
  if (p.type !== 'categorical') return numberOrText(cell);
  const matches = p.choices.filter((c) => choiceCell(c) === cell);
  if (matches.length > 1) {
    throw new UsageError(`${where}: "${cell}" is the CSV text of several choices of ${p.name} (${matches.map((c) => JSON.stringify(c)).join(', ')}); import the JSON export instead`);
  }
  return matches[0] ?? unquotedText(cell);
}

function metadataOf(cell: string, where: string): Record<string, unknown> | undefined {
  if (cell === '') return undefined;
  try {
    const value = JSON.parse(cell) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return Object.keys(value).length > 0 ? (value as Record<string, unknown>) : undefined;
  } catch {
    // reported below
  }
  throw new UsageError(`${where}: the metadata column must hold a JSON object, got ${cell.slice(0, 80)}`);
}

function answerProblem(body: unknown): ApiError['problem'] {
  return typeof body === 'object' && body !== null && 'code' in body ? (body as ApiError['problem']) : undefined;
}

/** The problem with each `#/trials/i/…` pointer's detail saying which row of the file it is. */
function withOrigins(error: ApiError, origins: string[]): ApiError {
  for (const item of error.problem?.errors ?? []) {
    const index = /^#\/trials\/(\d+)(\/|$)/.exec(item.pointer ?? '')?.[1];
    const origin = index === undefined ? undefined : origins[Number(index)];
    if (origin !== undefined) item.detail = `${item.detail} (${origin})`;
  }
  return error;
}
