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
 * Starts, in order: the previous fit (if given), the prior mode, then `restarts`
 * draws from the prior (prior.ts) made with the caller's rng. The best final J
 * wins; ties keep the earlier start, so a warm start is preferred when no
 * other start is strictly better.
 */

import { packHyperparameters, unpackHyperparameters, type Hyperparameters } from './gp.js';
import { minimizeBox } from './lbfgsb.js';
import { likelihoodWorkspace, logMarginalLikelihood } from './likelihood.js';
import { clampToBounds, hyperparameterBounds, logPrior, priorMode, samplePrior } from './prior.js';

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
  /** L-BFGS iterations per start. Default 100. */
  maxIterations?: number;
}

export interface FitResult {
  hyperparameters: Hyperparameters;
  /** log p(y | X, θ) + log p(θ) at the returned θ (not divided by n). */
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
  if (X.length !== n * d) throw new RangeError(`fitHyperparameters: X has ${X.length} entries, expected ${n}·${d}`);
  const { lower, upper } = hyperparameterBounds(d);
  const objective = negativeLogPosterior(X, y, isCategorical);
  const starts: Float64Array[] = [];
  if (options.previous && options.previous.logLengthscales.length === d) starts.push(clampToBounds(packHyperparameters(options.previous)));
  starts.push(priorMode(d));
  const restarts = options.restarts ?? (options.previous ? 0 : 2);
  for (let r = 0; r < restarts; r++) starts.push(samplePrior(d, options.rng));

  let best: Float64Array = starts[0]!;
  let bestValue = Infinity;
  let evaluations = 0;
  for (const x0 of starts) {
    const res = minimizeBox(objective, x0, lower, upper, { maxIterations: options.maxIterations ?? 100 });
    evaluations += res.evaluations;
    if (res.f < bestValue) {
      bestValue = res.f;
      best = res.x;
    }
  }
  return { hyperparameters: unpackHyperparameters(best), logPosterior: -bestValue * Math.max(n, 1), evaluations };
}
