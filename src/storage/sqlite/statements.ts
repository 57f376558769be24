/**
 * The reads and writes of the domain's `StoreTx` on better-sqlite3, synchronous: statements
 * are prepared once. store.ts wraps them in the asynchronous port and its transactions.
 */
import type { Metadata } from '../../domain/metadata.js';
import type { IdempotencyRecord, Page, StoreTx } from '../../domain/ports.js';
import type { Study, StudyState } from '../../domain/study.js';
import type { ModelState } from '../../domain/suggest/suggester.js';
import type { Trial, TrialCounts, TrialReport, TrialState } from '../../domain/trial.js';
import { parseCursor } from '../cursor.js';
import { metadataToColumn, studyFromRow, studyToRow, trialFromRow, type StudyRow, type TrialRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import { migrationsApplied, readMigrations, type Migration } from './migrator.js';

/** The port's methods, answering at once instead of through a promise. */
export type Synchronous<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never };

const TRIAL_COLUMNS = `t.id, s.id AS study_id, t.number, t.params, t.params_key, t.state, t.value,
  t.failure_reason, t.source, t.created_at, t.completed_at, t.lease_expires_at, t.prediction_mean,
  t.prediction_std, t.acquisition, t.metadata`;
const TRIALS_OF_STUDY = `FROM trials t JOIN studies s ON s.seq = t.study_seq WHERE s.id = @studyId`;

/**
 * SQL for a study's state as readers see it: domain/study.ts `studyState`, which a test keeps
 * equal to this (an active study with its maxTrials trials, none queued, is completed).
 */
const STUDY_STATE = `CASE WHEN s.state != 'active' THEN s.state
  WHEN json_extract(s.options, '$.maxTrials') IS NOT NULL
    AND (SELECT COUNT(*) FROM trials t WHERE t.study_seq = s.seq) >= json_extract(s.options, '$.maxTrials')
    AND NOT EXISTS (SELECT 1 FROM trials t WHERE t.study_seq = s.seq AND t.state = 'queued') THEN 'completed'
  ELSE 'active' END`;

/** SQL for "the trial's effective state is @state at @now" (stale is derived, see domain/trial.ts). */
const STATE_FILTER: Record<TrialState, string> = {
  queued: `t.state = 'queued'`,
  pending: `t.state = 'pending' AND (t.lease_expires_at IS NULL OR t.lease_expires_at > @now)`,
  stale: `t.state = 'pending' AND t.lease_expires_at <= @now`,
  completed: `t.state = 'completed'`,
  failed: `t.state = 'failed'`,
  stopped: `t.state = 'stopped'`,
};

export class SqliteStatements implements Synchronous<StoreTx> {
  private readonly migrations: Migration[] = readMigrations();
  private readonly stmt;

