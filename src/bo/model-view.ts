/**
 * What the study's GP predicts, for people to look at: the posterior along one parameter
 * (a slice) or over two (a contour) through the incumbent, and how much each parameter
 * matters to the model. Read-only: nothing here is suggested or stored.
 *
 * | symbol | meaning                                                          | shape  | space     |
 * |--------|------------------------------------------------------------------|--------|-----------|
 * | X, y   | encoded observations, T(s·v) standardized (as in engine.ts)      | (n, d) | xUnit, yStd |
 * | θ      | `previous` when it fits d, else fitted here (engine.ts step 2)   | (d+3)  |           |
 * | x⁰     | the incumbent's encoding: every other coordinate is held at it   | (d)    | xUnit     |
 * | Z      | the query points: x⁰ with one or two coordinates on an axis grid | (m, d) | xUnit     |
 * | μ, s   | posterior mean and std of the latent f at Z (gp.ts), mapped back | (m)    | objective |
 * | ℓ_j    | fitted lengthscale of dimension j                                | (d)    | xUnit     |
 * | r_j    | relevance 1/ℓ_j, normalized to Σ r_j = 1                         | (d)    |           |
 *
 * NOTE: importances are the ARD relevances 1/ℓ_j of the fitted kernel, not a variance
 * decomposition: they cost nothing beyond the fit and say how fast the model's prediction
 * changes along each parameter over its whole range (xUnit is [0, 1] for every numeric
 * parameter, and the Hamming distance of a categorical is 0 or 1); decision 0023.
 */
import { createEncoding, decode, encode, validateParams, type Encoding } from './encoding.js';
import { conditionedRows, EngineError, fittedTheta, numerically, type ModelCache } from './engine.js';
import { fromFitted, toFitted, type FittedHyperparameters } from './fit.js';
import { gaussianProcess, posterior, reusableRows, type GaussianProcess, type Hyperparameters } from './gp.js';
import { DEFAULT_OUTPUT_WARP, outputTransform, type OutputTransform } from './output-transform.js';
import { createRng } from './rng.js';
import type { Goal, ParamSpec, ParamValue, Params } from './search-space.js';

export type ModelQuery =
  | { kind: 'slice'; parameter: string; points: number }
  | { kind: 'contour'; x: string; y: string; points: number }
  | { kind: 'importances' };

export interface ModelViewInput {
  space: ParamSpec[];
  goal: Goal;
  /** In completion order, as the suggester passes them, so that a cached factor extends. */
  observations: { params: Params; value: number }[];
  /** The point every other coordinate is held at (a valid point of the space). */
  incumbent: Params;
  /** θ to use as is; absent or of another dimension: fitted here. */
  previous?: FittedHyperparameters;
  /** Seeds the fit's random starts. */
  seed: number;
  query: ModelQuery;
}

/** One axis point: the parameter's value and the prediction there, in objective units. */
export type AxisPrediction = { value: ParamValue; mean: number; std: number };

export type ModelView =
  | { kind: 'slice'; parameter: string; points: AxisPrediction[] }
  | { kind: 'contour'; x: string; y: string; xValues: ParamValue[]; yValues: ParamValue[]; mean: number[][]; std: number[][] }
  | { kind: 'importances'; importances: { parameter: string; importance: number; lengthscale: number }[] };

export interface ModelViewOutput {
  view: ModelView;
  /** θ used, to be kept for the next view of the same observations. */
  hyperparameters: FittedHyperparameters;
  /** θ was fitted in this call. */
  fitted: boolean;
  /** Observations the GP conditioned on (engine.ts conditionedRows). */
  rows: number;
}

/**
 * The grid of one parameter through x⁰: its encoded coordinates and decoded values.
 * Float: `points` evenly spaced in xUnit (log-spaced values for a log parameter). Int and
 * ordinal: every value when there are at most `points`, else evenly spaced in xUnit and
 * deduplicated. Categorical: every choice.
 */
export function axisGrid(enc: Encoding, x0: Float64Array, j: number, points: number): { coords: number[]; values: ParamValue[] } {
  const p = enc.params[j]!;
  const raw: number[] =
    p.type === 'categorical'
      ? p.choices.map((_, i) => i)
      : Array.from({ length: points }, (_, k) => (points === 1 ? 0.5 : k / (points - 1)));
  if (p.type === 'ordinal' && p.values.length <= points) raw.splice(0, raw.length, ...p.values.map((_, i) => (i + 0.5) / p.values.length));
  if (p.type === 'int' && !p.log && p.high - p.low + 1 <= points) {
    raw.splice(0, raw.length, ...Array.from({ length: p.high - p.low + 1 }, (_, i) => (i + 0.5) / (p.high - p.low + 1)));
  }
  const coords: number[] = [];
  const values: ParamValue[] = [];
  const seen = new Set<ParamValue>();
  const x = x0.slice();
  for (const r of raw) {
    x[j] = r;
    const value = decode(enc, x)[p.name]!;
    if (seen.has(value)) continue;
    seen.add(value);
    // Floats keep their grid coordinate; discrete values sit at their cell's centre.
    coords.push(p.type === 'float' ? r : encode(enc, { ...decode(enc, x0), [p.name]: value })[j]!);
    values.push(value);
  }
  return { coords, values };
}

function indexOf(enc: Encoding, name: string): number {
  const j = enc.params.findIndex((p) => p.name === name);
  if (j < 0) throw new EngineError('invalid-input', `no parameter named "${name}"`);
  return j;
}

