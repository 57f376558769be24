/**
 * The import use case: results obtained elsewhere (another tool, an earlier study, a
 * spreadsheet) recorded as finished trials of a study, `source: "imported"`, all or none.
 *
 * Every row is checked before anything is written, and every bad row is named with its
 * index and field; then one transaction writes them all, so a reader sees none or all of
 * them. With an `Idempotency-Key`, a retry with the same body answers the same trials and
 * writes nothing; another body under the same key is `409 IDEMPOTENCY_KEY_REUSED`.
 *
 * Imported trials are observations like any other: the model conditions on the completed
 * ones and never suggests a failed one's point again.
 */
import { createHash } from 'node:crypto';
import { paramsKey, validateParams } from '../bo/encoding.js';
import type { Params } from '../bo/search-space.js';
import { inTransaction, type Deps } from './deps.js';
import { ProblemError, type ErrorCode, type FieldError } from './errors.js';
import { newId } from './ids.js';
import { assertWithinLimits } from './limits.js';
import { mergedMetadata, metadataErrors, type MetadataPatch } from './metadata.js';
import { requireStudy } from './study-lifecycle.js';
import { encodingOf, type Study } from './study.js';
import { reusedKey } from './suggest/suggest.js';
import { newTrial, type Trial, type TrialReport } from './trial.js';

/** One row as the contract takes it (`ImportTrial` in openapi.yaml). */
export type ImportRow = {
  params: Params;
  value?: number;
  failed?: boolean;
  reason?: string;
  stopped?: boolean;
  reports?: { step: number; value: number; at?: string }[];
  metadata?: MetadataPatch;
  /** ISO 8601; default: `completedAt`. */
  createdAt?: string;
  /** ISO 8601; default: the time of the import. */
  completedAt?: string;
};

export type ImportInput = { studyId: string; trials: ImportRow[]; idempotencyKey?: string };

/** A row's error, with the code that names its kind (the problem's own code when all rows agree). */
type RowError = FieldError & { code: ErrorCode };

export async function importTrials(deps: Deps, input: ImportInput): Promise<{ trials: Trial[]; created: boolean }> {
  const { clock, limits } = deps;
  assertWithinLimits(
    input.trials.length > limits.importTrials
      ? [{ pointer: '#/trials', detail: `at most ${limits.importTrials} trials per import (LIMIT_IMPORT_TRIALS), got ${input.trials.length}` }]
      : [],
  );
  const study = await requireStudy(deps, input.studyId);
  const now = clock.now();
  const errors: RowError[] = [];
  const drafts = input.trials.map((row, i) => draftOf(study, row, i, now, errors)).filter((d): d is Draft => d !== undefined);
  if (errors.length > 0) {
    const codes = new Set(errors.map((e) => e.code));
    const code = codes.size === 1 ? errors[0]!.code : 'INVALID_IMPORT_ROW';
    const rows = new Set(errors.map((e) => e.pointer?.split('/')[2]));
    throw new ProblemError(code, `${rows.size} of ${input.trials.length} rows are invalid; nothing was imported. First: ${errors[0]!.pointer} ${errors[0]!.detail}`, errors);
  }
  // NOTE: one write transaction for every row, all or none; 10,000 rows hold the lock well
  // under a second (decision 0024).
  const hash = `import:${createHash('sha256').update(JSON.stringify(input.trials)).digest('hex')}`;
  return inTransaction(deps, async ({ store }) => {
    await requireStudy({ store }, input.studyId);
    const key = input.idempotencyKey;
    const record = key === undefined ? undefined : await store.findIdempotencyKey(input.studyId, key);
    if (record) {
      if (record.requestHash !== hash) throw reusedKey(key!);
      const byId = new Map((await store.findTrialsByIds(input.studyId, record.trialIds)).map((t) => [t.id, t]));
      return { trials: record.trialIds.map((id) => byId.get(id)).filter((t): t is Trial => t !== undefined), created: false };
    }
    let number = await store.nextTrialNumber(input.studyId);
    const trials: Trial[] = [];
    for (const { reports, ...draft } of drafts) {
      const trial = newTrial({ ...draft, id: newId('tr'), studyId: input.studyId, number: number++, source: 'imported' });
      await store.insertTrial(trial);
      for (const report of reports) await store.insertTrialReport(input.studyId, trial.id, report);
      trials.push(trial);
    }
    if (key !== undefined) await store.insertIdempotencyKey(input.studyId, key, { requestHash: hash, trialIds: trials.map((t) => t.id) }, clock.now());
    return { trials, created: true };
  });
}

