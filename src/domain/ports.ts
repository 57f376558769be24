/**
 * What the domain needs from the outside world, declared here and implemented by
 * `storage/` (the store) and `server.ts` (the clock). Store methods are asynchronous, so
 * that a client-server database (PostgreSQL) can implement them as well as SQLite; a
 * transaction stays short: it awaits only the store, never the engine (STYLE.md, habit 7).
 */
import type { EngineInput, EngineOutput } from '../bo/engine.js';
import type { ModelViewInput, ModelViewOutput } from '../bo/model-view.js';
import type { Metadata } from './metadata.js';
import type { Study, StudyState } from './study.js';
import type { ModelState } from './suggest/suggester.js';
import type { Trial, TrialCounts, TrialReport, TrialState } from './trial.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export type Page<T> = { items: T[]; nextCursor: string | null };

export type IdempotencyRecord = { requestHash: string; trialIds: string[] };

/**
 * The reads and writes of the store. Outside a transaction each call stands alone; inside one
 * (the `tx` a `transaction` callback gets) they all see and make one atomic change.
 */
export interface StoreTx {
  insertStudy(study: Study): Promise<void>;
  findStudy(id: string): Promise<Study | undefined>;
  findStudyByName(name: string): Promise<Study | undefined>;
  /**
   * Studies in creation order; with `namePrefix`, only those whose name starts with it, with
   * `state` only those in that state as readers see it (`studyState`); pages count those only.
   */
  listStudies(cursor: string | undefined, limit: number, filter?: { namePrefix?: string; state?: StudyState }): Promise<Page<Study>>;
  /** Stores the state a user set. */
  setStudyState(id: string, state: StudyState): Promise<void>;
  updateStudyMetadata(studyId: string, metadata: Metadata): Promise<void>;
  /** Deletes the study and, by cascade, its trials; false when it did not exist. */
  deleteStudy(id: string): Promise<boolean>;

  trialCounts(studyId: string, now: number): Promise<TrialCounts>;
  /** Epoch ms at which a trial of the study was last created, completed or reported; null without trials. */
  lastActivity(studyId: string): Promise<number | null>;
  /** Trials by number; `state` is the effective state at `now` (stale is derived). */
  listTrials(studyId: string, filter: { state?: TrialState; cursor?: string; limit: number }, now: number): Promise<Page<Trial>>;
  /** Every trial of the study by number: what a suggester conditions on. */
  allTrials(studyId: string): Promise<Trial[]>;
  findTrial(studyId: string, trialId: string): Promise<Trial | undefined>;
  findTrialsByIds(studyId: string, trialIds: string[]): Promise<Trial[]>;
  /** Those of `keys` that some trial of the study already has (any state). */
  takenParamsKeys(studyId: string, keys: string[]): Promise<string[]>;
  /** The next free trial number of the study. */
  nextTrialNumber(studyId: string): Promise<number>;
  insertTrial(trial: Trial): Promise<void>;
  /** Hands a queued trial out: pending, leased until `leaseExpiresAt`; false when it is no longer queued (or gone). */
  claimQueuedTrial(trialId: string, leaseExpiresAt: number): Promise<boolean>;
  /** Deletes the trial if it is queued; false otherwise (another state, or gone). */
  deleteQueuedTrial(studyId: string, trialId: string): Promise<boolean>;
  /** The first trial of the study, by number, whose point has this canonical key. */
  trialWithParamsKey(studyId: string, key: string): Promise<Trial | undefined>;
  /** Writes the mutable fields (state, value, failureReason, completedAt, leaseExpiresAt, metadata). */
  updateTrial(trial: Trial): Promise<void>;
  /** The best completed trial by goal, the earliest on ties. */
  bestTrial(studyId: string, goal: 'minimize' | 'maximize'): Promise<Trial | undefined>;

