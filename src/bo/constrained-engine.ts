/**
 * The engine entry point for one objective under outcome constraints
 * (`constraints: [{name, op, bound}]` of issue 16): a GP for the objective, a GP per
 * constraint, and the feasibility-weighted log EI of constrained-acquisition.ts.
 *
 * | symbol | meaning                                                          | space     |
 * |--------|------------------------------------------------------------------|-----------|
 * | y      | the objective's GP targets, output-transform.ts as engine.ts     | yStd      |
 * | c^k    | constraint k's targets, standardized so feasible = c ≤ b_k       | cStd      |
 * | best   | max y over the observations that satisfy every constraint        | yStd      |
 *
 * Steps:
 *  1. validate and encode (outcome-models.ts); every observation carries the objective
 *     and every constrained outcome.
 *  2. one GP per outcome, θ fitted or kept as engine.ts does (forks 1, 2, … of the seed).
 *  3. k = 1..count: x_k = argmax a(x) with a = log EI(best) + Σ log Φ(z_k), or Σ log Φ(z_k)
 *     while no observation is feasible; pending and earlier batch points are believer rows.
 *  4. report the objective's prediction in objective units and P(feasible) at x_k.
 */

import { constrainedLogEiAcquisition, logProbabilityFeasible, type ConstraintModel } from './constrained-acquisition.js';
import { EngineError, type EngineOptions } from './engine.js';
import type { FittedHyperparameters } from './fit.js';
import {
  fittedByName, outcomeModel, prepareOutcomes, standardizedConstraint, suggestBatch, type OutcomeEngineInput, type OutcomeModel,
} from './outcome-models.js';
import { DEFAULT_OUTPUT_WARP, outputTransform } from './output-transform.js';
import { isFeasible, type Objective, type OutcomeConstraint } from './pareto.js';
import { createRng } from './rng.js';
import type { Params } from './search-space.js';

export interface ConstrainedEngineInput extends OutcomeEngineInput {
  objective: Objective;
  /** At least one; with none, use engine.ts suggestNext. */
  constraints: OutcomeConstraint[];
}

export interface ConstrainedSuggestion {
  params: Params;
  source: 'gp-constrained-logei';
  /** The objective's posterior at params, objective units. */
  prediction: { mean: number; std: number };
  /** Π_k Φ(z_k) at params under the constraint GPs (before the batch's own believer rows). */
  probabilityFeasible: number;
  /** a(x) at params (see the module doc). */
  acquisition: number;
}

export interface ConstrainedEngineOutput {
  suggestions: ConstrainedSuggestion[];
  /** θ per outcome name: the objective's and each constraint's. */
  hyperparameters: Record<string, FittedHyperparameters>;
  work: { fitted: boolean; interrupted: boolean; feasibleObservations: number };
}

/**
 * The next `count` points for a constrained study (module doc).
 * @throws EngineError as engine.ts suggestNext ('invalid-input' also for a constraint on the
 *   objective itself or repeated names).
 */
export function suggestConstrained(input: ConstrainedEngineInput, options: Pick<EngineOptions, 'shouldStop' | 'experiment'> = {}): ConstrainedEngineOutput {
  const { objective, constraints } = input;
  if (constraints.length === 0) throw new EngineError('invalid-input', 'suggestConstrained needs at least one constraint (use suggestNext)');
  const names = [objective.name, ...constraints.map((c) => c.name)];
  const prep = prepareOutcomes(input, names);
  const n = prep.n;
  const total = input.totalObservations ?? n;
  const experiment = options.experiment ?? {};
  const rng = createRng(input.seed);
  let interrupted = false;
  const stopSignal = options.shouldStop;
  const fitStop = stopSignal ? () => stopSignal('fit') && (interrupted = true) : undefined;
  let stopped = false;
  const shouldStop = stopSignal ? () => (stopped ||= stopSignal('acquisition')) && (interrupted = true) : undefined;

  const values = input.observations.map((o) => o.values[objective.name]!);
  const transform = outputTransform(values, objective.goal === 'maximize' ? 1 : -1, experiment.outputWarp ?? DEFAULT_OUTPUT_WARP);
  const feasible = input.observations.map((o) => isFeasible(o.values, constraints));
  let best: number | null = null;
  feasible.forEach((f, i) => {
    if (f) best = Math.max(best ?? -Infinity, transform.y[i]!);
  });

  const models: Record<string, OutcomeModel> = {};
  models[objective.name] = outcomeModel(prep, transform.y, input.previous?.[objective.name], total, rng.fork(1), experiment, fitStop);
  const bounds = constraints.map((c, k) => {
    const s = standardizedConstraint(input.observations.map((o) => o.values[c.name]!), c);
    models[c.name] = outcomeModel(prep, s.y, input.previous?.[c.name], total, rng.fork(2 + k), { ...experiment, outputWarp: 'none' }, fitStop);
    return s.bound;
  });

  const base = names.map((name) => models[name]!.gp);
  const constraintModels = (gps: typeof base): ConstraintModel[] => bounds.map((bound, k) => ({ gp: gps[1 + k]!, bound }));
  const picked = suggestBatch(prep, base, (gps) => constrainedLogEiAcquisition(gps[0]!, constraintModels(gps), best), {
    count: input.count, rng, ...(shouldStop ? { shouldStop } : {}),
  });
  const logPf = new Float64Array(1);
  const suggestions = picked.map(({ point, models: gps }): ConstrainedSuggestion => {
    const prediction = transform.toObjective(point.mean, Math.sqrt(point.variance));
    logProbabilityFeasible(constraintModels(gps), point.x, 1, logPf);
    if (![prediction.mean, prediction.std, point.value].every(Number.isFinite)) throw new EngineError('numerical-failure', 'non-finite prediction at the suggestion');
    return { params: point.params, source: 'gp-constrained-logei', prediction, probabilityFeasible: Math.exp(logPf[0]!), acquisition: point.value };
  });
  return {
    suggestions,
    hyperparameters: fittedByName(models, total, input.previous),
    work: { fitted: Object.values(models).some((m) => m.fitted), interrupted, feasibleObservations: feasible.filter(Boolean).length },
  };
}
