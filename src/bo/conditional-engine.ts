/**
 * The engine entry point for a conditional space (`when: {parameter, in}`, conditional-space.ts):
 * one GP on the flat encoding with inactive parameters imputed, log EI maximized over points
 * projected onto their branch.
 *
 * | symbol | meaning                                                                 | space  |
 * |--------|-------------------------------------------------------------------------|--------|
 * | x      | a point of the flat encoding (every parameter), encoding.ts             | xUnit  |
 * | Π(x)   | x with every coordinate that decode(x) leaves inactive set to its        | xUnit  |
 * |        | imputed value (conditional-space.ts imputedValue)                        |        |
 * | a(x)   | log EI(Π(x)) (acquisition.ts); −∞ where Π(x) is observed, pending or      |        |
 * |        | excluded; ∂a/∂x_j = 0 on inactive coordinates                           |        |
 *
 * Steps: check the space (conditionProblems) and every point (activityProblems, then the flat
 * validateParams on the imputed point); y = the single-objective engine's output transform; θ
 * fitted as engine.ts does; x_k = Π(argmax a) for k = 1..count, pending and earlier batch points as
 * believer rows (outcome-models.ts); suggestions hold exactly the active parameters.
 * NOTE: imputation plus the parent's own dimension: ahead of independent models per branch on the
 * layers problem, behind them on the optimizers one (decision 0036).
 */

import { logEiAcquisition, type Acquisition } from './acquisition.js';
import { activeParams, activityProblems, conditionProblems, flatSpace, imputedParams, imputedValue, type ConditionalParamSpec } from './conditional-space.js';
import { createEncoding, decode, encode, encodedKey, type Encoding } from './encoding.js';
import { EngineError, type EngineOptions, type FittedHyperparameters } from './engine.js';
import { outcomeModel, prepareOutcomes, suggestBatch } from './outcome-models.js';
import { DEFAULT_OUTPUT_WARP, outputTransform } from './output-transform.js';
import { createRng } from './rng.js';
import type { Goal, Params } from './search-space.js';
import { toFitted } from './fit.js';

export interface ConditionalEngineInput {
  space: ConditionalParamSpec[];
  goal: Goal;
  /** Each with exactly its active parameters. */
  observations: { params: Params; value: number }[];
  pending: Params[];
  exclude?: Params[];
  count: number;
  seed: number;
  previous?: FittedHyperparameters;
  totalObservations?: number;
}

export interface ConditionalEngineOutput {
  suggestions: { params: Params; source: 'gp-logei'; prediction: { mean: number; std: number }; acquisition: number }[];
  hyperparameters: FittedHyperparameters;
  work: { fitted: boolean; interrupted: boolean };
}

/**
 * Π of the module doc, on a copy: inactive coordinates of decode(x) set to their imputed encoding.
 * The active set depends on the parents' coordinates alone, so it is cached by them (decode is
 * the slow part, and a space has few branches).
 */
export function branchProjection(space: readonly ConditionalParamSpec[], enc: Encoding): (x: Float64Array) => Float64Array {
  const imputed = encode(enc, Object.fromEntries(space.map((p) => [p.name, imputedValue(p)])));
  const conditional = space.map((p, j) => (p.when ? j : -1)).filter((j) => j >= 0);
  const parents = [...new Set(conditional.map((j) => space.findIndex((q) => q.name === space[j]!.when!.parameter)))];
  const cache = new Map<string, number[]>();
  return (x) => {
    const out = x.slice();
    if (conditional.length === 0) return out;
    const key = parents.map((j) => x[j]).join(',');
    let inactive = cache.get(key);
    if (!inactive) {
      const active = activeParams(space, decode(enc, x));
      inactive = conditional.filter((j) => !Object.hasOwn(active, space[j]!.name));
      if (cache.size < 4096) cache.set(key, inactive);
    }
    for (const j of inactive) out[j] = imputed[j]!;
    return out;
  };
}

