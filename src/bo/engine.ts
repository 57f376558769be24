/**
 * The entry point the service calls: the next point(s) to evaluate for a study,
 * from its search space, goal, finished observations and pending trials.
 *
 * | symbol | meaning                                                          | shape  | space     |
 * |--------|------------------------------------------------------------------|--------|-----------|
 * | v_i    | an observed objective value, as the user reported it             | (n)    | objective |
 * | s      | +1 to maximize, −1 to minimize                                   |        |           |
 * | y_i    | T(s·v_i), standardized to mean 0 and variance 1                  | (n)    | yStd      |
 * | T      | output warp: half-rank (default), Yeo–Johnson (λ by MLE) or none |        |           |
 * | X      | encoded observations                                             | (n, d) | xUnit     |
 * | P      | encoded pending trials                                           | (p, d) | xUnit     |
 * | θ      | MAP hyperparameters (fit.ts), warm-started from `previous`       | (d+3)  |           |
 * | best   | max_i y_i (observations only, never fantasies)                   |        | yStd      |
 *
 * Steps (Optuna's GPSampler and BoTorch's SingleTaskGP + LogEI, kriging
 * believer for pending and batch points as in Ginsbourger et al. 2010,
 * "Kriging is well-suited to parallelize optimization"):
 *  1. encode and validate; y = standardized T(s·v).
 *  2. θ = argmax log p(y | X, θ) + log p(θ); the GP conditioned on (X, y).
 *  3. For every pending x_p: append (x_p, μ(x_p)) with θ fixed. Because the
 *     fantasy equals the current mean, appending them one by one or all at once
 *     gives the same model.
 *  4. For k = 1..count: x_k = argmax log EI (acquisition-optimizer.ts), never an
 *     observed, pending or already suggested point; append (x_k, μ(x_k)).
 *  5. decode; report μ and s at x_k back in objective units.
 *
 * Deterministic: every random draw comes from createRng(seed) forks.
 */

import { AcquisitionOptimizerError, maximizeLogEi } from './acquisition-optimizer.js';
import { NotPositiveDefiniteError } from './cholesky.js';
import { createEncoding, encode, paramsKey, validateParams, type Encoding } from './encoding.js';
import { fitHyperparameters } from './fit.js';
import { appendObservations, gaussianProcess, posterior, type GaussianProcess, type Hyperparameters } from './gp.js';
import { normalCdf } from './normal.js';
import { createRng } from './rng.js';
import type { Goal, ParamSpec, Params } from './search-space.js';

/** Why the engine could not suggest; the service falls back to a random point on any of them. */
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

/** θ in a JSON-friendly form, to store with the study and pass back as `previous`. */
export interface FittedHyperparameters {
  /** log ℓ_j per encoded dimension (space order), length d. */
  logLengthscales: number[];
  logSignalVariance: number;
  logNoiseVariance: number;
  /** Constant prior mean, yStd. */
  mean: number;
}

export interface SuggestInput {
  space: ParamSpec[];
  goal: Goal;
  observations: { params: Params; value: number }[];
  pending: Params[];
  /** Number of suggestions, ≥ 1. */
  count: number;
  /** Safe integer; same seed and inputs → same output. */
  seed: number;
  /** The `hyperparameters` of an earlier call on the same space, to warm-start the fit. */
  previous?: FittedHyperparameters;
}

export interface Suggestion {
  params: Params;
  source: 'gp-logei';
  /** Posterior of the objective at params, in objective units (sign and scale of the user's values). */
  prediction: { mean: number; std: number };
  /** log EI at params (yStd, maximization), after conditioning on pending and earlier suggestions. */
  acquisition: number;
}

export interface SuggestOutput {
  suggestions: Suggestion[];
  hyperparameters: FittedHyperparameters;
}

/** Output transform applied after standardization. */
export type OutputWarp = 'none' | 'yeo-johnson' | 'half-rank';

export interface EngineOptions {
  /** Default DEFAULT_OUTPUT_WARP. */
  outputWarp?: OutputWarp;
  /** Extra prior draws for the hyperparameter fit (fit.ts default when undefined). */
  fitRestarts?: number;
  /** L-BFGS iterations per fit start. Default WARM_FIT_ITERATIONS with `previous` and n > WARM_CAP_ABOVE, else FULL_FIT_ITERATIONS. */
  fitIterations?: number;
  /** Fit θ on a random subset of at most this many observations. Default FIT_MAX_POINTS. */
  fitMaxPoints?: number;
}

