/**
 * MAP estimation of the GP hyperparameters by multi-start box-constrained L-BFGS
 * in the packed log space of gp.ts.
 *
 * | symbol | meaning                                                   | shape  |
 * |--------|-----------------------------------------------------------|--------|
 * | θ      | [log ℓ (d), log σ², log σ_n², c]                          | (d+3)  |
 * | X, y   | inputs (xUnit) and standardized observations (yStd)       | (n, d), (n) |
 * | J(θ)   | −(log p(y | X, θ) + log p(θ)) / n, the objective minimized |        |
 *
 * NOTE: dividing by n follows GPyTorch's ExactMarginalLogLikelihood (which
 * BoTorch's fit_gpytorch_mll minimizes with scipy's L-BFGS-B); it does not
 * move the optimum but makes the gradient tolerance independent of n.
 *
 * Starts, in order: the previous fit (if given), the prior mode (by default only
 * when there is no previous fit), then `restarts` draws from the prior (prior.ts)
 * made with the caller's rng. The best final J wins; ties keep the earlier
 * start, so a warm start is preferred when no other start is strictly better.
 */

import { packHyperparameters, unpackHyperparameters, type Hyperparameters } from './gp.js';
import { minimizeBox } from './lbfgsb.js';
import { likelihoodWorkspace, logMarginalLikelihood } from './likelihood.js';
import { hyperparameterBounds, logPrior, priorMode, samplePrior } from './prior.js';
import { InvariantError } from './errors.js';

/**
 * The part of rng.ts's Rng this module needs, declared structurally so fit.ts
 * does not depend on that module's shape beyond these two draws.
 */
export interface NormalSource {
  uniform(): number;
  normal(): number;
}

export interface FitOptions {
  rng: NormalSource;
  /** Previous MAP estimate to warm-start from (its d must match). */
  previous?: Hyperparameters;
  /** Number of extra starts drawn from the prior. Default 2 without `previous`, 0 with it. */
  restarts?: number;
  /**
   * L-BFGS iterations per start. Default 100 (runs to scipy-like tolerances).
   * NOTE: a warm start barely needs them: 8 are within 1e-3 nats of converged and
   * save ~60% of the fit time (decision 0008).
   */
  maxIterations?: number;
  /**
   * Also start from the prior mode. Default: true without `previous`, false with it
   * (a warm start that converged stays converged in a few evaluations; another
   * full start would cost ~30 likelihood evaluations, see bench/gp-latency.ts).
   */
  includePriorMode?: boolean;
  /**
   * Fit on at most this many observations, drawn uniformly without replacement
   * with the rng (the model is still conditioned on all of them by the caller).
   * Default: all. NOTE: one likelihood + gradient costs O(n³) (0.7 s at n = 1000), so the
   * 1 s budget at n = 1000 needs a subset, or reusing the previous fit (decisions 0007, 0009).
   */
  maxPoints?: number;
  /** Lower bound on σ², raising prior.ts's LOG_SIGNAL_BOUNDS floor. Default: none (the common floor). */
  minSignalVariance?: number;
  /** Checked between L-BFGS steps and starts; true ends the fit at the best θ so far. */
  shouldStop?: () => boolean;
}

export interface FitResult {
  hyperparameters: Hyperparameters;
  /** log p(y | X, θ) + log p(θ) at the returned θ (not divided by n; on the subset if maxPoints applied). */
  logPosterior: number;
  /** Likelihood evaluations summed over all starts. */
  evaluations: number;
}

/**
 * J(θ) and ∇J for minimizeBox: −(log p(y | X, θ) + log p(θ)) / n.
 * Returns +Infinity where Ky cannot be factored.
 */
export function negativeLogPosterior(X: Float64Array, y: Float64Array, isCategorical: Uint8Array): (theta: Float64Array, grad: Float64Array) => number {
  const n = y.length;
  const d = isCategorical.length;
  const ws = likelihoodWorkspace(n, d);
  const scale = 1 / Math.max(n, 1);
  return (theta, grad) => {
    const ll = logMarginalLikelihood(X, y, isCategorical, theta, grad, ws);
    if (!Number.isFinite(ll)) return Infinity;
    const lp = logPrior(theta, grad);
    for (let i = 0; i < grad.length; i++) grad[i] = -grad[i]! * scale;
    return -(ll + lp) * scale;
  };
}

