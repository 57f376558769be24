/**
 * Log marginal likelihood of the GP and its gradient w.r.t. the packed log
 * hyperparameters θ = [log ℓ (d), log σ², log σ_n², c] (gp.ts).
 *
 * | symbol | meaning                                   | shape  |
 * |--------|-------------------------------------------|--------|
 * | X      | inputs, row-major, xUnit                  | (n, d) |
 * | y      | observations, yStd                        | (n)    |
 * | Ky     | K + σ_n² I                                | (n, n) |
 * | L      | Cholesky factor of Ky                     | (n, n) |
 * | α      | Ky⁻¹ (y − c)                              | (n)    |
 * | W      | ααᵀ − Ky⁻¹                                | (n, n) |
 *
 * Rasmussen & Williams 2006, eq. 2.30 and 5.9:
 *   log p(y | θ) = −½ (y − c)ᵀ α − Σ_i log L_ii − (n/2) log 2π,
 *   ∂/∂θ_k = ½ tr(W ∂Ky/∂θ_k)   for the kernel and noise parameters,
 *   ∂/∂c = Σ_i α_i.
 * With ∂Ky/∂log σ_n² = σ_n² I the noise term is ½ σ_n² tr(W); the kernel terms
 * come from kernelHyperGradient (kernel.ts). Cost: O(n³) (factor + inverse) and
 * O(n² d) for the contraction.
 */

import { choleskyWithJitter, inverseFromCholesky, NotPositiveDefiniteError, solveLowerInPlace, solveLowerTransposeInPlace } from './cholesky.js';
import { kernelHyperGradient, kernelMatrix, matern52 } from './kernel.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Buffers reused across evaluations for one (n, d); allocate once per fit. */
export interface LikelihoodWorkspace {
  readonly n: number;
  readonly d: number;
  /** (n, n): L. */
  readonly factor: Float64Array;
  /** (n, n): Ky⁻¹, then W. */
  readonly inverse: Float64Array;
  /** (n, n): Ky, then L⁻ᵀ while inverting. */
  readonly scratch: Float64Array;
  readonly alpha: Float64Array;
  /** (d + 1). */
  readonly kernelGrad: Float64Array;
}

export function likelihoodWorkspace(n: number, d: number): LikelihoodWorkspace {
  return {
    n, d, factor: new Float64Array(n * n), inverse: new Float64Array(n * n), scratch: new Float64Array(n * n), alpha: new Float64Array(n), kernelGrad: new Float64Array(d + 1),
  };
}

/**
 * log p(y | X, θ), and when `grad` (shape d + 3) is given, ∂ log p/∂θ written into it.
 * Returns −Infinity (grad untouched) when Ky cannot be factored even with jitter,
 * so an optimizer treats the point as a failed step.
 * @param X  (n, d) row-major.  @param y  (n).  @param theta  (d + 3), packed as in gp.ts.
 */
export function logMarginalLikelihood(
  X: Float64Array,
  y: Float64Array,
  isCategorical: Uint8Array,
  theta: Float64Array,
  grad?: Float64Array,
  ws?: LikelihoodWorkspace,
): number {
  const n = y.length;
  const d = theta.length - 3;
  const w = ws ?? likelihoodWorkspace(n, d);
  const kern = matern52(theta.subarray(0, d), theta[d]!, isCategorical);
  const noise = Math.exp(theta[d + 1]!);
  const c = theta[d + 2]!;
  // Ky goes into scratch (free until the inverse) so the factor need not alias it.
  const Ky = kernelMatrix(kern, X, n, w.scratch);
  for (let i = 0; i < n; i++) Ky[i * n + i] = Ky[i * n + i]! + noise;
  let L: Float64Array;
  try {
    L = choleskyWithJitter(Ky, n, {}, w.factor).L;
  } catch (e) {
    if (e instanceof NotPositiveDefiniteError) return -Infinity;
    throw e;
  }
  const alpha = w.alpha;
  for (let i = 0; i < n; i++) alpha[i] = y[i]! - c;
  solveLowerInPlace(L, n, alpha);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += alpha[i]! * alpha[i]!;
  solveLowerTransposeInPlace(L, n, alpha);
  let logDiag = 0;
  for (let i = 0; i < n; i++) logDiag += Math.log(L[i * n + i]!);
  const value = -0.5 * quad - logDiag - n * HALF_LOG_2PI;
  if (!grad) return value;

  const W = inverseFromCholesky(L, n, w.inverse, w.scratch);
  let trace = 0;
  let sumAlpha = 0;
  for (let a = 0; a < n; a++) {
    const aa = alpha[a]!;
    sumAlpha += aa;
    const ra = a * n;
    for (let b = 0; b < n; b++) W[ra + b] = aa * alpha[b]! - W[ra + b]!;
    trace += W[ra + a]!;
  }
  kernelHyperGradient(kern, X, n, W, w.kernelGrad);
  for (let j = 0; j <= d; j++) grad[j] = w.kernelGrad[j]!;
  grad[d + 1] = 0.5 * noise * trace;
  grad[d + 2] = sumAlpha;
  return value;
}