/**
 * NOTE: one likelihood + gradient costs O(n³), ≈ 0.7 s at n = 1000 on the
 * 2-core box, so above 250 observations θ is fitted on a random subset of 250
 * (the GP is still conditioned on all n). Measured for n = 1000, d = 6 with a
 * warm start: fit 274 ms (25 evaluations), conditioning 180 ms, acquisition
 * 371 ms; about 1.0 s per suggestion in all. Without a subset a cold fit at
 * n = 1000 took 100 s.
 */
export const FIT_MAX_POINTS = 250;

/**
 * NOTE: a warm start is within 1e-3 nats of the converged log posterior after
 * 8 iterations (fit.ts, maxIterations NOTE), so above n = 100, where the fit
 * costs, warm fits stop there. Not below: with the cap at every n, bench
 * `mixed`@50 left 4 of 16 seeds in the wrong category instead of 2 (median
 * 3.8e-6 [1.7e-6, 0.050] vs 2.7e-6 [5.8e-7, 1.5e-5]), and a fit at n ≤ 100
 * costs a few ms anyway.
 */
export const WARM_FIT_ITERATIONS = 8;
export const WARM_CAP_ABOVE = 100;
export const FULL_FIT_ITERATIONS = 100;

/**
 * NOTE: half-rank by default. `npm run bench:regret -- --warp <w>`, 16 seeds,
 * median final regret [q25, q75]:
 *
 *   problem        none                      yeo-johnson               half-rank
 *   branin@40      2.1e-3 [2.0e-4, 3.4e-3]   2.3e-4 [1.6e-4, 7.1e-4]   1.1e-4 [7.0e-5, 1.7e-4]
 *   hartmann3@50   2.1e-4 [1.3e-4, 7.9e-3]   1.6e-5 [5.6e-6, 9.8e-5]   1.2e-5 [4.2e-6, 3.0e-5]
 *   hartmann6@80   1.1e-3 [4.8e-4, 0.121]    5.3e-4 [7.2e-5, 0.119]    3.6e-4 [1.6e-4, 0.119]
 *   mixed@50       2.4e-5 [1.1e-5, 3.5e-5]   1.2e-5 [1.5e-6, 0.200]    2.6e-6 [7.7e-7, 1.2e-5]
 *   heavy@50       3.634 [2.713, 4.504]      0.220 [0.071, 0.797]      3.1e-4 [1.9e-4, 6.4e-4]
 *
 * Half-rank is best on every problem and the only warp that fixes `heavy`
 * (where no warp is worse than random search, 2.665). Yeo–Johnson by MLE
 * flattened the top of the data once the samples concentrated: λ̂ hit the
 * grid edge 4 on Branin seed 8, every value near the incumbent mapped to
 * ≈ 0.63, and the search stalled at regret 1.5.
 */
export const DEFAULT_OUTPUT_WARP: OutputWarp = 'half-rank';

// ---------------------------------------------------------------------------
// Output transform: standardization, then an optional Yeo–Johnson warp.

/**
 * Yeo–Johnson transform ψ_λ(z) (Yeo & Johnson 2000, Biometrika 87(4), eq. 2.1):
 *   z ≥ 0: ((z + 1)^λ − 1)/λ  (log(z + 1) at λ = 0)
 *   z < 0: −((1 − z)^(2−λ) − 1)/(2 − λ)  (−log(1 − z) at λ = 2)
 * Strictly increasing in z for every λ.
 */
export function yeoJohnson(z: number, lambda: number): number {
  if (z >= 0) return Math.abs(lambda) < 1e-12 ? Math.log1p(z) : (Math.pow(z + 1, lambda) - 1) / lambda;
  const l2 = 2 - lambda;
  return Math.abs(l2) < 1e-12 ? -Math.log1p(-z) : -(Math.pow(1 - z, l2) - 1) / l2;
}

