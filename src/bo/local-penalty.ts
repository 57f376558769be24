/**
 * Local penalization of an acquisition around points already being evaluated
 * (González, Dai, Hennig & Lawrence 2016, "Batch Bayesian optimization via local
 * penalization", AISTATS, eq. 3 and section 3.1), in log form for log EI.
 *
 * | symbol | meaning                                                         | shape  | space |
 * |--------|-----------------------------------------------------------------|--------|-------|
 * | c_j    | a centre: a pending point or an earlier member of the batch     | (d)    | xUnit |
 * | μ_j, s_j | GP posterior mean and std of f at c_j                         |        | yStd  |
 * | M      | max of f, estimated by the incumbent (largest observation)       |        | yStd  |
 * | r(x,c) | ARD distance √(Σ_k δ_k/ℓ_k²), as in the kernel (kernel.ts)       |        |       |
 * | Λ      | Lipschitz constant of μ in that distance: max ‖∇_u μ‖, u = x/ℓ   |        |       |
 *
 * With f(c_j) ~ N(μ_j, s_j²), the ball {x : r(x, c_j) ≤ (M − f(c_j))/Λ} cannot
 * hold the maximizer. The penalty is the probability that x lies outside it,
 *   φ_j(x) = Φ(z_j(x)),   z_j(x) = (Λ r(x, c_j) − M + μ_j) / s_j,
 * and the acquisition becomes log EI(x) + Σ_j log Φ(z_j(x)).
 * Gradient (continuous k, r > 0): ∂ log Φ(z_j)/∂x_k = φ(z_j)/Φ(z_j) · Λ/s_j · (x_k − c_jk)/(ℓ_k² r).
 *
 * NOTE: the paper measures r in the raw input space; we use the kernel's ARD
 * distance so that one Λ fits every dimension whatever its lengthscale.
 */

import type { Matern52 } from './kernel.js';
import { logNormalCdf, logNormalPdf } from './normal.js';
import { posterior, type GaussianProcess } from './gp.js';

/** A term added to log EI (value and gradient w.r.t. x), used by the acquisition optimizer. */
export interface LogPenalty {
  /** Σ_j log φ_j(x); x shape (d), xUnit. */
  value(x: Float64Array): number;
  /** Same, with ∂/∂x written into grad (shape (d), overwritten; 0 on categorical dims). */
  valueWithGradient(x: Float64Array, grad: Float64Array): number;
}

/** Λ never below this (a flat mean would otherwise remove every penalty ball; GPyOpt uses 10 in raw units). */
export const MIN_LIPSCHITZ = 1e-7;

/**
 * Λ = max_i ‖∇_u μ(z_i)‖ over m points Z (m, d), u_k = x_k/ℓ_k (continuous k only), with
 *   ∂μ/∂x_k = −Σ_a α_a g(r_a) (x_k − x_ak)/ℓ_k²   (kernel.ts), so ∂μ/∂u_k = ℓ_k ∂μ/∂x_k.
 * O(m n d), no allocation per point.
 */
export function lipschitzEstimate(gp: GaussianProcess, Z: Float64Array, m: number): number {
  const { n, d, kernel, alpha } = gp;
  const inv = kernel.inverseSquaredLengthscales;
  const cat = kernel.isCategorical;
  const X = gp.X;
  const g = new Float64Array(d);
  const c = (5 / 3) * kernel.signalVariance;
  const sqrt5 = Math.sqrt(5);
  let best = MIN_LIPSCHITZ;
  for (let i = 0; i < m; i++) {
    const oz = i * d;
    g.fill(0);
    for (let a = 0; a < n; a++) {
      const oa = a * d;
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const diff = Z[oz + k]! - X[oa + k]!;
        r2 += cat[k] ? (diff !== 0 ? inv[k]! : 0) : diff * diff * inv[k]!;
      }
      const r = Math.sqrt(r2);
      const w = -alpha[a]! * c * (1 + sqrt5 * r) * Math.exp(-sqrt5 * r);
      for (let k = 0; k < d; k++) if (!cat[k]) g[k] = g[k]! + w * (Z[oz + k]! - X[oa + k]!);
    }
    // g_k = ℓ_k² ∂μ/∂x_k, so ‖∇_u μ‖² = Σ_k ℓ_k² (∂μ/∂x_k)² = Σ_k g_k²/ℓ_k².
    let s = 0;
    for (let k = 0; k < d; k++) s += g[k]! * g[k]! * inv[k]!;
    const norm = Math.sqrt(s);
    if (norm > best) best = norm;
  }
  return best;
}

/**
 * Σ_j log Φ(z_j(x)) for the centres C (p, d), with μ_j, s_j from gp (the model
 * the penalties are built on), M = best and Λ = lipschitz (see module doc).
 */
export function localPenalty(gp: GaussianProcess, C: Float64Array, p: number, best: number, lipschitz: number): LogPenalty {
  const d = gp.d;
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  if (p > 0) posterior(gp, C, p, mean, variance);
  const std = Float64Array.from(variance, (v) => Math.sqrt(v));
  return penaltyFromMoments(gp.kernel, C.slice(), p, mean, std, best, lipschitz, d);
}

/** localPenalty with the centres' μ_j and s_j given (shape (p) each); for tests and callers that have them. */
export function penaltyFromMoments(
  kernel: Matern52, C: Float64Array, p: number, mean: Float64Array, std: Float64Array, best: number, lipschitz: number, d: number,
): LogPenalty {
  const inv = kernel.inverseSquaredLengthscales;
  const cat = kernel.isCategorical;
  const distance = (x: Float64Array, j: number): number => {
    let r2 = 0;
    for (let k = 0; k < d; k++) {
      const diff = x[k]! - C[j * d + k]!;
      r2 += cat[k] ? (diff !== 0 ? inv[k]! : 0) : diff * diff * inv[k]!;
    }
    return Math.sqrt(r2);
  };
  return {
    value(x) {
      let total = 0;
      for (let j = 0; j < p; j++) total += logNormalCdf((lipschitz * distance(x, j) - best + mean[j]!) / std[j]!);
      return total;
    },
    valueWithGradient(x, grad) {
      grad.fill(0);
      let total = 0;
      for (let j = 0; j < p; j++) {
        const r = distance(x, j);
        const z = (lipschitz * r - best + mean[j]!) / std[j]!;
        const logCdf = logNormalCdf(z);
        total += logCdf;
        if (r === 0) continue;
        const scale = (Math.exp(logNormalPdf(z) - logCdf) * lipschitz) / (std[j]! * r);
        for (let k = 0; k < d; k++) if (!cat[k]) grad[k] = grad[k]! + scale * (x[k]! - C[j * d + k]!) * inv[k]!;
      }
      return total;
    },
  };
}
