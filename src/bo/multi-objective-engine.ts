/**
 * The engine entry point for several objectives (`objectives: [{name, goal}]` of issue 16),
 * optionally under outcome constraints.
 *
 * | symbol | meaning                                                             | space     |
 * |--------|---------------------------------------------------------------------|-----------|
 * | v^k    | objective k as the user reported it                                  | objective |
 * | y^k    | T(s_k v^k): maximized, warped (half-rank) and standardized           | yStd      |
 * | F      | the feasible observations' y, non-dominated (the model-space front)  | (p, m)    |
 * | r      | reference point: the user's (mapped by the same affine maps), or     | yStd      |
 * |        | the front's nadir − 0.1 × its range (BoTorch's infer_reference_point) |           |
 *
 * Two objectives (log EHVI, hypervolume-acquisition.ts): a GP per objective and per constraint
 * (outcome-models.ts, θ fitted as engine.ts does); a(x) = log EHVI(x; cells of F, r) + Σ log Φ;
 * while no observation is feasible, a(x) = Σ log Φ. Pending and earlier batch points are believer
 * rows in every GP, and their believed objective values join F for the next point's cells.
 * Three or more objectives, or experiment.multiObjective = 'parego': ParEGO (Knowles 2006):
 * weights λ uniform on the simplex (seeded), each observation scalarized by the augmented
 * Chebyshev cost max_k λ_k(1 − ũ_k) + ρ Σ_k λ_k(1 − ũ_k), ũ_k its objective k scaled to [0, 1]
 * over the observations (maximized), ρ = 0.05; then one GP on that cost and log EI
 * (engine.ts suggestNext) or the constrained log EI (constrained-engine.ts).
 * The hypervolume is taken in the warped space (monotone per objective, so the front is the
 * same); a reference point in objective units is mapped through the warp.
 * NOTE: log EHVI by default for two objectives: above ParEGO on DTLZ2 and the mixed problem,
 * below it on ZDT1 (decision 0035).
 */

import { constrainedLogEiAcquisition, logProbabilityFeasible, type ConstraintModel } from './constrained-acquisition.js';
import { suggestConstrained } from './constrained-engine.js';
import { EngineError, suggestNext, type EngineExperiment, type EngineOptions } from './engine.js';
import type { FittedHyperparameters } from './fit.js';
import { posterior } from './gp.js';
import { outputTransform, type OutputWarp } from './output-transform.js';
import { logEhviAcquisition, nonDominatedCells2 } from './hypervolume-acquisition.js';
import {
  fittedByName, outcomeModel, prepareOutcomes, standardizedConstraint, suggestBatch, type OutcomeEngineInput, type OutcomeModel,
} from './outcome-models.js';
import { isFeasible, nonDominatedIndices, type Objective, type OutcomeConstraint } from './pareto.js';
import { createRng } from './rng.js';
import type { Params } from './search-space.js';

export type MultiObjectiveAcquisition = 'log-ehvi' | 'parego';

/** How the reference point is inferred when the input gives none (decision 0035). */
export type ReferenceRule = 'front-nadir-margin' | 'front-nadir' | 'median' | 'random-box' | 'random-scale';

export interface MultiObjectiveEngineInput extends OutcomeEngineInput {
  /** Two or more, distinct names. */
  objectives: Objective[];
  constraints?: OutcomeConstraint[];
  /** The hypervolume's reference point in objective units, by objective name; default inferred (module doc). */
  reference?: Record<string, number>;
}

export interface MultiObjectiveSuggestion {
  params: Params;
  source: 'gp-log-ehvi' | 'gp-parego';
  /** Each objective's posterior at params in objective units (log EHVI only: ParEGO models the scalarization). */
  predictions?: Record<string, { mean: number; std: number }>;
  /** Π_k Φ(z_k) under the constraint GPs, when there are constraints (log EHVI only). */
  probabilityFeasible?: number;
  acquisition: number;
}

export interface MultiObjectiveEngineOutput {
  suggestions: MultiObjectiveSuggestion[];
  /** θ per outcome name (log EHVI); ParEGO's GP changes with λ on every call and is not kept. */
  hyperparameters: Record<string, FittedHyperparameters>;
  work: { fitted: boolean; interrupted: boolean; feasibleObservations: number };
}