/** ψ_λ⁻¹(w); w outside ψ_λ's range is clamped to the edge of it. */
export function yeoJohnsonInverse(w: number, lambda: number): number {
  if (w >= 0) {
    if (Math.abs(lambda) < 1e-12) return Math.expm1(w);
    const base = lambda * w + 1;
    return base <= 0 ? Number.MAX_VALUE : Math.pow(base, 1 / lambda) - 1;
  }
  const l2 = 2 - lambda;
  if (Math.abs(l2) < 1e-12) return -Math.expm1(-w);
  const base = 1 - l2 * w;
  return base <= 0 ? -Number.MAX_VALUE : 1 - Math.pow(base, 1 / l2);
}

/**
 * Profile log-likelihood of λ for z (n) under ψ_λ(z) ~ N(μ, σ²) with μ, σ² at
 * their MLE: −n/2·log σ̂²(λ) + (λ − 1) Σ sign(z_i) log(1 + |z_i|).
 */
function yeoJohnsonLogLikelihood(z: Float64Array, lambda: number): number {
  const n = z.length;
  let mean = 0;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = yeoJohnson(z[i]!, lambda);
    mean += w[i]!;
  }
  mean /= n;
  let ss = 0;
  let jac = 0;
  for (let i = 0; i < n; i++) {
    ss += (w[i]! - mean) ** 2;
    jac += Math.sign(z[i]!) * Math.log1p(Math.abs(z[i]!));
  }
  const variance = ss / n;
  if (!(variance > 0) || !Number.isFinite(variance)) return -Infinity;
  return -0.5 * n * Math.log(variance) + (lambda - 1) * jac;
}

/** Grid for λ: −2..4 in steps of 0.05 (the MLE on it, ties to the value nearer 1). */
const LAMBDA_GRID = Array.from({ length: 121 }, (_, i) => -2 + 0.05 * i);

interface OutputTransform {
  /** yStd of each observation. */
  y: Float64Array;
  /** (μ, s) of the latent at a point, yStd → objective units (mean, std). */
  toObjective(mean: number, std: number): { mean: number; std: number };
}

/**
 * none: y = (s·v − m)/sd, m and sd the mean and standard deviation of s·v
 * (sd = 1 when all values are equal; so also for n < 3, where no warp applies).
 * half-rank: y = standardized halfRankWarp(s·v).
 * yeo-johnson: y = standardized ψ_λ̂((s·v − m)/sd).
 * toObjective maps the latent's mean and μ ± s through the inverse: the mean
 * is the image of μ (the posterior median in objective units when T is not the
 * identity) and std is half the width of the image of [μ − s, μ + s].
 */