  /** The study's last fitted model, as `saveStudyModel` stored it. */
  studyModel(studyId: string): Promise<ModelState | undefined>;
  saveStudyModel(studyId: string, model: ModelState): Promise<void>;

  /** Trials of every study by effective state at `now`, and the number of studies: for metrics. */
  totals(now: number): Promise<{ trials: Record<TrialState, number>; studies: number }>;

  /** The trial's reports by step. */
  trialReports(studyId: string, trialId: string): Promise<TrialReport[]>;
  insertTrialReport(studyId: string, trialId: string, report: TrialReport): Promise<void>;
  /** Every report of the study, by trial id, each list by step (for the export). */
  studyReports(studyId: string): Promise<Map<string, TrialReport[]>>;
  /** The values other trials recorded at an ASHA rung, with their numbers (for their bracket). */
  rungValues(studyId: string, rung: number, exceptTrialId: string): Promise<{ number: number; value: number }[]>;
  /**
   * For each other trial with a report at `step` or later, the mean of its reports up to
   * `step` (the median rule's running averages).
   */
  runningAverages(studyId: string, step: number, exceptTrialId: string): Promise<number[]>;

  findIdempotencyKey(studyId: string, key: string): Promise<IdempotencyRecord | undefined>;
  insertIdempotencyKey(studyId: string, key: string, record: IdempotencyRecord, now: number): Promise<void>;
}

export interface Store extends StoreTx {
  /**
   * Runs `fn` in one write transaction, taken at its start so that reads inside see a stable
   * snapshot, and commits when the promise `fn` returns resolves (rolls back when it rejects).
   * Two transactions never both write the same rows (SQLite runs them one at a time). `fn`
   * uses `tx`, never the store itself, and awaits nothing but `tx`: no engine call, no timer.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Whether the database answers and every migration is applied. */
  isReady(): Promise<boolean>;
}

/**
 * Serializes work on one study across server processes on one database; within a process
 * the study's turns are `KeyedMutex`'s. Held for one suggest batch, GP included, so that each
 * suggestion conditions on every point another replica leased before it (the kriging believer).
 * Correctness does not rest on it: a suggest's transaction still refuses a point or key taken
 * meanwhile; the lock saves that wasted work and keeps the batch's points apart.
 */
export interface StudyLock {
  withStudyLock<T>(studyId: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * How one GP engine call is to be run: whose it is, how long it may compute, and
 * whether anyone still waits for it. The worker pool serves tenants round-robin.
 */
export type EngineCall = {
  /** Calls are served fairly across tenants: a study's id, or 'stateless'. */
  tenant: string;
  /** Stateless calls share a bounded lane; when it is full the call fails at once with ENGINE_BUSY. */
  lane: 'study' | 'stateless';
  /** The study whose conditioned model the engine may keep warm; absent: keep nothing. */
  cacheKey?: string;
  /** Compute budget in ms, from the moment a thread starts the call (bo/engine.ts shouldStop). */
  deadlineMs: number;
  /** Aborted when no one waits for the answer any more: a queued call is dropped, a running one stops. */
  signal?: AbortSignal;
};

/** The GP engine (bo/engine.ts suggestNext), on worker threads or in process. */
export type Engine = (input: EngineInput, call: EngineCall) => EngineOutput | Promise<EngineOutput>;

/** A view of a study's GP (bo/model-view.ts), on worker threads or in process, run like an engine call. */
export type ModelViewer = (input: ModelViewInput, call: EngineCall) => ModelViewOutput | Promise<ModelViewOutput>;

/** What the suggesters report about their work; the API layer exports it as metrics. */
export interface EngineMetrics {
  /** One call of the GP engine: its duration, and what it fitted or reused (bo/engine.ts `work`). */
  observeEngineCall(seconds: number, work: { fitted: boolean; reusedRows: number; rows: number }): void;
  /** A suggestion that fell back to a random point, with a short machine-readable reason. */
  countFallback(reason: string): void;
}