export interface MultiObjectiveOptions extends Pick<EngineOptions, 'shouldStop'> {
  experiment?: EngineExperiment & { multiObjective?: MultiObjectiveAcquisition; reference?: ReferenceRule };
}

/** ParEGO's augmentation ρ (Knowles 2006, §III). */
const PAREGO_RHO = 0.05;

/** (s v − m)/sd for an objective, with the map itself (for the reference point and the predictions). */
function standardizedObjective(values: readonly number[], goal: Objective['goal']): { y: Float64Array; forward(v: number): number; back(mu: number, sd: number): { mean: number; std: number } } {
  const s = goal === 'maximize' ? 1 : -1;
  const n = values.length;
  const m = values.reduce((a, v) => a + s * v, 0) / n;
  const raw = Math.sqrt(values.reduce((a, v) => a + (s * v - m) ** 2, 0) / n);
  const sd = raw > 0 && Number.isFinite(raw) ? raw : 1;
  return {
    y: Float64Array.from(values, (v) => (s * v - m) / sd),
    forward: (v) => (s * v - m) / sd,
    back: (mu, sigma) => ({ mean: s * (m + sd * mu), std: sd * sigma }),
  };
}

/**
 * NOTE: the objectives' GPs are fitted to the half-rank warp, as the single objective's: without
 * it log EHVI stalled at 34–39% of ZDT1's maximal hypervolume (86% with it), since the ranks
 * flatten f₂'s long tail (decision 0035).
 */
const MULTI_OBJECTIVE_WARP: OutputWarp = 'half-rank';

/**
 * An objective's GP targets under `warp` (output-transform.ts; monotone, so dominance is kept),
 * with `forward` for a reference point in objective units: piecewise linear through the
 * observations' (s·v, y), extended by the outer slopes.
 */
function objectiveMap(values: readonly number[], goal: Objective['goal'], warp: OutputWarp): ReturnType<typeof standardizedObjective> {
  if (warp === 'none') return standardizedObjective(values, goal);
  const s = goal === 'maximize' ? 1 : -1;
  const t = outputTransform([...values], s, warp);
  const pairs = values.map((v, i) => [s * v, t.y[i]!] as const).sort((a, b) => a[0] - b[0]);
  const knots = pairs.filter((p, i) => i === 0 || p[0] > pairs[i - 1]![0]);
  const forward = (v: number): number => {
    const r = s * v;
    if (knots.length === 1) return knots[0]![1] + (r - knots[0]![0]);
    let i = 1;
    while (i < knots.length - 1 && knots[i]![0] < r) i++;
    const [x0, y0] = knots[i - 1]!;
    const [x1, y1] = knots[i]!;
    return y0 + ((y1 - y0) * (r - x0)) / (x1 - x0);
  };
  return { y: t.y, forward, back: (mu, sd) => t.toObjective(mu, sd) };
}

/** NOTE: BoTorch's rule; none of the four others tried did better on all three problems (decision 0035). */
const DEFAULT_REFERENCE_RULE: ReferenceRule = 'front-nadir-margin';

/**
 * The inferred reference point (maximization, yStd), by `rule`:
 *  - front-nadir-margin: nadir_k − 0.1 · range_k of the front (range 1 for a single point: one sd);
 *  - front-nadir: the front's nadir itself;
 *  - median: the median of objective k over the feasible observations;
 *  - random-box / random-scale: nadir_k + u_k · range_k − 0.1 · range_k with u_k uniform (`u`),
 *    one per objective or u_1 for both, a new draw per call.
 */
