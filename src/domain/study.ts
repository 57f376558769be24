/**
 * Studies: a search space, an objective and the options that make a study reproducible.
 * Times are epoch milliseconds inside the domain; the API formats them.
 */
import { createEncoding, type Encoding } from '../bo/encoding.js';
import type { Goal, ParamSpec } from '../bo/search-space.js';
import type { Metadata, MetadataPatch } from './metadata.js';

export type Objective = { name: string; goal: Goal };

/** How new points are chosen after (for `gp`) or instead of the initial design. */
export type Algorithm = 'gp' | 'random' | 'sobol' | 'grid';

export type AshaMode = 'aggressive' | 'standard' | 'conservative';

/** When a running trial is stopped from its reports (domain/early-stopping/). */
export type EarlyStopping =
  | { rule: 'none' }
  | { rule: 'asha' | 'median'; maxStep: number; minStep: number; reductionFactor: number; mode: AshaMode };

export type StudyOptions = {
  /** Seed of every random choice the study makes. */
  seed: number;
  /** Size of the scrambled-Sobol initial design. */
  initialTrials: number;
  /** Lease of a suggested trial, renewed by heartbeats and reports. */
  leaseSeconds: number;
  algorithm: Algorithm;
  earlyStopping: EarlyStopping;
  /** Trials the study may have; absent: no limit. */
  maxTrials?: number;
  /** Running trials the study may have at once; absent: no limit. */
  maxConcurrentTrials?: number;
};

/** Early stopping as a client states it: every field but `rule` optional. */
export type EarlyStoppingDraft = { rule: EarlyStopping['rule']; maxStep?: number; minStep?: number; reductionFactor?: number; mode?: AshaMode };

/**
 * `active`: suggests; `paused`: suggest is refused (409 STUDY_PAUSED) while observe, report
 * and heartbeat go on, so running trials finish; `completed`: no more trials, set by a user or
 * reached (`maxTrials` trials and none queued; see `studyState`).
 */
export type StudyState = 'active' | 'paused' | 'completed';

export type Study = {
  id: string;
  name: string;
  parameters: ParamSpec[];
  objective: Objective;
  options: StudyOptions;
  /** The state a user set (PATCH); what readers see is `studyState`. */
  state: StudyState;
  createdAt: number;
  /** The user's own; never seen by a suggester (domain/metadata.ts). */
  metadata: Metadata;
};

/**
 * The state readers see: the one a user set, except that an active study that has its
 * `maxTrials` trials, none of them still queued, is `completed` (derived at each read, as a
 * trial's `stale` is, so no job has to write it).
 */
export function studyState(study: Pick<Study, 'state' | 'options'>, counts: { total: number; queued: number }): StudyState {
  if (study.state !== 'active') return study.state;
  const { maxTrials } = study.options;
  return maxTrials !== undefined && counts.total >= maxTrials && counts.queued === 0 ? 'completed' : 'active';
}

export type StudyDraft = {
  name: string;
  parameters: ParamSpec[];
  objective: { name?: string; goal: Goal };
  options?: Partial<Omit<StudyOptions, 'earlyStopping'>> & { earlyStopping?: EarlyStoppingDraft };
  metadata?: MetadataPatch;
};

export const DEFAULT_LEASE_SECONDS = 3600;
export const DEFAULT_ALGORITHM: Algorithm = 'gp';
export const NO_EARLY_STOPPING: EarlyStopping = { rule: 'none' };
/** Values of a float or int parameter on a grid, unless it says `gridPoints`. */
export const DEFAULT_GRID_POINTS = 5;

/**
 * Early stopping with its defaults made explicit (minStep 1, η = 3, standard mode), so
 * equal settings compare equal; `maxStep` must already be there (study-options-rules.ts).
 */
export function normalizeEarlyStopping(draft: EarlyStoppingDraft | undefined): EarlyStopping {
  if (!draft || draft.rule === 'none') return NO_EARLY_STOPPING;
  return { rule: draft.rule, maxStep: draft.maxStep!, minStep: draft.minStep ?? 1, reductionFactor: draft.reductionFactor ?? 3, mode: draft.mode ?? 'standard' };
}

/** Most points of a default initial design, whatever the dimension. */
export const MAX_DEFAULT_INITIAL_TRIALS = 10;

/**
 * Default size of the initial design: min(10, max(5, 2·d + 2)).
 * NOTE: capped at 10 (Optuna's TPE starts modelling after 10 too): with the dimension-scaled
 * lengthscale prior the GP needs no 2 points per dimension, and 2·d + 2 left it behind TPE
 * until mid-budget at d = 20 and 30 (decision 0027).
 */
export function defaultInitialTrials(dimension: number): number {
  return Math.min(MAX_DEFAULT_INITIAL_TRIALS, Math.max(5, 2 * dimension + 2));
}

/** The parameters with every optional field made explicit, so that equal spaces compare equal. */
export function normalizeParameters(parameters: ParamSpec[]): ParamSpec[] {
  return parameters.map((p) => {
    switch (p.type) {
      case 'float':
      case 'int':
        // gridPoints only when stated, so that spaces stored before it compare equal.
        return { name: p.name, type: p.type, low: p.low, high: p.high, log: p.log ?? false, ...(p.gridPoints !== undefined ? { gridPoints: p.gridPoints } : {}) };
      case 'ordinal':
        return { name: p.name, type: p.type, values: [...p.values] };
      case 'categorical':
        return { name: p.name, type: p.type, choices: [...p.choices] };
    }
  });
}

/**
 * Whether a create request describes the study that already exists: same parameters and
 * objective, and every option the request states equal to the stored one (options it
 * leaves out take whatever the study has, so re-running a script is idempotent).
 */
export function sameDefinition(study: Study, draft: StudyDraft): boolean {
  const objective: Objective = { name: draft.objective.name ?? 'value', goal: draft.objective.goal };
  if (JSON.stringify(normalizeParameters(draft.parameters)) !== JSON.stringify(study.parameters)) return false;
  if (objective.name !== study.objective.name || objective.goal !== study.objective.goal) return false;
  const { earlyStopping, ...options } = draft.options ?? {};
  if (earlyStopping !== undefined && JSON.stringify(normalizeEarlyStopping(earlyStopping)) !== JSON.stringify(study.options.earlyStopping)) return false;
  return (Object.keys(options) as (keyof typeof options)[]).every(
    (key) => options[key] === undefined || options[key] === study.options[key],
  );
}

const encodings = new WeakMap<ParamSpec[], Encoding>();

/**
 * The encoding (bo/encoding.ts) of a study's space, built once per snapshot of the study:
 * it is keyed by the parameters array, which every read from the store makes anew.
 */
export function encodingOf(study: Pick<Study, 'parameters'>): Encoding {
  let encoding = encodings.get(study.parameters);
  if (!encoding) {
    encoding = createEncoding(study.parameters);
    encodings.set(study.parameters, encoding);
  }
  return encoding;
}