/** μ and s at each row of Z (m, d), mapped to objective units. */
function predictions(gp: GaussianProcess, transform: OutputTransform, Z: Float64Array, m: number): { mean: number; std: number }[] {
  const mean = new Float64Array(m);
  const variance = new Float64Array(m);
  posterior(gp, Z, m, mean, variance);
  return Array.from({ length: m }, (_, k) => transform.toObjective(mean[k]!, Math.sqrt(variance[k]!)));
}

function sliceView(gp: GaussianProcess, transform: OutputTransform, enc: Encoding, x0: Float64Array, q: ModelQuery & { kind: 'slice' }): ModelView {
  const j = indexOf(enc, q.parameter);
  const { coords, values } = axisGrid(enc, x0, j, q.points);
  const Z = new Float64Array(coords.length * enc.dim);
  coords.forEach((c, k) => {
    Z.set(x0, k * enc.dim);
    Z[k * enc.dim + j] = c;
  });
  const at = predictions(gp, transform, Z, coords.length);
  return { kind: 'slice', parameter: q.parameter, points: values.map((value, k) => ({ value, ...at[k]! })) };
}

function contourView(gp: GaussianProcess, transform: OutputTransform, enc: Encoding, x0: Float64Array, q: ModelQuery & { kind: 'contour' }): ModelView {
  const jx = indexOf(enc, q.x);
  const jy = indexOf(enc, q.y);
  if (jx === jy) throw new EngineError('invalid-input', 'x and y must be two different parameters');
  const gx = axisGrid(enc, x0, jx, q.points);
  const gy = axisGrid(enc, x0, jy, q.points);
  const m = gx.coords.length * gy.coords.length;
  const Z = new Float64Array(m * enc.dim);
  let k = 0;
  for (const cy of gy.coords) {
    for (const cx of gx.coords) {
      Z.set(x0, k * enc.dim);
      Z[k * enc.dim + jx] = cx;
      Z[k * enc.dim + jy] = cy;
      k++;
    }
  }
  const at = predictions(gp, transform, Z, m);
  const row = (i: number, f: 'mean' | 'std') => at.slice(i * gx.coords.length, (i + 1) * gx.coords.length).map((p) => p[f]);
  return {
    kind: 'contour', x: q.x, y: q.y, xValues: gx.values, yValues: gy.values,
    mean: gy.coords.map((_, i) => row(i, 'mean')), std: gy.coords.map((_, i) => row(i, 'std')),
  };
}

/** r_j = (1/ℓ_j) / Σ_k (1/ℓ_k), in space order (see the module's NOTE). */
export function importances(enc: Encoding, theta: Hyperparameters): { parameter: string; importance: number; lengthscale: number }[] {
  const inverse = Array.from(theta.logLengthscales, (l) => Math.exp(-l));
  const total = inverse.reduce((a, b) => a + b, 0);
  return enc.params.map((p, j) => ({ parameter: p.name, importance: inverse[j]! / total, lengthscale: Math.exp(theta.logLengthscales[j]!) }));
}

/**
 * The view `input.query` asks for, from the GP conditioned on the observations engine.ts
 * conditions on (every one up to MODEL_SUBSET.size, then its subset) with θ (`previous`, or
 * fitted here as engine.ts fits it).
 * @throws EngineError: 'invalid-input' (space, params, values, a parameter name),
 *   'no-observations', 'numerical-failure'.
 */
export function modelView(input: ModelViewInput, options: { modelCache?: ModelCache; shouldStop?: () => boolean } = {}): ModelViewOutput {
  let enc: Encoding;
  try {
    enc = createEncoding(input.space);
  } catch (e) {
    throw new EngineError('invalid-input', (e as Error).message, { cause: e });
  }
  if (input.observations.length === 0) throw new EngineError('no-observations', 'the GP needs at least one observation');
  for (const [what, params] of [['incumbent', input.incumbent], ...input.observations.map((o, i) => [`observation ${i}`, o.params] as const)] as const) {
    const errors = validateParams(enc, params);
    if (errors.length > 0) throw new EngineError('invalid-input', `${what}: ${errors.map((e) => e.message).join('; ')}`);
  }
  const n = input.observations.length;
  const X = new Float64Array(n * enc.dim);
  input.observations.forEach((o, i) => X.set(encode(enc, o.params), i * enc.dim));
  const transform = outputTransform(input.observations.map((o) => o.value), input.goal === 'maximize' ? 1 : -1, DEFAULT_OUTPUT_WARP);
  const previous = fromFitted(input.previous, enc.dim);
  // The rows the engine's suggestions condition on (the same subset, so the cached factor serves both).
  const rows = conditionedRows(enc, X, transform.y, {}, previous);
  const theta = previous ?? fittedTheta(enc, rows.X, rows.y, undefined, {}, createRng(input.seed).fork(1), options.shouldStop);
  const cached = options.modelCache?.get();
  const reuse = cached && reusableRows(cached, rows.X, rows.y.length, enc.isCategorical, theta) > 0 ? cached : undefined;
  const gp = numerically('GP conditioning', () => gaussianProcess(rows.X, rows.y, enc.isCategorical, theta, reuse));
  options.modelCache?.set(gp);
  const x0 = encode(enc, input.incumbent);
  const q = input.query;
  const view =
    q.kind === 'slice' ? sliceView(gp, transform, enc, x0, q) : q.kind === 'contour' ? contourView(gp, transform, enc, x0, q) : { kind: 'importances' as const, importances: importances(enc, theta) };
  return { view, hyperparameters: toFitted(theta, input.previous?.observations ?? n), fitted: previous === undefined, rows: rows.y.length };
}