function outputTransform(values: number[], sign: number, warp: OutputWarp): OutputTransform {
  const n = values.length;
  const raw = Float64Array.from(values, (v) => sign * v);
  const m = raw.reduce((a, b) => a + b, 0) / n;
  const sdRaw = Math.sqrt(raw.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  const sd = sdRaw > 0 && Number.isFinite(sdRaw) ? sdRaw : 1;
  const z = raw.map((v) => (v - m) / sd);
  const identity: OutputTransform = { y: z, toObjective: (mu, s) => ({ mean: sign * (m + sd * mu), std: sd * s }) };
  if (warp === 'none' || n < 3 || sdRaw === 0) return identity;
  if (warp === 'half-rank') {
    // On s·v itself, not on z: the warp is affine-equivariant, and a huge bad
    // value would otherwise dominate m and sd and round the good values together.
    const { w, inverse } = halfRankWarp(raw);
    const wm = w.reduce((a, b) => a + b, 0) / n;
    const wsdRaw = Math.sqrt(w.reduce((a, b) => a + (b - wm) ** 2, 0) / n);
    const wsd = wsdRaw > 0 ? wsdRaw : 1;
    const back = (t: number) => sign * inverse(wm + wsd * t);
    return { y: w.map((v) => (v - wm) / wsd), toObjective: (mu, s) => ({ mean: back(mu), std: Math.abs(back(mu + s) - back(mu - s)) / 2 }) };
  }
  let lambda = 1;
  let bestLl = yeoJohnsonLogLikelihood(z, 1);
  for (const l of LAMBDA_GRID) {
    const ll = yeoJohnsonLogLikelihood(z, l);
    if (ll > bestLl + 1e-9) {
      bestLl = ll;
      lambda = l;
    }
  }
  const w = z.map((v) => yeoJohnson(v, lambda));
  const wm = w.reduce((a, b) => a + b, 0) / n;
  const wsdRaw = Math.sqrt(w.reduce((a, b) => a + (b - wm) ** 2, 0) / n);
  const wsd = wsdRaw > 0 ? wsdRaw : 1;
  const y = w.map((v) => (v - wm) / wsd);
  const back = (t: number) => sign * (m + sd * yeoJohnsonInverse(wm + wsd * t, lambda));
  return {
    y,
    toObjective: (mu, s) => ({ mean: back(mu), std: Math.abs(back(mu + s) - back(mu - s)) / 2 }),
  };
}

/** Φ⁻¹(q) for q ∈ (0, 1) by bisection on normalCdf over [−40, 40] (|error| < 1e-13); a warp needs no more. */
function normalQuantile(q: number): number {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (normalCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Half-rank warp of z (n, standardized, maximization: larger is better), after
 * the idea of Vizier's HalfRankComponent (Song et al. 2024, "The Vizier
 * Gaussian process bandit algorithm", §3): the better half is kept as is, the
 * worse half is replaced by normal quantiles of its ranks, so a heavy tail of
 * bad values cannot dominate the fit while the values that decide where the
 * optimum is keep their linear scale.
 *   z_i ≥ med:  w_i = z_i
 *   z_i < med:  w_i = med + σ̂·Φ⁻¹(q_i),  q_i = (r_i + ½)/n, r_i the 0-based
 *               ascending rank (ties share their mean rank),
 *   σ̂ = mean_{z_i ≥ med}(z_i − med) / √(2/π)  (the scale of a half-normal
 *        matching the better half; 1 when that half is flat).
 * Monotone non-decreasing. Returned with the (z, w) pairs of the worse half
 * for the inverse (piecewise linear between them, linear beyond the ends).
 */
export function halfRankWarp(z: Float64Array): { w: Float64Array; inverse: (w: number) => number } {
  const n = z.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => z[a]! - z[b]!);
  const rank = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && z[order[j + 1]!] === z[order[i]!]) j++;
    for (let t = i; t <= j; t++) rank[order[t]!] = 0.5 * (i + j);
    i = j + 1;
  }
  const sorted = order.map((i) => z[i]!);
  const med = n % 2 ? sorted[(n - 1) / 2]! : 0.5 * (sorted[n / 2 - 1]! + sorted[n / 2]!);
  let dev = 0;
  let good = 0;
  for (let i = 0; i < n; i++) {
    if (z[i]! >= med) {
      dev += z[i]! - med;
      good++;
    }
  }
  const meanDev = good > 0 ? dev / good : 0;
  const sigma = meanDev > 0 ? meanDev / Math.sqrt(2 / Math.PI) : 1;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = z[i]! >= med ? z[i]! : Math.min(med, med + sigma * normalQuantile((rank[i]! + 0.5) / n));
  // Inverse on the worse half: knots (w, z) sorted by w, plus (med, med).
  const knots = order.filter((i) => z[i]! < med).map((i) => [w[i]!, z[i]!] as const);
  knots.push([med, med]);
  const inverse = (t: number): number => {
    if (t >= med) return t;
    if (knots.length < 2) return t;
    let k = 1;
    while (k < knots.length - 1 && knots[k]![0] < t) k++;
    const [w0, z0] = knots[k - 1]!;
    const [w1, z1] = knots[k]!;
    return w1 > w0 ? z0 + ((t - w0) * (z1 - z0)) / (w1 - w0) : z0;
  };
  return { w, inverse };
}

// ---------------------------------------------------------------------------

function toFitted(h: Hyperparameters): FittedHyperparameters {
  return { logLengthscales: Array.from(h.logLengthscales), logSignalVariance: h.logSignalVariance, logNoiseVariance: h.logNoiseVariance, mean: h.mean };
}

function fromFitted(f: FittedHyperparameters | undefined, d: number): Hyperparameters | undefined {
  if (!f || f.logLengthscales.length !== d) return undefined;
  const all = [...f.logLengthscales, f.logSignalVariance, f.logNoiseVariance, f.mean];
  if (!all.every(Number.isFinite)) return undefined;
  return { logLengthscales: Float64Array.from(f.logLengthscales), logSignalVariance: f.logSignalVariance, logNoiseVariance: f.logNoiseVariance, mean: f.mean };
}

function checkedParams(enc: Encoding, params: Params, what: string): Float64Array {
  const errors = validateParams(enc, params);
  if (errors.length > 0) throw new EngineError('invalid-input', `${what}: ${errors.map((e) => e.message).join('; ')}`);
  return encode(enc, params);
}