/** a(Π(x)) with −∞ on forbidden projected points and a zero gradient on the coordinates Π fixes. */
function projectedAcquisition(inner: Acquisition, project: (x: Float64Array) => Float64Array, enc: Encoding, forbidden: ReadonlySet<string>): Acquisition {
  const d = enc.dim;
  return {
    values(Z, m, out, mean, variance) {
      const P = new Float64Array(m * d);
      for (let j = 0; j < m; j++) P.set(project(Z.subarray(j * d, j * d + d)), j * d);
      inner.values(P, m, out, mean, variance);
      for (let j = 0; j < m; j++) if (forbidden.has(encodedKey(enc, P.subarray(j * d, j * d + d)))) out[j] = -Infinity;
    },
    valueWithGradient(x, grad) {
      const px = project(x);
      const v = inner.valueWithGradient(px, grad);
      for (let j = 0; j < d; j++) if (px[j] !== x[j]) grad[j] = 0;
      return v;
    },
  };
}

function checked(space: ConditionalParamSpec[], params: Params, what: string): Params {
  const problems = activityProblems(space, params);
  if (problems.length > 0) throw new EngineError('invalid-input', `${what}: ${problems.map((p) => p.message).join('; ')}`);
  return imputedParams(space, params);
}

/**
 * The next `count` points of a conditional space (module doc), each with exactly its active parameters.
 * @throws EngineError as engine.ts suggestNext; 'invalid-input' also for condition problems.
 */
export function suggestConditional(input: ConditionalEngineInput, options: Pick<EngineOptions, 'shouldStop' | 'experiment'> = {}): ConditionalEngineOutput {
  const problems = conditionProblems(input.space);
  if (problems.length > 0) throw new EngineError('invalid-input', problems.map((p) => `${p.pointer}: ${p.message}`).join('; '));
  const flat = flatSpace(input.space);
  const observations = input.observations.map((o, i) => ({ params: checked(input.space, o.params, `observation ${i}`), values: { y: o.value } }));
  const pending = input.pending.map((p, i) => checked(input.space, p, `pending ${i}`));
  const exclude = (input.exclude ?? []).filter((p) => activityProblems(input.space, p).length === 0).map((p) => imputedParams(input.space, p));
  const prep = prepareOutcomes({ space: flat, observations, pending, exclude, count: input.count, seed: input.seed }, ['y']);
  const experiment = options.experiment ?? {};
  const rng = createRng(input.seed);
  let interrupted = false;
  const stopSignal = options.shouldStop;
  const fitStop = stopSignal ? () => stopSignal('fit') && (interrupted = true) : undefined;
  let stopped = false;
  const shouldStop = stopSignal ? () => (stopped ||= stopSignal('acquisition')) && (interrupted = true) : undefined;
  const transform = outputTransform(input.observations.map((o) => o.value), input.goal === 'maximize' ? 1 : -1, experiment.outputWarp ?? DEFAULT_OUTPUT_WARP);
  const best = transform.y.reduce((a, b) => Math.max(a, b), -Infinity);
  const total = input.totalObservations ?? observations.length;
  const model = outcomeModel(prep, transform.y, input.previous ? { ...input.previous } : undefined, total, rng.fork(1), experiment, fitStop);
  const enc = createEncoding(flat);
  const project = branchProjection(input.space, enc);
  const picked = suggestBatch(prep, [model.gp], ([gp]) => projectedAcquisition(logEiAcquisition(gp!, best), project, enc, prep.exclude), {
    count: input.count, rng, project, ...(shouldStop ? { shouldStop } : {}),
  });
  const suggestions = picked.map(({ point }) => {
    const prediction = transform.toObjective(point.mean, Math.sqrt(point.variance));
    if (![prediction.mean, prediction.std, point.value].every(Number.isFinite)) throw new EngineError('numerical-failure', 'non-finite prediction at the suggestion');
    return { params: activeParams(input.space, point.params), source: 'gp-logei' as const, prediction, acquisition: point.value };
  });
  return {
    suggestions,
    hyperparameters: toFitted(model.theta, model.fitted ? total : (input.previous?.observations ?? total)),
    work: { fitted: model.fitted, interrupted },
  };
}