  constructor(private readonly db: SqliteDatabase) {
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      insertStudy: p(`INSERT INTO studies (id, name, parameters, objective, options, state, created_at, metadata)
        VALUES (@id, @name, @parameters, @objective, @options, @state, @created_at, @metadata)`),
      updateStudyMetadata: p('UPDATE studies SET metadata = ? WHERE id = ?'),
      studyById: p('SELECT * FROM studies WHERE id = ?'),
      studyByName: p('SELECT * FROM studies WHERE name = ?'),
      setStudyState: p('UPDATE studies SET state = @state WHERE id = @id'),
      deleteStudy: p('DELETE FROM studies WHERE id = ?'),
      counts: p(`SELECT
          SUM(${STATE_FILTER.queued}) AS queued, SUM(${STATE_FILTER.pending}) AS pending, SUM(${STATE_FILTER.stale}) AS stale,
          SUM(${STATE_FILTER.completed}) AS completed, SUM(${STATE_FILTER.failed}) AS failed,
          SUM(${STATE_FILTER.stopped}) AS stopped, COUNT(*) AS total ${TRIALS_OF_STUDY}`),
      lastActivity: p(`SELECT MAX(
          (SELECT MAX(MAX(t.created_at), COALESCE(MAX(t.completed_at), 0)) ${TRIALS_OF_STUDY}),
          COALESCE((SELECT MAX(r.at) FROM trial_reports r JOIN studies s ON s.seq = r.study_seq WHERE s.id = @studyId), 0)) AS at`),
      allTrials: p(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} ORDER BY t.number`),
      trialById: p(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.id = @trialId`),
      keyTaken: p(`SELECT 1 AS taken FROM trials WHERE study_seq = (SELECT seq FROM studies WHERE id = ?) AND params_key = ? LIMIT 1`),
      nextNumber: p(`SELECT COALESCE(MAX(t.number) + 1, 0) AS next ${TRIALS_OF_STUDY}`),
      insertTrial: p(`INSERT INTO trials (id, study_seq, number, params, params_key, state, value, failure_reason,
          source, created_at, completed_at, lease_expires_at, prediction_mean, prediction_std, acquisition, metadata)
        VALUES (@id, (SELECT seq FROM studies WHERE id = @studyId), @number, @params, @paramsKey, @state, @value,
          @failureReason, @source, @createdAt, @completedAt, @leaseExpiresAt, @predictionMean, @predictionStd,
          @acquisition, @metadata)`),
      claimQueued: p(`UPDATE trials SET state = 'pending', lease_expires_at = @leaseExpiresAt WHERE id = @id AND state = 'queued'`),
      deleteQueued: p(`DELETE FROM trials WHERE id = @trialId AND state = 'queued'
        AND study_seq = (SELECT seq FROM studies WHERE id = @studyId)`),
      trialByParamsKey: p(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.params_key = @key ORDER BY t.number LIMIT 1`),
      updateTrial: p(`UPDATE trials SET state = @state, value = @value, failure_reason = @failureReason,
          completed_at = @completedAt, lease_expires_at = @leaseExpiresAt, metadata = @metadata WHERE id = @id`),
      bestMin: p(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.state = 'completed' ORDER BY t.value ASC, t.number LIMIT 1`),
      bestMax: p(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} AND t.state = 'completed' ORDER BY t.value DESC, t.number LIMIT 1`),
      findKey: p(`SELECT k.request_hash, k.trial_ids FROM idempotency_keys k JOIN studies s ON s.seq = k.study_seq
        WHERE s.id = ? AND k.key = ?`),
      insertKey: p(`INSERT INTO idempotency_keys (study_seq, key, request_hash, trial_ids, created_at)
        VALUES ((SELECT seq FROM studies WHERE id = ?), ?, ?, ?, ?)`),
      ping: p('SELECT 1 AS one'),
      reports: p(`SELECT r.step, r.value, r.at, r.decision, r.reason, r.rung FROM trial_reports r
        JOIN studies s ON s.seq = r.study_seq WHERE s.id = @studyId AND r.trial_id = @trialId ORDER BY r.step`),
      studyReports: p(`SELECT r.trial_id, r.step, r.value, r.at, r.decision, r.reason, r.rung FROM trial_reports r
        JOIN studies s ON s.seq = r.study_seq WHERE s.id = @studyId ORDER BY r.trial_id, r.step`),
      insertReport: p(`INSERT INTO trial_reports (trial_id, study_seq, step, value, at, decision, reason, rung)
        VALUES (@trialId, (SELECT seq FROM studies WHERE id = @studyId), @step, @value, @at, @decision, @reason, @rung)`),
      rungValues: p(`SELECT t.number, r.value FROM trial_reports r JOIN trials t ON t.id = r.trial_id
        WHERE r.study_seq = (SELECT seq FROM studies WHERE id = @studyId) AND r.rung = @rung AND r.trial_id != @trialId`),
      runningAverages: p(`SELECT AVG(r.value) AS average FROM trial_reports r
        WHERE r.study_seq = (SELECT seq FROM studies WHERE id = @studyId) AND r.step <= @step AND r.trial_id != @trialId
          AND EXISTS (SELECT 1 FROM trial_reports q WHERE q.trial_id = r.trial_id AND q.step >= @step)
        GROUP BY r.trial_id`),
      model: p('SELECT model FROM studies WHERE id = ?'),
      saveModel: p('UPDATE studies SET model = ? WHERE id = ?'),
      totals: p(`SELECT
          COALESCE(SUM(${STATE_FILTER.queued}), 0) AS queued, COALESCE(SUM(${STATE_FILTER.pending}), 0) AS pending, COALESCE(SUM(${STATE_FILTER.stale}), 0) AS stale,
          COALESCE(SUM(${STATE_FILTER.completed}), 0) AS completed, COALESCE(SUM(${STATE_FILTER.failed}), 0) AS failed,
          COALESCE(SUM(${STATE_FILTER.stopped}), 0) AS stopped, (SELECT COUNT(*) FROM studies) AS studies
        FROM trials t`),
    };
  }

  /** Whether the database answers and every migration is applied (not a `StoreTx` method). */
  ready(): boolean {
    try {
      return (this.stmt.ping.get() as { one: number }).one === 1 && migrationsApplied(this.db, this.migrations);
    } catch {
      return false;
    }
  }

  insertStudy(study: Study): void {
    this.stmt.insertStudy.run(studyToRow(study));
  }

  findStudy(id: string): Study | undefined {
    const row = this.stmt.studyById.get(id) as StudyRow | undefined;
    return row && studyFromRow(row);
  }

  findStudyByName(name: string): Study | undefined {
    const row = this.stmt.studyByName.get(name) as StudyRow | undefined;
    return row && studyFromRow(row);
  }

  listStudies(cursor: string | undefined, limit: number, filter: { namePrefix?: string; state?: StudyState } = {}): Page<Study> {
    const after = parseCursor(cursor);
    // substr and length count characters, as startsWith does on a well-formed string; no LIKE escaping to get wrong.
    const prefix = filter.namePrefix === undefined ? '' : 'AND substr(s.name, 1, length(@prefix)) = @prefix';
    const state = filter.state === undefined ? '' : `AND ${STUDY_STATE} = @state`;
    const rows = this.db
      .prepare(`SELECT s.* FROM studies s WHERE s.seq > @after ${prefix} ${state} ORDER BY s.seq LIMIT @limit`)
      .all({ after, limit: limit + 1, ...(filter.namePrefix !== undefined ? { prefix: filter.namePrefix } : {}), ...(filter.state ? { state: filter.state } : {}) }) as StudyRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(studyFromRow), nextCursor: rows.length > limit && last ? String(last.seq) : null };
  }

  setStudyState(id: string, state: StudyState): void {
    this.stmt.setStudyState.run({ id, state });
  }

  deleteStudy(id: string): boolean {
    return this.stmt.deleteStudy.run(id).changes > 0;
  }

  trialCounts(studyId: string, now: number): TrialCounts {
    const row = this.stmt.counts.get({ studyId, now }) as Record<keyof TrialCounts, number | null>;
    return {
      queued: row.queued ?? 0,
      pending: row.pending ?? 0,
      completed: row.completed ?? 0,
      failed: row.failed ?? 0,
      stale: row.stale ?? 0,
      stopped: row.stopped ?? 0,
      total: row.total ?? 0,
    };
  }

  lastActivity(studyId: string): number | null {
    const row = this.stmt.lastActivity.get({ studyId }) as { at: number | null };
    return row.at || null;
  }

  listTrials(studyId: string, filter: { state?: TrialState; cursor?: string; limit: number }, now: number): Page<Trial> {
    const where = filter.state ? `AND ${STATE_FILTER[filter.state]}` : '';
    const rows = this.db
      .prepare(`SELECT ${TRIAL_COLUMNS} ${TRIALS_OF_STUDY} ${where} AND t.number > @after ORDER BY t.number LIMIT @limit`)
      .all({ studyId, now, after: parseCursor(filter.cursor) - 1, limit: filter.limit + 1 }) as TrialRow[];
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(trialFromRow),
      nextCursor: rows.length > filter.limit && last ? String(last.number + 1) : null,
    };
  }

  allTrials(studyId: string): Trial[] {
    return (this.stmt.allTrials.all({ studyId }) as TrialRow[]).map(trialFromRow);
  }

  findTrial(studyId: string, trialId: string): Trial | undefined {
    const row = this.stmt.trialById.get({ studyId, trialId }) as TrialRow | undefined;
    return row && trialFromRow(row);
  }

  findTrialsByIds(studyId: string, trialIds: string[]): Trial[] {
    return trialIds.map((id) => this.findTrial(studyId, id)).filter((t): t is Trial => t !== undefined);
  }

  takenParamsKeys(studyId: string, keys: string[]): string[] {
    return keys.filter((key) => this.stmt.keyTaken.get(studyId, key) !== undefined);
  }

  nextTrialNumber(studyId: string): number {
    return (this.stmt.nextNumber.get({ studyId }) as { next: number }).next;
  }

  insertTrial(trial: Trial): void {
    const { prediction, ...rest } = trial;
    this.stmt.insertTrial.run({
      ...rest,
      params: JSON.stringify(trial.params),
      metadata: metadataToColumn(trial.metadata),
      predictionMean: prediction?.mean ?? null,
      predictionStd: prediction?.std ?? null,
    });
  }

  claimQueuedTrial(trialId: string, leaseExpiresAt: number): boolean {
    return this.stmt.claimQueued.run({ id: trialId, leaseExpiresAt }).changes > 0;
  }

  deleteQueuedTrial(studyId: string, trialId: string): boolean {
    return this.stmt.deleteQueued.run({ studyId, trialId }).changes > 0;
  }

  trialWithParamsKey(studyId: string, key: string): Trial | undefined {
    const row = this.stmt.trialByParamsKey.get({ studyId, key }) as TrialRow | undefined;
    return row && trialFromRow(row);
  }

  updateTrial(trial: Trial): void {
    this.stmt.updateTrial.run({
      id: trial.id,
      state: trial.state,
      value: trial.value,
      failureReason: trial.failureReason,
      completedAt: trial.completedAt,
      leaseExpiresAt: trial.leaseExpiresAt,
      metadata: metadataToColumn(trial.metadata),
    });
  }

  updateStudyMetadata(studyId: string, metadata: Metadata): void {
    this.stmt.updateStudyMetadata.run(metadataToColumn(metadata), studyId);
  }

  bestTrial(studyId: string, goal: 'minimize' | 'maximize'): Trial | undefined {
    const stmt = goal === 'minimize' ? this.stmt.bestMin : this.stmt.bestMax;
    const row = stmt.get({ studyId }) as TrialRow | undefined;
    return row && trialFromRow(row);
  }

  studyModel(studyId: string): ModelState | undefined {
    const row = this.stmt.model.get(studyId) as { model: string | null } | undefined;
    return row?.model ? (JSON.parse(row.model) as ModelState) : undefined;
  }

  saveStudyModel(studyId: string, model: ModelState): void {
    this.stmt.saveModel.run(JSON.stringify(model), studyId);
  }

  totals(now: number): { trials: Record<TrialState, number>; studies: number } {
    const { studies, ...trials } = this.stmt.totals.get({ now }) as Record<TrialState | 'studies', number>;
    return { trials, studies };
  }

  trialReports(studyId: string, trialId: string): TrialReport[] {
    return this.stmt.reports.all({ studyId, trialId }) as TrialReport[];
  }

  insertTrialReport(studyId: string, trialId: string, report: TrialReport): void {
    this.stmt.insertReport.run({ studyId, trialId, ...report });
  }

  studyReports(studyId: string): Map<string, TrialReport[]> {
    const out = new Map<string, TrialReport[]>();
    for (const { trial_id, ...report } of this.stmt.studyReports.all({ studyId }) as (TrialReport & { trial_id: string })[]) {
      const list = out.get(trial_id);
      if (list) list.push(report);
      else out.set(trial_id, [report]);
    }
    return out;
  }

  rungValues(studyId: string, rung: number, exceptTrialId: string): { number: number; value: number }[] {
    return this.stmt.rungValues.all({ studyId, rung, trialId: exceptTrialId }) as { number: number; value: number }[];
  }

  runningAverages(studyId: string, step: number, exceptTrialId: string): number[] {
    return (this.stmt.runningAverages.all({ studyId, step, trialId: exceptTrialId }) as { average: number }[]).map((r) => r.average);
  }

  findIdempotencyKey(studyId: string, key: string): IdempotencyRecord | undefined {
    const row = this.stmt.findKey.get(studyId, key) as { request_hash: string; trial_ids: string } | undefined;
    return row && { requestHash: row.request_hash, trialIds: JSON.parse(row.trial_ids) as string[] };
  }

  insertIdempotencyKey(studyId: string, key: string, record: IdempotencyRecord, now: number): void {
    this.stmt.insertKey.run(studyId, key, record.requestHash, JSON.stringify(record.trialIds), now);
  }
}
