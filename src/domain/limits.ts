/**
 * Bounds on the work one request may ask for, with their defaults. `config.ts` reads them
 * from the environment; every use case that accepts a size checks it here and answers
 * 422 LIMIT_EXCEEDED with a pointer to the field.
 */
import type { ParamSpec } from '../bo/search-space.js';
import { ProblemError, type FieldError } from './errors.js';

export type Limits = {
  /** Parameters of a search space. */
  parameters: number;
  /** Choices of a categorical, values of an ordinal. */
  levels: number;
  /** Observations in one stateless suggest body. */
  statelessObservations: number;
  /** Points asked for by one suggest call (at most 64, the contract's own bound). */
  suggestCount: number;
  /**
   * Observations of a study passed to the engine; above it the better half and the most recent
   * (gp-suggester.ts). The engine itself conditions on at most MODEL_SUBSET.size of them.
   */
  modelObservations: number;
  /** Compute budget of one engine call, ms: past it the engine answers with the best it has. */
  engineDeadlineMs: number;
  /** Rows of one import (`POST …/trials:import`). */
  importTrials: number;
};

export const DEFAULT_LIMITS: Limits = {
  parameters: 100,
  levels: 1000,
  statelessObservations: 5000,
  suggestCount: 64,
  // NOTE: 20,000: the engine conditions on a subset of 400 (bo/model-subset.ts), so what grows
  // with this limit is only O(n) work (encoding, ranks, distances): 0.3–0.6 s at 20,000 (decision 0029).
  modelObservations: 20_000,
  engineDeadlineMs: 5000,
  importTrials: 10_000,
};

/** The search space's sizes against the limits: [] when within them. */
export function spaceLimitErrors(parameters: ParamSpec[], limits: Limits): FieldError[] {
  const errors: FieldError[] = [];
  if (parameters.length > limits.parameters) {
    errors.push({ pointer: '#/parameters', detail: `at most ${limits.parameters} parameters (LIMIT_PARAMETERS), got ${parameters.length}` });
  }
  parameters.forEach((p, i) => {
    const levels = p.type === 'categorical' ? p.choices : p.type === 'ordinal' ? p.values : undefined;
    if (levels && levels.length > limits.levels) {
      const field = p.type === 'categorical' ? 'choices' : 'values';
      errors.push({ pointer: `#/parameters/${i}/${field}`, detail: `at most ${limits.levels} ${field} (LIMIT_LEVELS), got ${levels.length}` });
    }
  });
  return errors;
}

/** Throws LIMIT_EXCEEDED with every error, when there is one. */
export function assertWithinLimits(errors: FieldError[]): void {
  if (errors.length > 0) throw new ProblemError('LIMIT_EXCEEDED', errors[0]!.detail, errors);
}

/** The suggest `count` against the limit. */
export function countLimitErrors(count: number, limits: Limits): FieldError[] {
  return count > limits.suggestCount ? [{ pointer: '#/count', detail: `at most ${limits.suggestCount} points per call (LIMIT_SUGGEST_COUNT), got ${count}` }] : [];
}