/**
 * MAP hyperparameters argmax_θ log p(y | X, θ) + log p(θ) within hyperparameterBounds(d).
 * @param X  (n, d) row-major, xUnit.  @param y  (n), yStd.
 * @param isCategorical  (d), 1 for Hamming dims.
 */
export function fitHyperparameters(X: Float64Array, y: Float64Array, isCategorical: Uint8Array, options: FitOptions): FitResult {
  const d = isCategorical.length;
  const n = y.length;
  if (X.length !== n * d) throw new InvariantError(`fitHyperparameters: X has ${X.length} entries, expected ${n}·${d}`);
  const { lower, upper } = hyperparameterBounds(d);
  if (options.minSignalVariance !== undefined) lower[d] = Math.min(upper[d]!, Math.max(lower[d]!, Math.log(options.minSignalVariance)));
  const clampStart = (x: Float64Array): Float64Array => {
    for (let i = 0; i < x.length; i++) x[i] = Math.min(upper[i]!, Math.max(lower[i]!, x[i]!));
    return x;
  };
  const subset = options.maxPoints !== undefined && n > options.maxPoints ? subsample(X, y, d, options.maxPoints, options.rng) : { X, y };
  const objective = negativeLogPosterior(subset.X, subset.y, isCategorical);
  const nFit = subset.y.length;
  const starts: Float64Array[] = [];
  const warm = options.previous !== undefined && options.previous.logLengthscales.length === d;
  if (warm) starts.push(clampStart(packHyperparameters(options.previous!)));
  if (options.includePriorMode ?? !warm) starts.push(clampStart(priorMode(d)));
  const restarts = options.restarts ?? (options.previous ? 0 : 2);
  for (let r = 0; r < restarts; r++) starts.push(clampStart(samplePrior(d, options.rng)));

  let best: Float64Array = starts[0]!;
  let bestValue = Infinity;
  let evaluations = 0;
  for (const [i, x0] of starts.entries()) {
    // Past a deadline the first start (the warm one when there is one) still gets its first evaluation.
    if (i > 0 && options.shouldStop?.()) break;
    const res = minimizeBox(objective, x0, lower, upper, {
      maxIterations: options.maxIterations ?? 100,
      ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
    });
    evaluations += res.evaluations;
    if (res.f < bestValue) {
      bestValue = res.f;
      best = res.x;
    }
  }
  return { hyperparameters: unpackHyperparameters(best), logPosterior: -bestValue * Math.max(nFit, 1), evaluations };
}

/** k rows of (X, y) drawn uniformly without replacement (partial Fisher–Yates), in their original order. */
function subsample(X: Float64Array, y: Float64Array, d: number, k: number, rng: NormalSource): { X: Float64Array; y: Float64Array } {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.min(n - i - 1, Math.floor(rng.uniform() * (n - i)));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  const chosen = idx.slice(0, k).sort((a, b) => a - b);
  const Xs = new Float64Array(k * d);
  const ys = new Float64Array(k);
  chosen.forEach((r, i) => {
    Xs.set(X.subarray(r * d, r * d + d), i * d);
    ys[i] = y[r]!;
  });
  return { X: Xs, y: ys };
}

/** θ in a JSON-friendly form, to store with the study and pass back to the engine as `previous`. */
export interface FittedHyperparameters {
  /** log ℓ_j per encoded dimension (space order), length d. */
  logLengthscales: number[];
  logSignalVariance: number;
  logNoiseVariance: number;
  /** Constant prior mean, yStd. */
  mean: number;
  /** Observations the study had when θ was last fitted (absent in states stored before it was recorded: refit). */
  observations?: number;
}

export function toFitted(h: Hyperparameters, observations: number): FittedHyperparameters {
  return {
    logLengthscales: Array.from(h.logLengthscales), logSignalVariance: h.logSignalVariance, logNoiseVariance: h.logNoiseVariance, mean: h.mean, observations,
  };
}

/** θ from its stored form; undefined when it does not fit d dimensions or is not finite (then the engine fits afresh). */
export function fromFitted(f: FittedHyperparameters | undefined, d: number): Hyperparameters | undefined {
  if (!f || f.logLengthscales.length !== d) return undefined;
  const all = [...f.logLengthscales, f.logSignalVariance, f.logNoiseVariance, f.mean];
  if (!all.every(Number.isFinite)) return undefined;
  return { logLengthscales: Float64Array.from(f.logLengthscales), logSignalVariance: f.logSignalVariance, logNoiseVariance: f.logNoiseVariance, mean: f.mean };
}