function rows(points: Float64Array[], d: number): Float64Array {
  const out = new Float64Array(points.length * d);
  points.forEach((x, i) => out.set(x, i * d));
  return out;
}

/** Translates the numerics' own failures into EngineError('numerical-failure'). */
function numerically<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (e instanceof AcquisitionOptimizerError) throw new EngineError('space-exhausted', e.message, { cause: e });
    if (e instanceof NotPositiveDefiniteError || e instanceof RangeError) throw new EngineError('numerical-failure', `${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The next `count` points to evaluate (see the module doc for the steps).
 * @throws EngineError: 'invalid-input' (space, params, values, count or seed),
 *   'no-observations' (n = 0: use a space-filling design instead),
 *   'numerical-failure' (the GP could not be fitted or conditioned),
 *   'space-exhausted' (a finite space has no unobserved, non-pending point left).
 */
export function suggestNext(input: SuggestInput, options: EngineOptions = {}): SuggestOutput {
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
  const d = enc.dim;
  const X = rows(input.observations.map((o, i) => checkedParams(enc, o.params, `observation ${i}`)), d);
  input.observations.forEach((o, i) => {
    if (!Number.isFinite(o.value)) throw new EngineError('invalid-input', `observation ${i} has the non-finite value ${o.value}`);
  });
  const pendingX = input.pending.map((p, i) => checkedParams(enc, p, `pending ${i}`));
  const exclude = new Set<string>([...input.observations.map((o) => paramsKey(enc, o.params)), ...input.pending.map((p) => paramsKey(enc, p))]);

  const rng = createRng(input.seed);
  const sign = input.goal === 'maximize' ? 1 : -1;
  const transform = outputTransform(input.observations.map((o) => o.value), sign, options.outputWarp ?? DEFAULT_OUTPUT_WARP);
  const y = transform.y;
  const best = y.reduce((a, b) => Math.max(a, b), -Infinity);

  const previous = fromFitted(input.previous, d);
  const fit = numerically('hyperparameter fit', () =>
    fitHyperparameters(X, y, enc.isCategorical, {
      rng: rng.fork(1),
      ...(previous ? { previous } : {}),
      ...(options.fitRestarts !== undefined ? { restarts: options.fitRestarts } : {}),
      maxIterations: options.fitIterations ?? (previous && input.observations.length > WARM_CAP_ABOVE ? WARM_FIT_ITERATIONS : FULL_FIT_ITERATIONS),
      maxPoints: options.fitMaxPoints ?? FIT_MAX_POINTS,
    }),
  );
  const theta = fit.hyperparameters;
  if (![...theta.logLengthscales, theta.logSignalVariance, theta.logNoiseVariance, theta.mean].every(Number.isFinite)) {
    throw new EngineError('numerical-failure', 'hyperparameter fit returned non-finite values');
  }

  let gp: GaussianProcess = numerically('GP conditioning', () => gaussianProcess(X, y, enc.isCategorical, theta));
  if (pendingX.length > 0) gp = numerically('pending fantasies', () => withBelieverFantasies(gp, rows(pendingX, d), pendingX.length));

  const suggestions: Suggestion[] = [];
  for (let k = 0; k < input.count; k++) {
    const r = numerically('acquisition optimization', () => maximizeLogEi(gp, enc, best, { rng: rng.fork(100 + k), exclude }));
    if (!Number.isFinite(r.mean) || !Number.isFinite(r.variance)) throw new EngineError('numerical-failure', 'non-finite posterior at the suggestion');
    suggestions.push({ params: r.params, source: 'gp-logei', prediction: transform.toObjective(r.mean, Math.sqrt(r.variance)), acquisition: r.logEi });
    exclude.add(paramsKey(enc, r.params));
    if (k + 1 < input.count) gp = numerically('batch fantasy', () => appendObservations(gp, r.x, Float64Array.of(r.mean)));
  }
  return { suggestions, hyperparameters: toFitted(theta) };
}

/** The GP with (P, μ(P)) appended: kriging believer, hyperparameters fixed. */
function withBelieverFantasies(gp: GaussianProcess, P: Float64Array, p: number): GaussianProcess {
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  posterior(gp, P, p, mean, variance);
  return appendObservations(gp, P, mean);
}