export function inferredReference(front: readonly ArrayLike<number>[], feasible: readonly ArrayLike<number>[], m: number, rule: ReferenceRule, u: readonly number[] = []): number[] {
  return Array.from({ length: m }, (_, k) => {
    if (rule === 'random-box' || rule === 'random-scale') {
      const col = front.map((p) => p[k]!);
      const lo = Math.min(...col);
      const hi = Math.max(...col);
      return lo + (rule === 'random-box' ? u[k]! : u[0]!) * (hi - lo) - 0.1 * (hi > lo ? hi - lo : 1);
    }
    if (rule === 'median') {
      const col = feasible.map((p) => p[k]!).sort((a, b) => a - b);
      const h = (col.length - 1) / 2;
      return (col[Math.floor(h)]! + col[Math.ceil(h)]!) / 2;
    }
    const col = front.map((p) => p[k]!);
    const lo = Math.min(...col);
    const range = Math.max(...col) - lo;
    return rule === 'front-nadir' ? lo : lo - 0.1 * (range > 0 ? range : 1);
  });
}

function validateObjectives(input: MultiObjectiveEngineInput): void {
  if (input.objectives.length < 2) throw new EngineError('invalid-input', `several objectives needed, got ${input.objectives.length} (use suggestNext)`);
  for (const name of Object.keys(input.reference ?? {})) {
    if (!input.objectives.some((o) => o.name === name)) throw new EngineError('invalid-input', `reference names ${name}, which is not an objective`);
    if (!Number.isFinite(input.reference![name])) throw new EngineError('invalid-input', `reference for ${name} is not finite`);
  }
}

/**
 * The next `count` points for a study with several objectives (module doc).
 * @throws EngineError as engine.ts suggestNext.
 */
export function suggestMultiObjective(input: MultiObjectiveEngineInput, options: MultiObjectiveOptions = {}): MultiObjectiveEngineOutput {
  validateObjectives(input);
  const kind = options.experiment?.multiObjective ?? (input.objectives.length === 2 ? 'log-ehvi' : 'parego');
  if (kind === 'parego') return suggestParego(input, options);
  if (input.objectives.length !== 2) throw new EngineError('invalid-input', 'log EHVI is implemented for two objectives');
  const constraints = input.constraints ?? [];
  const names = [...input.objectives.map((o) => o.name), ...constraints.map((c) => c.name)];
  const prep = prepareOutcomes(input, names);
  const total = input.totalObservations ?? prep.n;
  const experiment = options.experiment ?? {};
  const rng = createRng(input.seed);
  let interrupted = false;
  const stopSignal = options.shouldStop;
  const fitStop = stopSignal ? () => stopSignal('fit') && (interrupted = true) : undefined;
  let stopped = false;
  const shouldStop = stopSignal ? () => (stopped ||= stopSignal('acquisition')) && (interrupted = true) : undefined;

  const warp = experiment.outputWarp ?? MULTI_OBJECTIVE_WARP;
  const maps = input.objectives.map((o) => objectiveMap(input.observations.map((t) => t.values[o.name]!), o.goal, warp));
  const models: Record<string, OutcomeModel> = {};
  input.objectives.forEach((o, k) => {
    models[o.name] = outcomeModel(prep, maps[k]!.y, input.previous?.[o.name], total, rng.fork(1 + k), experiment, fitStop);
  });
  const bounds = constraints.map((c, k) => {
    const s = standardizedConstraint(input.observations.map((o) => o.values[c.name]!), c);
    models[c.name] = outcomeModel(prep, s.y, input.previous?.[c.name], total, rng.fork(10 + k), experiment, fitStop);
    return s.bound;
  });

  const feasible = input.observations.map((o) => isFeasible(o.values, constraints));
  const observedFront = feasible.flatMap((f, i) => (f ? [[maps[0]!.y[i]!, maps[1]!.y[i]!]] : []));
  const nondominated = nonDominatedIndices(observedFront).map((i) => observedFront[i]!);
  const feasibleY = observedFront;
  const draws = rng.fork(8);
  const inferred = inferredReference(nondominated, feasibleY, 2, experiment.reference ?? DEFAULT_REFERENCE_RULE, [draws.uniform(), draws.uniform()]);
  const reference = input.objectives.map((o, k) => (input.reference?.[o.name] !== undefined ? maps[k]!.forward(input.reference[o.name]!) : inferred[k]!));

  const n = prep.n;
  const base = names.map((name) => models[name]!.gp);
  const constraintModels = (gps: typeof base): ConstraintModel[] => bounds.map((bound, k) => ({ gp: gps[2 + k]!, bound }));
  const picked = suggestBatch(prep, base, (gps) => {
    if (observedFront.length === 0) return constrainedLogEiAcquisition(gps[0]!, constraintModels(gps), null);
    // Believed values of pending and batch points (rows n.. of every GP) join the front.
    const believed = Array.from({ length: gps[0]!.n - n }, (_, i) => [gps[0]!.y[n + i]!, gps[1]!.y[n + i]!]);
    return logEhviAcquisition([gps[0]!, gps[1]!], nonDominatedCells2([...nondominated, ...believed], reference), constraintModels(gps));
  }, { count: input.count, rng, ...(shouldStop ? { shouldStop } : {}) });

  const logPf = new Float64Array(1);
  const suggestions = picked.map(({ point, models: gps }): MultiObjectiveSuggestion => {
    const predictions: Record<string, { mean: number; std: number }> = {};
    const mean = new Float64Array(1);
    const variance = new Float64Array(1);
    input.objectives.forEach((o, k) => {
      posterior(gps[k]!, point.x, 1, mean, variance);
      predictions[o.name] = maps[k]!.back(mean[0]!, Math.sqrt(variance[0]!));
    });
    const s: MultiObjectiveSuggestion = { params: point.params, source: 'gp-log-ehvi', predictions, acquisition: point.value };
    if (constraints.length > 0) {
      logProbabilityFeasible(constraintModels(gps), point.x, 1, logPf);
      s.probabilityFeasible = Math.exp(logPf[0]!);
    }
    return s;
  });
  return {
    suggestions,
    hyperparameters: fittedByName(models, total, input.previous),
    work: { fitted: Object.values(models).some((m) => m.fitted), interrupted, feasibleObservations: feasible.filter(Boolean).length },
  };
}