type Draft = Pick<Trial, 'params' | 'paramsKey' | 'state' | 'value' | 'failureReason' | 'createdAt' | 'completedAt' | 'metadata'> & { reports: TrialReport[] };

/** The row as a trial's fields, or undefined after pushing its errors (pointers under `#/trials/i`). */
function draftOf(study: Study, row: ImportRow, i: number, now: number, errors: RowError[]): Draft | undefined {
  const at = `#/trials/${i}`;
  const before = errors.length;
  const encoding = encodingOf(study);
  for (const e of validateParams(encoding, row.params)) errors.push({ code: 'INVALID_PARAMS', pointer: `${at}/params${e.pointer}`, detail: e.message });

  const failed = row.failed === true;
  const stopped = row.stopped === true;
  const invalid = (field: string, detail: string) => errors.push({ code: 'INVALID_IMPORT_ROW', pointer: field === '' ? at : `${at}/${field}`, detail });
  if (row.value !== undefined && failed) invalid('failed', 'a row with a value is a completed or stopped trial; leave out failed');
  else if (stopped && failed) invalid('stopped', 'a failed trial has no value to stop at; leave out stopped');
  else if (row.value === undefined && !failed) invalid('', `needs value (a ${stopped ? 'stopped' : 'completed'} trial) or failed: true`);
  else if (row.value !== undefined && !Number.isFinite(row.value)) errors.push({ code: 'VALIDATION_FAILED', pointer: `${at}/value`, detail: 'must be a finite number' });
  if (row.reason !== undefined && !failed) invalid('reason', 'only a failed row has a reason');

  const metadata = mergedMetadata({}, row.metadata);
  for (const e of metadataErrors(metadata, `${at}/metadata`)) errors.push({ code: 'METADATA_TOO_LARGE', ...e });

  const completedAt = row.completedAt === undefined ? now : Date.parse(row.completedAt);
  const createdAt = row.createdAt === undefined ? completedAt : Date.parse(row.createdAt);
  if (Number.isNaN(completedAt)) invalid('completedAt', 'must be an ISO 8601 date-time');
  if (Number.isNaN(createdAt)) invalid('createdAt', 'must be an ISO 8601 date-time');
  else if (createdAt > completedAt) invalid('createdAt', `is after completedAt (${new Date(completedAt).toISOString()})`);
  const reports = reportsOf(row, at, Number.isNaN(completedAt) ? now : completedAt, stopped, errors);
  if (errors.length > before) return undefined;

  // Reorder to the space's order, so that stored params read the same whoever wrote them.
  const params: Params = Object.fromEntries(study.parameters.map((p) => [p.name, row.params[p.name] as Params[string]]));
  return {
    params,
    paramsKey: paramsKey(encoding, params),
    state: failed ? 'failed' : stopped ? 'stopped' : 'completed',
    value: failed ? null : row.value!,
    failureReason: failed ? (row.reason ?? null) : null,
    createdAt,
    completedAt,
    metadata,
    reports,
  };
}

/**
 * The row's reports as stored: steps strictly increasing, values finite, each `continue`
 * but a stopped trial's last (`stop`), reason `imported`, in no ASHA rung.
 */
function reportsOf(row: ImportRow, at: string, completedAt: number, stopped: boolean, errors: RowError[]): TrialReport[] {
  const list = row.reports ?? [];
  const out: TrialReport[] = [];
  list.forEach((r, k) => {
    const where = `${at}/reports/${k}`;
    const time = r.at === undefined ? completedAt : Date.parse(r.at);
    if (k > 0 && r.step <= list[k - 1]!.step) errors.push({ code: 'INVALID_IMPORT_ROW', pointer: `${where}/step`, detail: `steps must go up; the report before is at step ${list[k - 1]!.step}` });
    if (!Number.isFinite(r.value)) errors.push({ code: 'VALIDATION_FAILED', pointer: `${where}/value`, detail: 'must be a finite number' });
    if (Number.isNaN(time)) errors.push({ code: 'INVALID_IMPORT_ROW', pointer: `${where}/at`, detail: 'must be an ISO 8601 date-time' });
    const last = k === list.length - 1;
    out.push({ step: r.step, value: r.value, at: time, decision: stopped && last ? 'stop' : 'continue', reason: 'imported', rung: null });
  });
  if (stopped && list.length > 0 && list[list.length - 1]!.value !== row.value) {
    errors.push({ code: 'INVALID_IMPORT_ROW', pointer: `${at}/value`, detail: `a stopped trial's value is its last report's (${list[list.length - 1]!.value})` });
  }
  return out;
}
