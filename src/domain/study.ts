/**
 * Studies: a search space, an objective and the options that make a study reproducible.
 * Times are epoch milliseconds inside the domain; the API formats them.
 */
import { createEncoding, type Encoding } from '../bo/encoding.js';
import type { Goal, ParamSpec } from '../bo/search-space.js';

export type Objective = { name: string; goal: Goal };

export type StudyOptions = {
  /** Seed of every random choice the study makes. */
  seed: number;
  /** Size of the scrambled-Sobol initial design. */
  initialTrials: number;
  /** Lease of a suggested trial, renewed by heartbeats. */
  leaseSeconds: number;
};

export type Study = {
  id: string;
  name: string;
  parameters: ParamSpec[];
  objective: Objective;
  options: StudyOptions;
  state: 'active';
  createdAt: number;
};

export type StudyDraft = {
  name: string;
  parameters: ParamSpec[];
  objective: { name?: string; goal: Goal };
  options?: Partial<StudyOptions>;
};

export const DEFAULT_LEASE_SECONDS = 3600;

/** Default size of the initial design: max(5, 2·d + 2), as the GP needs a few points per dimension. */
export function defaultInitialTrials(dimension: number): number {
  return Math.max(5, 2 * dimension + 2);
}

/** The parameters with every optional field made explicit, so that equal spaces compare equal. */
export function normalizeParameters(parameters: ParamSpec[]): ParamSpec[] {
  return parameters.map((p) => {
    switch (p.type) {
      case 'float':
      case 'int':
        return { name: p.name, type: p.type, low: p.low, high: p.high, log: p.log ?? false };
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
  const options = draft.options ?? {};
  return (Object.keys(options) as (keyof StudyOptions)[]).every(
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
