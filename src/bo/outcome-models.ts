/**
 * What the engines with several outcomes share (constrained-engine.ts,
 * multi-objective-engine.ts): the validated, encoded input; one GP per outcome (an
 * objective or a constrained metric), fitted like the single-objective engine's; and
 * the batch loop that maximizes an acquisition over all of them, one point at a time.
 *
 * | symbol | meaning                                                             | shape  | space     |
 * |--------|---------------------------------------------------------------------|--------|-----------|
 * | v_i^o  | outcome o of observation i, as the user reported it                 | (n)    | objective |
 * | X      | encoded observations                                                | (n, d) | xUnit     |
 * | y^o    | outcome o's GP targets (output-transform.ts, or standardized only)  | (n)    | yStd      |
 * | P      | encoded pending trials, appended to every GP as believer rows       | (p, d) | xUnit     |
 * | θ^o    | outcome o's MAP hyperparameters (engine.ts fittedTheta)             | (d+3)  |           |
 *
 * Pending and batch points: every GP gets the believer row (x, μ^o(x)), θ fixed, as the
 * single-objective engine's step 3 (engine.ts); the fantasies of pending-acquisition.ts
 * are for log EI alone and are not used here.
 */

import { maximizeAcquisition, type AcquisitionMaximum } from './acquisition-optimizer.js';
import type { Acquisition } from './acquisition.js';
import { decode, paramsKey, type Encoding } from './encoding.js';
import { CENTRED_PERTURBATION_SCALES, refitHyperparameters } from './engine-policy.js';
import { checkedEncoding, checkedParams, EngineError, excludedKeys, fittedTheta, numerically, type EngineExperiment } from './engine.js';
import { fromFitted, toFitted, type FittedHyperparameters } from './fit.js';
import { appendObservations, gaussianProcess, posterior, type GaussianProcess, type Hyperparameters } from './gp.js';
import type { OutcomeConstraint, Outcomes } from './pareto.js';
import type { Rng } from './rng.js';
import type { ParamSpec, Params } from './search-space.js';

export interface OutcomeObservation { params: Params; values: Outcomes }

/** The input every several-outcome engine takes; the outcomes themselves are the engine's. */
export interface OutcomeEngineInput {
  space: ParamSpec[];
  /** Completed trials, each with a finite value for every modelled outcome. */
  observations: OutcomeObservation[];
  pending: Params[];
  /** Points never to return and not conditioned on (failed, stale); invalid ones are ignored. */
  exclude?: Params[];
  count: number;
  seed: number;
  /** θ per outcome name from an earlier call, to warm-start (or keep) the fits. */
  previous?: Record<string, FittedHyperparameters>;
  /** Observations the study has when `observations` is a subset; the refit policy counts these. */
  totalObservations?: number;
}

export interface PreparedOutcomes {
  enc: Encoding;
  X: Float64Array;
  n: number;
  pendingX: Float64Array[];
  exclude: Set<string>;
}

/** Validates and encodes the input; every observation must carry a finite value for each of `names`. */
export function prepareOutcomes(input: OutcomeEngineInput, names: readonly string[]): PreparedOutcomes {
  const enc = checkedEncoding(input);
  if (new Set(names).size !== names.length) throw new EngineError('invalid-input', `outcome names must be distinct: ${names.join(', ')}`);
  const checked = (params: Params, what: string): Float64Array => checkedParams(enc, params, what);
  const X = new Float64Array(input.observations.length * enc.dim);
  input.observations.forEach((o, i) => {
    X.set(checked(o.params, `observation ${i}`), i * enc.dim);
    for (const name of names) {
      const v = o.values[name];
      if (v === undefined || !Number.isFinite(v)) throw new EngineError('invalid-input', `observation ${i} has no finite value for ${name}`);
    }
  });
  const pendingX = input.pending.map((p, i) => checked(p, `pending ${i}`));
  return { enc, X, n: input.observations.length, pendingX, exclude: excludedKeys(enc, input) };
}

export interface OutcomeModel {
  /** Conditioned on the observations only (no believer rows). */
  gp: GaussianProcess;
  theta: Hyperparameters;
  fitted: boolean;
}

/**
 * Outcome `name`'s GP on (X, y): θ fitted (warm-started from `previous[name]`) or kept,
 * as engine.ts decides for the single objective (engine-policy.ts refitHyperparameters).
 */
