/**
 * The entry point the service calls: the next point(s) to evaluate for a study,
 * from its search space, goal, finished observations and pending trials.
 *
 * | symbol | meaning                                                          | shape  | space     |
 * |--------|------------------------------------------------------------------|--------|-----------|
 * | v_i    | an observed objective value, as the user reported it             | (n)    | objective |
 * | s      | +1 to maximize, −1 to minimize                                   |        |           |
 * | y_i    | T(s·v_i), standardized to mean 0 and variance 1                  | (n)    | yStd      |
 * | T      | output warp, output-transform.ts (half-rank)                     |        |           |
 * | X      | encoded observations                                             | (n, d) | xUnit     |
 * | P      | encoded pending trials                                           | (p, d) | xUnit     |
 * | E      | excluded points: never returned, not conditioned on              |        | params    |
 * | θ      | MAP hyperparameters (fit.ts), warm-started from `previous`, or  | (d+3)  |           |
 * |        | `previous` itself when engine-policy.ts says not to refit         |        |           |
 * | best   | max_i y_i (observations only, never fantasies)                   |        | yStd      |
 *
 * Steps (Optuna's GPSampler and BoTorch's SingleTaskGP + LogEI; for pending and
 * batch points the marginal of BoTorch's qLogEI with X_pending):
 *  1. encode and validate; y = standardized T(s·v) over all n. Above MODEL_SUBSET.size
 *     observations, (X, y) from here on are the rows model-subset.ts keeps (chosen with
 *     the previous θ's lengthscales); E still holds every observation.
 *  2. θ = argmax log p(y | X, θ) + log p(θ) (or the previous θ); the GP conditioned
 *     on (X, y), extending the factor in `options.modelCache` when it is a prefix.
 *  3. For every pending x_p: append (x_p, μ(x_p)) with θ fixed (the believer rows
 *     that pending-acquisition.ts draws its fantasies around).
 *  4. For k = 1..count: x_k = argmax a(x) (acquisition-optimizer.ts), never an
 *     observed, pending, excluded or already suggested point; append (x_k, μ(x_k)).
 *     Without pending or earlier batch points a(x) is log EI (acquisition.ts);
 *     with them, log EI averaged over fantasies of their outcomes
 *     (pending-acquisition.ts, seeded by rng.fork(200 + k)).
 *     A finite space that runs out after k ≥ 1 points ends the batch there.
 *  5. decode; report μ and s at x_k back in objective units.
 *
 * Deterministic: every random draw comes from createRng(seed) forks.
 */

import { AcquisitionOptimizerError, maximizeAcquisition } from './acquisition-optimizer.js';
import { logEiAcquisition, logExpectedImprovement, type Acquisition } from './acquisition.js';
import { NotPositiveDefiniteError } from './cholesky.js';
import { createEncoding, encode, paramsKey, validateParams, type Encoding } from './encoding.js';
import {
  CATEGORICAL_SIGNAL_FLOOR, CENTRED_PERTURBATION_SCALES, FANTASIES, FIT_MAX_POINTS, fitIterations, MODEL_SUBSET, refitHyperparameters,
} from './engine-policy.js';
import { gatherRows, modelSubset, type SubsetPolicy } from './model-subset.js';
import { NumericalError } from './errors.js';
import { fitHyperparameters, fromFitted, toFitted, type FittedHyperparameters } from './fit.js';
import { appendObservations, gaussianProcess, posterior, reusableRows, type GaussianProcess, type Hyperparameters } from './gp.js';
import { DEFAULT_OUTPUT_WARP, outputTransform, type OutputWarp } from './output-transform.js';
import { fantasyBaseSamples, fantasyLogEi } from './pending-acquisition.js';
import { createRng, type Rng } from './rng.js';
import type { Goal, ParamSpec, Params } from './search-space.js';

export type { FittedHyperparameters } from './fit.js';

/**
 * Why the engine could not suggest. Only 'numerical-failure' is bad luck that a caller
 * may answer with a random point; the others mean the caller asked for something the
 * engine cannot do ('space-exhausted': a finite space has no unused point left).
 */
export type EngineErrorReason = 'invalid-input' | 'no-observations' | 'numerical-failure' | 'space-exhausted';

