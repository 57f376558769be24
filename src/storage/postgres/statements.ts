/**
 * The reads and writes of the domain's `StoreTx` on PostgreSQL, the same SQL as the SQLite
 * store's (sqlite/statements.ts) in PostgreSQL's dialect: `COUNT(*) FILTER` for SQLite's sum
 * of booleans, `GREATEST` for its two-argument `MAX`, `::jsonb ->>` for `json_extract`.
 * Every call goes through `query`: a pooled connection outside a transaction, the
 * transaction's own client inside one (store.ts).
 */
import type { Metadata } from '../../domain/metadata.js';
import type { IdempotencyRecord, Page, StoreTx } from '../../domain/ports.js';
import type { Study, StudyState } from '../../domain/study.js';
import type { ModelState } from '../../domain/suggest/suggester.js';
import type { Trial, TrialCounts, TrialReport, TrialState } from '../../domain/trial.js';
import { parseCursor } from '../cursor.js';
import { metadataToColumn, studyFromRow, studyToRow, trialFromRow, type StudyRow, type TrialRow } from '../rows.js';

/** Runs one statement with `$n` parameters; the rows it returns and how many it changed. */
export type Query = (text: string, values: unknown[]) => Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;

const compiled = new Map<string, { text: string; names: string[] }>();