export function outcomeModel(
  prep: PreparedOutcomes, y: Float64Array, previous: FittedHyperparameters | undefined, total: number,
  rng: Rng, experiment: EngineExperiment, shouldStop?: () => boolean,
): OutcomeModel {
  const old = fromFitted(previous, prep.enc.dim);
  const fitted = !old || refitHyperparameters(total, previous!);
  const theta = fitted ? fittedTheta(prep.enc, prep.X, y, old, experiment, rng, shouldStop) : old!;
  const gp = numerically('GP conditioning', () => gaussianProcess(prep.X, y, prep.enc.isCategorical, theta));
  return { gp, theta, fitted };
}

/** θ of every model, JSON-friendly, by outcome name (the `previous` of the next call). */
export function fittedByName(models: Record<string, OutcomeModel>, total: number, previous?: Record<string, FittedHyperparameters>): Record<string, FittedHyperparameters> {
  const out: Record<string, FittedHyperparameters> = {};
  for (const [name, m] of Object.entries(models)) out[name] = toFitted(m.theta, m.fitted ? total : (previous?.[name]?.observations ?? total));
  return out;
}

/**
 * A constrained outcome standardized so that feasible is "small": c_i = (s·v_i − m)/sd with
 * s = +1 for `<=` and −1 for `>=`, m and sd the mean and standard deviation of s·v
 * (sd = 1 when constant), and the bound mapped the same way.
 * NOTE: no output warp for constraints: the bound must map exactly, and an affine map is
 * the one that keeps the GP's P(c ≤ b) a probability of the outcome itself (decision 0034).
 */
export function standardizedConstraint(values: readonly number[], c: OutcomeConstraint): { y: Float64Array; bound: number } {
  const s = c.op === '<=' ? 1 : -1;
  const n = values.length;
  const m = values.reduce((a, v) => a + s * v, 0) / n;
  const sdRaw = Math.sqrt(values.reduce((a, v) => a + (s * v - m) ** 2, 0) / n);
  const sd = sdRaw > 0 && Number.isFinite(sdRaw) ? sdRaw : 1;
  return { y: Float64Array.from(values, (v) => (s * v - m) / sd), bound: (s * c.bound - m) / sd };
}

/** `gp` with (P, μ(P)) appended, θ fixed: the kriging believer. */
export function withBelieverRows(gp: GaussianProcess, P: Float64Array, p: number): GaussianProcess {
  if (p === 0) return gp;
  const mean = new Float64Array(p);
  posterior(gp, P, p, mean, new Float64Array(p));
  return numerically('believer rows', () => appendObservations(gp, P, mean));
}

export interface BatchOptions {
  count: number;
  rng: Rng;
  shouldStop?: () => boolean;
  /** Maps the optimizer's point to the one suggested (a conditional space's branch projection); default identity. */
  project?: (x: Float64Array) => Float64Array;
}

/**
 * `count` points (fewer when a finite space runs out after the first, or `shouldStop`
 * ends the batch), each the argmax of `acquisitionFor(models)` where `models` are the
 * GPs with the pending points and the earlier batch points appended as believer rows.
 * `models[0]` seeds the optimizer's perturbed candidates.
 * @returns the maxima and the GPs each was chosen under (for the predictions).
 */
export function suggestBatch(
  prep: PreparedOutcomes, base: GaussianProcess[], acquisitionFor: (models: GaussianProcess[]) => Acquisition, options: BatchOptions,
): { point: AcquisitionMaximum; models: GaussianProcess[] }[] {
  const { enc, pendingX, exclude } = prep;
  const d = enc.dim;
  const P = new Float64Array(pendingX.length * d);
  pendingX.forEach((x, i) => P.set(x, i * d));
  let models = base.map((gp) => withBelieverRows(gp, P, pendingX.length));
  const out: { point: AcquisitionMaximum; models: GaussianProcess[] }[] = [];
  for (let k = 0; k < options.count; k++) {
    const pendingAware = pendingX.length + k > 0;
    const acquisition = numerically('acquisition', () => acquisitionFor(models));
    let point: AcquisitionMaximum;
    try {
      point = numerically('acquisition optimization', () =>
        maximizeAcquisition(acquisition, enc, models[0]!, {
          rng: options.rng.fork(100 + k),
          exclude,
          ...(pendingAware ? { perturbationScales: CENTRED_PERTURBATION_SCALES } : {}),
          ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
        }),
      );
    } catch (e) {
      if (k > 0 && e instanceof EngineError && e.reason === 'space-exhausted') break;
      throw e;
    }
    if (options.project) {
      const x = options.project(point.x);
      point = { ...point, x, params: decode(enc, x) };
    }
    out.push({ point, models });
    exclude.add(paramsKey(enc, point.params));
    if (k + 1 < options.count) {
      if (options.shouldStop?.()) break;
      const x = point.x;
      models = models.map((gp) => withBelieverRows(gp, x, 1));
    }
  }
  return out;
}
