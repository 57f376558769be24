/**
 * Trials: one evaluation of the objective at one point of the search space.
 *
 * Stored states are `queued` (a configuration a person asked for, waiting for a suggest to
 * hand it out; it holds no lease), `pending`, `completed`, `failed` and `stopped` (early
 * stopping ended it; it keeps its last reported value). `stale` is derived, never
 * stored: a pending trial whose lease has run out at the time of the read. Deriving it
 * keeps the service free of background jobs and always right after a restart.
 */
import type { Params } from '../bo/search-space.js';
import type { Metadata } from './metadata.js';

export type StoredTrialState = 'queued' | 'pending' | 'completed' | 'failed' | 'stopped';
export type TrialState = StoredTrialState | 'stale';
export type TrialSource = 'initial' | 'random' | 'gp-logei' | 'random-fallback' | 'external' | 'sobol' | 'grid' | 'queued' | 'imported';

export type Trial = {
  id: string;
  studyId: string;
  number: number;
  params: Params;
  /** Canonical form of `params` (bo/encoding `paramsKey`): equal iff the points are equal. */
  paramsKey: string;
  state: StoredTrialState;
  value: number | null;
  failureReason: string | null;
  source: TrialSource;
  createdAt: number;
  completedAt: number | null;
  leaseExpiresAt: number | null;
  /** The model's posterior of the objective at `params` when it was suggested (objective units). */
  prediction: { mean: number; std: number } | null;
  /** log EI at `params` when it was suggested. */
  acquisition: number | null;
  /** The user's own; never seen by a suggester (domain/metadata.ts). */
  metadata: Metadata;
};

export type TrialCounts = { queued: number; pending: number; completed: number; failed: number; stale: number; stopped: number; total: number };

/** The state a reader sees at time `now` (epoch ms). */
export function effectiveState(trial: Pick<Trial, 'state' | 'leaseExpiresAt'>, now: number): TrialState {
  if (trial.state === 'pending' && trial.leaseExpiresAt !== null && trial.leaseExpiresAt <= now) return 'stale';
  return trial.state;
}

/** Whether `a` is a better value than `b` for the goal. */
export function isBetter(a: number, b: number, goal: 'minimize' | 'maximize'): boolean {
  return goal === 'minimize' ? a < b : a > b;
}

/** The fields of a new trial that have no default. */
export type NewTrial = Pick<Trial, 'id' | 'studyId' | 'number' | 'params' | 'paramsKey' | 'source' | 'createdAt'> &
  Partial<Pick<Trial, 'state' | 'value' | 'failureReason' | 'completedAt' | 'leaseExpiresAt' | 'prediction' | 'acquisition' | 'metadata'>>;

/** The one place a Trial is assembled: pending, with nothing observed, unless told otherwise. */
export function newTrial(fields: NewTrial): Trial {
  return {
    state: 'pending',
    value: null,
    failureReason: null,
    completedAt: null,
    leaseExpiresAt: null,
    prediction: null,
    acquisition: null,
    metadata: {},
    ...fields,
  };
}

/** One intermediate value a running trial reported, with the answer it was given. */
export type TrialReport = {
  step: number;
  value: number;
  /** Epoch ms. */
  at: number;
  decision: 'continue' | 'stop';
  reason: string;
  /** The ASHA rung the report was judged at, if any. */
  rung: number | null;
};