/** `@name` parameters (as in the SQLite statements) turned into PostgreSQL's `$n`, a name used twice being one parameter. */
export function namedParameters(sql: string): { text: string; names: string[] } {
  let hit = compiled.get(sql);
  if (!hit) {
    const names: string[] = [];
    const text = sql.replace(/@([a-zA-Z]\w*)/g, (_, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    hit = { text, names };
    compiled.set(sql, hit);
  }
  return hit;
}

const TRIAL_COLUMNS = `t.id, s.id AS study_id, t.number, t.params, t.params_key, t.state, t.value,
  t.failure_reason, t.source, t.created_at, t.completed_at, t.lease_expires_at, t.prediction_mean,
  t.prediction_std, t.acquisition, t.metadata`;
const TRIALS_OF_STUDY = `FROM trials t JOIN studies s ON s.seq = t.study_seq WHERE s.id = @studyId`;
const STUDY_SEQ = `(SELECT seq FROM studies WHERE id = @studyId)`;

/** A study's state as readers see it: domain/study.ts `studyState`, as in the SQLite store. */
const STUDY_STATE = `CASE WHEN s.state != 'active' THEN s.state
  WHEN (s.options::jsonb ->> 'maxTrials') IS NOT NULL
    AND (SELECT COUNT(*) FROM trials t WHERE t.study_seq = s.seq) >= (s.options::jsonb ->> 'maxTrials')::bigint
    AND NOT EXISTS (SELECT 1 FROM trials t WHERE t.study_seq = s.seq AND t.state = 'queued') THEN 'completed'
  ELSE 'active' END`;

/** "The trial's effective state is @state at @now" (stale is derived, see domain/trial.ts). */
const STATE_FILTER: Record<TrialState, string> = {
  queued: `t.state = 'queued'`,
  pending: `t.state = 'pending' AND (t.lease_expires_at IS NULL OR t.lease_expires_at > @now)`,
  stale: `t.state = 'pending' AND t.lease_expires_at <= @now`,
  completed: `t.state = 'completed'`,
  failed: `t.state = 'failed'`,
  stopped: `t.state = 'stopped'`,
};
const STATES: TrialState[] = ['queued', 'pending', 'stale', 'completed', 'failed', 'stopped'];
const COUNT_BY_STATE = STATES.map((state) => `COUNT(*) FILTER (WHERE ${STATE_FILTER[state]}) AS ${state}`).join(', ');

export class PgStatements implements StoreTx {
  constructor(private readonly query: Query) {}

  private async rows<R>(sql: string, params: Record<string, unknown> = {}): Promise<R[]> {
    const { text, names } = namedParameters(sql);
    return (await this.query(text, names.map((n) => params[n]))).rows as R[];
  }

  private async one<R>(sql: string, params: Record<string, unknown> = {}): Promise<R | undefined> {
    return (await this.rows<R>(sql, params))[0];
  }

  private async changes(sql: string, params: Record<string, unknown>): Promise<number> {
    const { text, names } = namedParameters(sql);
    return (await this.query(text, names.map((n) => params[n]))).rowCount ?? 0;
  }

  async insertStudy(study: Study): Promise<void> {
    await this.changes(
      `INSERT INTO studies (id, name, parameters, objective, options, state, created_at, metadata)
        VALUES (@id, @name, @parameters, @objective, @options, @state, @created_at, @metadata)`,
      studyToRow(study),
    );
  }

  async findStudy(id: string): Promise<Study | undefined> {
    const row = await this.one<StudyRow>('SELECT * FROM studies WHERE id = @id', { id });
    return row && studyFromRow(row);
  }

  async findStudyByName(name: string): Promise<Study | undefined> {
    const row = await this.one<StudyRow>('SELECT * FROM studies WHERE name = @name', { name });
    return row && studyFromRow(row);
  }

  async listStudies(cursor: string | undefined, limit: number, filter: { namePrefix?: string; state?: StudyState } = {}): Promise<Page<Study>> {
    const after = parseCursor(cursor);
    const prefix = filter.namePrefix === undefined ? '' : 'AND substr(s.name, 1, length(@prefix::text)) = @prefix::text';
    const state = filter.state === undefined ? '' : `AND ${STUDY_STATE} = @state`;
    const rows = await this.rows<StudyRow>(`SELECT s.* FROM studies s WHERE s.seq > @after ${prefix} ${state} ORDER BY s.seq LIMIT @limit`, {
      after,
      limit: limit + 1,
      prefix: filter.namePrefix,
      state: filter.state,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(studyFromRow), nextCursor: rows.length > limit && last ? String(last.seq) : null };
  }

  async setStudyState(id: string, state: StudyState): Promise<void> {
    await this.changes('UPDATE studies SET state = @state WHERE id = @id', { id, state });
  }

  async updateStudyMetadata(studyId: string, metadata: Metadata): Promise<void> {
    await this.changes('UPDATE studies SET metadata = @metadata WHERE id = @studyId', { studyId, metadata: metadataToColumn(metadata) });
  }

  async deleteStudy(id: string): Promise<boolean> {
    return (await this.changes('DELETE FROM studies WHERE id = @id', { id })) > 0;
  }

  async trialCounts(studyId: string, now: number): Promise<TrialCounts> {
    const row = (await this.one<Record<keyof TrialCounts, number>>(`SELECT ${COUNT_BY_STATE}, COUNT(*) AS total ${TRIALS_OF_STUDY}`, { studyId, now }))!;
    return { queued: row.queued, pending: row.pending, completed: row.completed, failed: row.failed, stale: row.stale, stopped: row.stopped, total: row.total };
  }

  async lastActivity(studyId: string): Promise<number | null> {
    const row = await this.one<{ at: number | null }>(
      `SELECT GREATEST(
        (SELECT GREATEST(MAX(t.created_at), COALESCE(MAX(t.completed_at), 0)) ${TRIALS_OF_STUDY}),
        COALESCE((SELECT MAX(r.at) FROM trial_reports r WHERE r.study_seq = ${STUDY_SEQ}), 0)) AS at`,
      { studyId },
    );
    return row?.at || null;
  }

  async listTrials(studyId: string, filter: { state?: TrialState; cursor?: string; limit: number }, now: number): Promise<Page<Trial>> {
    const where = filter.state ? `AND ${STATE_FILTER[filter.state]}` : '';
    const rows = await this.rows<TrialRow>(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} ${where} AND t.number > @after ORDER BY t.number LIMIT @limit`, {
      studyId,
      now,
      after: parseCursor(filter.cursor) - 1,
      limit: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return { items: page.map(trialFromRow), nextCursor: rows.length > filter.limit && last ? String(last.number + 1) : null };
  }

  async allTrials(studyId: string): Promise<Trial[]> {
    return (await this.rows<TrialRow>(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} ORDER BY t.number`, { studyId })).map(trialFromRow);
  }

  async findTrial(studyId: string, trialId: string): Promise<Trial | undefined> {
    const row = await this.one<TrialRow>(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.id = @trialId`, { studyId, trialId });
    return row && trialFromRow(row);
  }

  async findTrialsByIds(studyId: string, trialIds: string[]): Promise<Trial[]> {
    const rows = await this.rows<TrialRow>(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.id = ANY(@trialIds::text[])`, { studyId, trialIds });
    const byId = new Map(rows.map((r) => [r.id, trialFromRow(r)]));
    return trialIds.map((id) => byId.get(id)).filter((t): t is Trial => t !== undefined);
  }

  async takenParamsKeys(studyId: string, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await this.rows<{ params_key: string }>(
      `SELECT DISTINCT params_key FROM trials WHERE study_seq = ${STUDY_SEQ} AND params_key = ANY(@keys::text[])`,
      { studyId, keys },
    );
    const taken = new Set(rows.map((r) => r.params_key));
    return keys.filter((key) => taken.has(key));
  }

  async nextTrialNumber(studyId: string): Promise<number> {
    return (await this.one<{ next: number }>(`SELECT COALESCE(MAX(t.number) + 1, 0) AS next ${TRIALS_OF_STUDY}`, { studyId }))!.next;
  }

  async insertTrial(trial: Trial): Promise<void> {
    const { prediction, ...rest } = trial;
    await this.changes(
      `INSERT INTO trials (id, study_seq, number, params, params_key, state, value, failure_reason,
          source, created_at, completed_at, lease_expires_at, prediction_mean, prediction_std, acquisition, metadata)
        VALUES (@id, ${STUDY_SEQ}, @number, @params, @paramsKey, @state, @value,
          @failureReason, @source, @createdAt, @completedAt, @leaseExpiresAt, @predictionMean, @predictionStd,
          @acquisition, @metadata)`,
      {
        ...rest,
        params: JSON.stringify(trial.params),
        metadata: metadataToColumn(trial.metadata),
        predictionMean: prediction?.mean ?? null,
        predictionStd: prediction?.std ?? null,
      },
    );
  }

  async claimQueuedTrial(trialId: string, leaseExpiresAt: number): Promise<boolean> {
    return (await this.changes(`UPDATE trials SET state = 'pending', lease_expires_at = @leaseExpiresAt WHERE id = @id AND state = 'queued'`, { id: trialId, leaseExpiresAt })) > 0;
  }

  async deleteQueuedTrial(studyId: string, trialId: string): Promise<boolean> {
    return (await this.changes(`DELETE FROM trials WHERE id = @trialId AND state = 'queued' AND study_seq = ${STUDY_SEQ}`, { studyId, trialId })) > 0;
  }

  async trialWithParamsKey(studyId: string, key: string): Promise<Trial | undefined> {
    const row = await this.one<TrialRow>(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.params_key = @key ORDER BY t.number LIMIT 1`, { studyId, key });
    return row && trialFromRow(row);
  }

  async updateTrial(trial: Trial): Promise<void> {
    await this.changes(
      `UPDATE trials SET state = @state, value = @value, failure_reason = @failureReason,
          completed_at = @completedAt, lease_expires_at = @leaseExpiresAt, metadata = @metadata WHERE id = @id`,
      {
        id: trial.id,
        state: trial.state,
        value: trial.value,
        failureReason: trial.failureReason,
        completedAt: trial.completedAt,
        leaseExpiresAt: trial.leaseExpiresAt,
        metadata: metadataToColumn(trial.metadata),
      },
    );
  }

  async bestTrial(studyId: string, goal: 'minimize' | 'maximize'): Promise<Trial | undefined> {
    const order = goal === 'minimize' ? 'ASC' : 'DESC';
    const row = await this.one<TrialRow>(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.state = 'completed' ORDER BY t.value ${order}, t.number LIMIT 1`, { studyId });
    return row && trialFromRow(row);
  }

  async studyModel(studyId: string): Promise<ModelState | undefined> {
    const row = await this.one<{ model: string | null }>('SELECT model FROM studies WHERE id = @studyId', { studyId });
    return row?.model ? (JSON.parse(row.model) as ModelState) : undefined;
  }

  async saveStudyModel(studyId: string, model: ModelState): Promise<void> {
    await this.changes('UPDATE studies SET model = @model WHERE id = @studyId', { studyId, model: JSON.stringify(model) });
  }

  async totals(now: number): Promise<{ trials: Record<TrialState, number>; studies: number }> {
    const { studies, ...trials } = (await this.one<Record<TrialState | 'studies', number>>(
      `SELECT ${COUNT_BY_STATE}, (SELECT COUNT(*) FROM studies) AS studies FROM trials t`,
      { now },
    ))!;
    return { trials, studies };
  }

  async trialReports(studyId: string, trialId: string): Promise<TrialReport[]> {
    return this.rows<TrialReport>(
      `SELECT r.step, r.value, r.at, r.decision, r.reason, r.rung FROM trial_reports r
        WHERE r.study_seq = ${STUDY_SEQ} AND r.trial_id = @trialId ORDER BY r.step`,
      { studyId, trialId },
    );
  }

  async insertTrialReport(studyId: string, trialId: string, report: TrialReport): Promise<void> {
    await this.changes(
      `INSERT INTO trial_reports (trial_id, study_seq, step, value, at, decision, reason, rung)
        VALUES (@trialId, ${STUDY_SEQ}, @step, @value, @at, @decision, @reason, @rung)`,
      { studyId, trialId, ...report },
    );
  }

  async studyReports(studyId: string): Promise<Map<string, TrialReport[]>> {
    const out = new Map<string, TrialReport[]>();
    const rows = await this.rows<TrialReport & { trial_id: string }>(
      `SELECT r.trial_id, r.step, r.value, r.at, r.decision, r.reason, r.rung FROM trial_reports r
        WHERE r.study_seq = ${STUDY_SEQ} ORDER BY r.trial_id, r.step`,
      { studyId },
    );
    for (const { trial_id, ...report } of rows) {
      const list = out.get(trial_id);
      if (list) list.push(report);
      else out.set(trial_id, [report]);
    }
    return out;
  }

  async rungValues(studyId: string, rung: number, exceptTrialId: string): Promise<{ number: number; value: number }[]> {
    return this.rows(
      `SELECT t.number, r.value FROM trial_reports r JOIN trials t ON t.id = r.trial_id
        WHERE r.study_seq = ${STUDY_SEQ} AND r.rung = @rung AND r.trial_id != @trialId`,
      { studyId, rung, trialId: exceptTrialId },
    );
  }

  async runningAverages(studyId: string, step: number, exceptTrialId: string): Promise<number[]> {
    const rows = await this.rows<{ average: number }>(
      `SELECT AVG(r.value) AS average FROM trial_reports r
        WHERE r.study_seq = ${STUDY_SEQ} AND r.step <= @step AND r.trial_id != @trialId
          AND EXISTS (SELECT 1 FROM trial_reports q WHERE q.trial_id = r.trial_id AND q.step >= @step)
        GROUP BY r.trial_id`,
      { studyId, step, trialId: exceptTrialId },
    );
    return rows.map((r) => r.average);
  }

  async findIdempotencyKey(studyId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.one<{ request_hash: string; trial_ids: string }>(
      `SELECT k.request_hash, k.trial_ids FROM idempotency_keys k WHERE k.study_seq = ${STUDY_SEQ} AND k.key = @key`,
      { studyId, key },
    );
    return row && { requestHash: row.request_hash, trialIds: JSON.parse(row.trial_ids) as string[] };
  }

  async insertIdempotencyKey(studyId: string, key: string, record: IdempotencyRecord, now: number): Promise<void> {
    await this.changes(
      `INSERT INTO idempotency_keys (study_seq, key, request_hash, trial_ids, created_at) VALUES (${STUDY_SEQ}, @key, @requestHash, @trialIds, @now)`,
      { studyId, key, requestHash: record.requestHash, trialIds: JSON.stringify(record.trialIds), now },
    );
  }
}
