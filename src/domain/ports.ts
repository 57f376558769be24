/**
 * What the domain needs from the outside world, declared here and implemented by
 * `storage/` (the store) and `server.ts` (the clock). Store methods are synchronous:
 * better-sqlite3 is, and a transaction must never span an `await` (STYLE.md, habit 7).
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

export interface Store {
  /** Runs `fn` in one write transaction (taken at its start, so readers inside see a stable snapshot). */
  transaction<T>(fn: () => T): T;
  /** Whether the database answers and every migration is applied. */
  isReady(): boolean;

  insertStudy(study: Study): void;
  findStudy(id: string): Study | undefined;
  findStudyByName(name: string): Study | undefined;
  /**
   * Studies in creation order; with `namePrefix`, only those whose name starts with it, with
   * `state` only those in that state as readers see it (`studyState`); pages count those only.
   */
  listStudies(cursor: string | undefined, limit: number, filter?: { namePrefix?: string; state?: StudyState }): Page<Study>;
  /** Stores the state a user set. */
  setStudyState(id: string, state: StudyState): void;
  updateStudyMetadata(studyId: string, metadata: Metadata): void;
  /** Deletes the study and, by cascade, its trials; false when it did not exist. */
  deleteStudy(id: string): boolean;

  trialCounts(studyId: string, now: number): TrialCounts;
  /** Epoch ms at which a trial of the study was last created, completed or reported; null without trials. */
  lastActivity(studyId: string): number | null;
  /** Trials by number; `state` is the effective state at `now` (stale is derived). */
  listTrials(studyId: string, filter: { state?: TrialState; cursor?: string; limit: number }, now: number): Page<Trial>;
  /** Every trial of the study by number: what a suggester conditions on. */
  allTrials(studyId: string): Trial[];
  findTrial(studyId: string, trialId: string): Trial | undefined;
  findTrialsByIds(studyId: string, trialIds: string[]): Trial[];
  /** Those of `keys` that some trial of the study already has (any state). */
  takenParamsKeys(studyId: string, keys: string[]): string[];
  /** The next free trial number of the study. */
  nextTrialNumber(studyId: string): number;
  insertTrial(trial: Trial): void;
  /** Hands a queued trial out: pending, leased until `leaseExpiresAt`; false when it is no longer queued (or gone). */
  claimQueuedTrial(trialId: string, leaseExpiresAt: number): boolean;
  /** Deletes the trial if it is queued; false otherwise (another state, or gone). */
  deleteQueuedTrial(studyId: string, trialId: string): boolean;
  /** The first trial of the study, by number, whose point has this canonical key. */
  trialWithParamsKey(studyId: string, key: string): Trial | undefined;
  /** Writes the mutable fields (state, value, failureReason, completedAt, leaseExpiresAt, metadata). */
  updateTrial(trial: Trial): void;
  /** The best completed trial by goal, the earliest on ties. */
  bestTrial(studyId: string, goal: 'minimize' | 'maximize'): Trial | undefined;

  /** The study's last fitted model, as `saveStudyModel` stored it. */
  studyModel(studyId: string): ModelState | undefined;
  saveStudyModel(studyId: string, model: ModelState): void;

  /** Trials of every study by effective state at `now`, and the number of studies: for metrics. */
  totals(now: number): { trials: Record<TrialState, number>; studies: number };

  /** The trial's reports by step. */
  trialReports(studyId: string, trialId: string): TrialReport[];
  insertTrialReport(studyId: string, trialId: string, report: TrialReport): void;
  /** Every report of the study, by trial id, each list by step (for the export). */
  studyReports(studyId: string): Map<string, TrialReport[]>;
  /** The values other trials recorded at an ASHA rung, with their numbers (for their bracket). */
  rungValues(studyId: string, rung: number, exceptTrialId: string): { number: number; value: number }[];
  /**
   * For each other trial with a report at `step` or later, the mean of its reports up to
   * `step` (the median rule's running averages).
   */
  runningAverages(studyId: string, step: number, exceptTrialId: string): number[];

  findIdempotencyKey(studyId: string, key: string): IdempotencyRecord | undefined;
  insertIdempotencyKey(studyId: string, key: string, record: IdempotencyRecord, now: number): void;
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