/** ParEGO (module doc): one scalarization per call, then the single-objective or constrained engine. */
function suggestParego(input: MultiObjectiveEngineInput, options: MultiObjectiveOptions): MultiObjectiveEngineOutput {
  prepareOutcomes(input, [...input.objectives.map((o) => o.name), ...(input.constraints ?? []).map((c) => c.name)]);
  const rng = createRng(input.seed).fork(7);
  const e = input.objectives.map(() => -Math.log(1 - rng.uniform()));
  const sum = e.reduce((a, b) => a + b, 0);
  const lambda = e.map((v) => v / sum);
  const u = input.objectives.map((o) => input.observations.map((t) => (o.goal === 'maximize' ? 1 : -1) * t.values[o.name]!));
  const scaled = u.map((col) => {
    const lo = Math.min(...col);
    const range = Math.max(...col) - lo;
    return col.map((v) => (range > 0 ? (v - lo) / range : 0.5));
  });
  const cost = input.observations.map((_, i) => {
    const terms = lambda.map((l, k) => l * (1 - scaled[k]![i]!));
    return Math.max(...terms) + PAREGO_RHO * terms.reduce((a, b) => a + b, 0);
  });
  const name = '\u0000parego';
  const observations = input.observations.map((o, i) => ({ params: o.params, values: { ...o.values, [name]: cost[i]! } }));
  const common = { space: input.space, pending: input.pending, count: input.count, seed: input.seed, ...(input.exclude ? { exclude: input.exclude } : {}) };
  const { experiment, shouldStop } = options;
  const engineOptions = { ...(shouldStop ? { shouldStop } : {}), ...(experiment ? { experiment } : {}) };
  const constraints = input.constraints ?? [];
  const out = constraints.length > 0
    ? suggestConstrained({ ...common, objective: { name, goal: 'minimize' }, constraints, observations }, engineOptions)
    : suggestNext({ ...common, goal: 'minimize', observations: observations.map((o) => ({ params: o.params, value: o.values[name]! })) }, engineOptions);
  return {
    suggestions: out.suggestions.map((s) => ({ params: s.params, source: 'gp-parego', acquisition: s.acquisition })),
    hyperparameters: {},
    work: { fitted: true, interrupted: out.work.interrupted, feasibleObservations: input.observations.filter((o) => isFeasible(o.values, constraints)).length },
  };
}