export class EngineError extends Error {
  constructor(
    readonly reason: EngineErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
}

export interface EngineInput {
  space: ParamSpec[];
  goal: Goal;
  observations: { params: Params; value: number }[];
  pending: Params[];
  /**
   * E: points never to return, which the GP does not condition on (the
   * service's failed and stale trials: their outcome is unknown, but a second
   * try of the same point is wasted work). Entries that are not valid params
   * of the space are ignored: no suggestion can equal them.
   */
  exclude?: Params[];
  /** Number of suggestions, ≥ 1. */
  count: number;
  /** Safe integer; same seed and inputs → same output. */
  seed: number;
  /** The `hyperparameters` of an earlier call on the same space, to warm-start the fit. */
  previous?: FittedHyperparameters;
  /**
   * Observations the study has, when `observations` is a subset of them (the service
   * caps what a model conditions on); the refit policy counts these. Default: n.
   */
  totalObservations?: number;
}

export interface EngineSuggestion {
  params: Params;
  source: 'gp-logei';
  /** Posterior of the objective at params, in objective units (sign and scale of the user's values). */
  prediction: { mean: number; std: number };
  /** log EI at params (yStd, maximization), after conditioning on pending and earlier suggestions. */
  acquisition: number;
}

export interface EngineOutput {
  /** `count` of them, or fewer (≥ 1) when a finite space runs out or `shouldStop` cut the batch. */
  suggestions: EngineSuggestion[];
  hyperparameters: FittedHyperparameters;
  /** What the call computed afresh and what it took over from earlier calls. */
  work: {
    /** θ was fitted in this call (false: `previous` was used as is). */
    fitted: boolean;
    /** Rows of the Cholesky factor taken from `options.modelCache`, of `rows`. */
    reusedRows: number;
    /** Observations the GP conditioned on: n, or above MODEL_SUBSET.size the subset's size. */
    rows: number;
    /** `options.shouldStop` said stop: the search was cut short, and the batch may hold fewer points. */
    interrupted: boolean;
  };
}

/**
 * Where suggestNext finds and leaves one study's conditioned GP (observations only,
 * no fantasies) between calls; a bounded per-thread cache in the service
 * (workers/model-cache.ts). Whatever it returns, the result is the same: it only
 * saves work.
 */
export interface ModelCache {
  get(): GaussianProcess | undefined;
  set(gp: GaussianProcess): void;
}

/** The two parts of a call that `shouldStop` can cut short. */
export type EngineStage = 'fit' | 'acquisition';

export interface EngineOptions {
  /** The study's model from earlier calls, to extend rather than refactor (step 2). */
  modelCache?: ModelCache;
  /**
   * Checked between units of work (L-BFGS steps, fit starts, raw-candidate chunks,
   * local-search moves, batch points), with the stage asking. Once true for 'fit', the
   * fit keeps its best θ so far; once true for 'acquisition', the acquisition search
   * answers with its best point so far and the batch ends. How a deadline or a
   * cancellation reaches the numerics without a clock in them.
   */
  shouldStop?: (stage: EngineStage) => boolean;
  /** Settings that reproduce the decision records' alternatives; the service never sets them. */
  experiment?: EngineExperiment;
}

/** The engine's measured choices, open to the benchmarks that measured them (docs/decisions/). */
export interface EngineExperiment {
  /** Default DEFAULT_OUTPUT_WARP (output-transform.ts). */
  outputWarp?: OutputWarp;
  /** When to refit θ given `previous`. Default refitHyperparameters (decision 0009). */
  refit?: (n: number, previous: FittedHyperparameters) => boolean;
  /** Fit θ on a random subset of at most this many observations. Default FIT_MAX_POINTS (decision 0007). */
  fitMaxPoints?: number;
  /** Floor on σ² in spaces with a categorical; null: none. Default CATEGORICAL_SIGNAL_FLOOR (decision 0004). */
  categoricalSignalFloor?: number | null;
  /** K, fantasies per pending-aware point. Default FANTASIES (decision 0005). */
  fantasies?: number;
  /** The rows the GP conditions on above `size` observations; null: every row (the exact GP). Default MODEL_SUBSET (decision 0029). */
  modelSubset?: SubsetPolicy | null;
}

/** `params` encoded, after checking them against the space. @throws EngineError 'invalid-input' */
export function checkedParams(enc: Encoding, params: Params, what: string): Float64Array {
  const errors = validateParams(enc, params);
  if (errors.length > 0) throw new EngineError('invalid-input', `${what}: ${errors.map((e) => e.message).join('; ')}`);
  return encode(enc, params);
}

function rows(points: Float64Array[], d: number): Float64Array {
  const out = new Float64Array(points.length * d);
  points.forEach((x, i) => out.set(x, i * d));
  return out;
}

/**
 * Translates the numerics' own failures into EngineError; anything else (an
 * InvariantError, a TypeError) is a bug and goes on as it is.
 */
export function numerically<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof AcquisitionOptimizerError) throw new EngineError('space-exhausted', e.message, { cause: e });
    if (e instanceof NotPositiveDefiniteError || e instanceof NumericalError) throw new EngineError('numerical-failure', `${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The validated, encoded input: what steps 2–5 work on. */
interface Prepared {
  enc: Encoding;
  X: Float64Array;
  pendingX: Float64Array[];
  exclude: Set<string>;
}

function prepare(input: EngineInput): Prepared {
  const enc = checkedEncoding(input);
  const X = rows(input.observations.map((o, i) => checkedParams(enc, o.params, `observation ${i}`)), enc.dim);
  input.observations.forEach((o, i) => {
    if (!Number.isFinite(o.value)) throw new EngineError('invalid-input', `observation ${i} has the non-finite value ${o.value}`);
  });
  const pendingX = input.pending.map((p, i) => checkedParams(enc, p, `pending ${i}`));
  return { enc, X, pendingX, exclude: excludedKeys(enc, input) };
}

/**
 * The encoding of a call's space, after the checks every engine call makes: a positive
 * integer count, a safe-integer seed, at least one observation, at least one parameter.
 * @throws EngineError 'invalid-input' | 'no-observations'
 */
export function checkedEncoding(input: { space: ParamSpec[]; count: number; seed: number; observations: readonly unknown[] }): Encoding {
  let enc: Encoding;
  try {
    enc = createEncoding(input.space);
  } catch (e) {
    throw new EngineError('invalid-input', (e as Error).message, { cause: e });
  }
  if (!Number.isSafeInteger(input.count) || input.count < 1) throw new EngineError('invalid-input', `count must be a positive integer, got ${input.count}`);
  if (!Number.isSafeInteger(input.seed)) throw new EngineError('invalid-input', `seed must be a safe integer, got ${input.seed}`);
  if (input.observations.length === 0) throw new EngineError('no-observations', 'the GP needs at least one observation');
  if (enc.dim === 0) throw new EngineError('invalid-input', 'the search space has no parameters');
  return enc;
}

/** Keys of the points no suggestion may equal: observed, pending, and the valid `exclude` entries. */
export function excludedKeys(enc: Encoding, input: { observations: readonly { params: Params }[]; pending: readonly Params[]; exclude?: readonly Params[] }): Set<string> {
  return new Set<string>([
    ...input.observations.map((o) => paramsKey(enc, o.params)),
    ...input.pending.map((p) => paramsKey(enc, p)),
    ...(input.exclude ?? []).filter((p) => validateParams(enc, p).length === 0).map((p) => paramsKey(enc, p)),
  ]);
}

/**
 * The next `count` points to evaluate (see the module doc for the steps); fewer,
 * but at least one, when a finite space has fewer than `count` points left or
 * `shouldStop` cut the batch.
 * @throws EngineError: 'invalid-input' (space, params, values, count or seed),
 *   'no-observations' (n = 0: use a space-filling design instead),
 *   'numerical-failure' (the GP could not be fitted or conditioned),
 *   'space-exhausted' (a finite space has no point left that is neither observed,
 *   pending nor excluded).
 */
export function suggestNext(input: EngineInput, options: EngineOptions = {}): EngineOutput {
  const prepared = prepare(input);
  const { enc, pendingX, exclude } = prepared;
  const d = enc.dim;
  const total = input.totalObservations ?? input.observations.length;
  const experiment = options.experiment ?? {};
  const rng = createRng(input.seed);
  const sign = input.goal === 'maximize' ? 1 : -1;
  const transform = outputTransform(input.observations.map((o) => o.value), sign, experiment.outputWarp ?? DEFAULT_OUTPUT_WARP);
  const previous = fromFitted(input.previous, d);
  // Step 1b: above MODEL_SUBSET.size rows, the rows the GP conditions on (model-subset.ts).
  const { X, y } = conditionedRows(enc, prepared.X, transform.y, experiment, previous);
  const n = y.length;
  const best = y.reduce((a, b) => Math.max(a, b), -Infinity);

  // Once the acquisition has seen the signal, every later check stops too; `interrupted`
  // reports that something was cut short, in either stage.
  let interrupted = false;
  let stopped = false;
  const stopSignal = options.shouldStop;
  const fitShouldStop = stopSignal ? () => stopSignal('fit') && (interrupted = true) : undefined;
  const shouldStop = stopSignal ? () => (stopped ||= stopSignal('acquisition')) && (interrupted = true) : undefined;

  // Step 2: θ, then the GP conditioned on the observations.
  const fitNow = !previous || (experiment.refit ?? refitHyperparameters)(total, input.previous!);
  const theta = fitNow ? fittedTheta(enc, X, y, previous, experiment, rng.fork(1), fitShouldStop) : previous!;
  const cached = options.modelCache?.get();
  const reusedRows = cached ? reusableRows(cached, X, n, enc.isCategorical, theta) : 0;
  const base = numerically('GP conditioning', () => gaussianProcess(X, y, enc.isCategorical, theta, reusedRows > 0 ? cached : undefined));
  options.modelCache?.set(base);

  // Step 3: the pending points as believer rows.
  let gp: GaussianProcess = pendingX.length > 0 ? numerically('pending fantasies', () => withBelieverRows(base, rows(pendingX, d), pendingX.length)) : base;

  // Step 4: one point at a time, each conditioned on the ones before it.
  const fantasies = experiment.fantasies ?? FANTASIES;
  const centres = pendingX.length;
  const suggestions: EngineSuggestion[] = [];
  for (let k = 0; k < input.count; k++) {
    const pendingAware = centres + k > 0;
    const acquisition: Acquisition = pendingAware
      ? numerically('fantasies', () => fantasyLogEi(gp, centres + k, best, fantasyBaseSamples(fantasies, centres + k, rng.fork(200 + k)), fantasies))
      : logEiAcquisition(gp, best);
    let r;
    try {
      r = numerically('acquisition optimization', () =>
        maximizeAcquisition(acquisition, enc, gp, {
          rng: rng.fork(100 + k),
          exclude,
          ...(pendingAware ? { perturbationScales: CENTRED_PERTURBATION_SCALES } : {}),
          ...(shouldStop ? { shouldStop } : {}),
        }),
      );
    } catch (e) {
      // A finite space ran out part-way through the batch: the points so far are still good.
      if (k > 0 && e instanceof EngineError && e.reason === 'space-exhausted') break;
      throw e;
    }
    if (!Number.isFinite(r.mean) || !Number.isFinite(r.variance)) throw new EngineError('numerical-failure', 'non-finite posterior at the suggestion');
    const std = Math.sqrt(r.variance);
    // A fantasy average is not log EI; the suggestion reports log EI itself.
    const logEi = pendingAware ? logExpectedImprovement(r.mean, std, best) : r.value;
    const prediction = transform.toObjective(r.mean, std);
    if (!Number.isFinite(prediction.mean) || !Number.isFinite(prediction.std) || !Number.isFinite(logEi)) {
      throw new EngineError('numerical-failure', 'the prediction at the suggestion does not fit in a double');
    }
    suggestions.push({ params: r.params, source: 'gp-logei', prediction, acquisition: logEi });
    exclude.add(paramsKey(enc, r.params));
    if (k + 1 < input.count) {
      if (shouldStop?.()) break;
      const point = r;
      gp = numerically('batch fantasy', () => appendObservations(gp, point.x, Float64Array.of(point.mean)));
    }
  }
  return {
    suggestions,
    hyperparameters: toFitted(theta, fitNow ? total : input.previous!.observations!),
    work: { fitted: fitNow, reusedRows, rows: n, interrupted },
  };
}

/** θ fitted to (X, y), warm-started from `previous` (engine-policy.ts sets the iterations, subset and σ² floor). */
export function fittedTheta(
  enc: Encoding, X: Float64Array, y: Float64Array, previous: Hyperparameters | undefined, experiment: EngineExperiment, rng: Rng, shouldStop?: () => boolean,
): Hyperparameters {
  const hasCategorical = enc.isCategorical.some((c) => c === 1);
  const signalFloor = hasCategorical ? (experiment.categoricalSignalFloor === undefined ? CATEGORICAL_SIGNAL_FLOOR : experiment.categoricalSignalFloor) : null;
  const theta = numerically('hyperparameter fit', () =>
    fitHyperparameters(X, y, enc.isCategorical, {
      rng,
      ...(previous ? { previous } : {}),
      maxIterations: fitIterations(previous !== undefined, y.length),
      maxPoints: experiment.fitMaxPoints ?? FIT_MAX_POINTS,
      ...(signalFloor !== null ? { minSignalVariance: signalFloor } : {}),
      ...(shouldStop ? { shouldStop } : {}),
    }),
  ).hyperparameters;
  if (![...theta.logLengthscales, theta.logSignalVariance, theta.logNoiseVariance, theta.mean].every(Number.isFinite)) {
    throw new EngineError('numerical-failure', 'hyperparameter fit returned non-finite values');
  }
  return theta;
}

/**
 * The rows of (X, y) the GP conditions on: every row up to the policy's size (or with
 * `modelSubset: null`), else modelSubset's choice with the previous θ's lengthscales.
 */
export function conditionedRows(
  enc: Encoding, X: Float64Array, y: Float64Array, experiment: EngineExperiment, previous: Hyperparameters | undefined,
): { X: Float64Array; y: Float64Array } {
  const policy = experiment.modelSubset === undefined ? MODEL_SUBSET : experiment.modelSubset;
  if (policy === null || y.length <= policy.size) return { X, y };
  return gatherRows(X, y, enc.dim, modelSubset(X, y, enc.dim, enc.isCategorical, policy, previous?.logLengthscales));
}

/** The GP with (P, μ(P)) appended: the kriging believer, hyperparameters fixed. */
function withBelieverRows(gp: GaussianProcess, P: Float64Array, p: number): GaussianProcess {
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  posterior(gp, P, p, mean, variance);
  return appendObservations(gp, P, mean);
}
