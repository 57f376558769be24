/**
 * Log expected improvement for MAXIMIZATION (the BoTorch convention; the caller
 * flips the sign of a minimization objective before standardizing).
 *
 * | symbol | meaning                                              | space |
 * |--------|------------------------------------------------------|-------|
 * | μ, σ   | posterior mean and standard deviation at one point   | yStd  |
 * | best   | incumbent f* (largest standardized observation)     | yStd  |
 * | z      | (μ − best) / σ, the scaled improvement               |       |
 * | h(z)   | φ(z) + z·Φ(z), so that EI = σ·h(z)                   |       |
 * | t      | −z when z < 0                                        |       |
 * | m(z)   | Φ(z)/φ(z), Mills' ratio, = √(π/2)·erfcx(t/√2) for z<0 |       |
 *
 * Regimes of log h(z) (Ament et al. 2023, "Unexpected improvements to expected
 * improvement for Bayesian optimization", NeurIPS, eq. 9):
 *  - z > −1: log(φ(z) + zΦ(z)) directly, no cancellation (both terms O(1) or zΦ ≥ 0).
 *  - −100 ≤ z ≤ −1: log φ(z) + log1mexp(log(t·m(z))), since h = φ·(1 − t·m).
 *  - z < −100: log φ(z) + log q(t), with the asymptotic series
 *    q = 1 − t·m = t⁻²(1 − 3t⁻² + 15t⁻⁴ − 105t⁻⁶ + 945t⁻⁸ − …).
 *
 * NOTE: Ament et al. switch to the asymptotic branch only at z ≤ −1/√ε, where
 * log1p of the series is below ε and the branch reduces to −z²/2 − ½log 2π −
 * 2 log t. We switch at z = −100 because 1 − t·m loses ε·t² relative accuracy
 * to cancellation (1e-12 at t = 100, 1e-8 at t = 1e4), which the value absorbs
 * (log h ≈ −z²/2 dominates) but the gradient ∂/∂σ = 1/(σq) does not. At t = 100
 * the truncated series is exact to 10395·t⁻¹⁰ ≈ 1e-16 relative. Checked against
 * mpmath down to z = −1e6 in test/bo/acquisition.test.ts.
 */

import { posterior, posteriorWithGradient, posteriorWorkspace, type GaussianProcess, type PosteriorWorkspace } from './gp.js';
import { log1mexp, logNormalCdf, logNormalPdf, normalCdf, normalPdf, erfcx } from './normal.js';

const SQRT_HALF_PI = 1.2533141373155003; // √(π/2)
const ASYMPTOTIC_BELOW = -100;

/**
 * Writes q = h(z)/φ(z) and r = Φ(z)/φ(z) for z ≤ −1 into scratch[0], scratch[1];
 * returns log q. Both are O(1)..O(t⁻²) numbers free of the e^{−z²/2} factor.
 */
function tailRatios(z: number, scratch: Float64Array): number {
  const t = -z;
  if (z < ASYMPTOTIC_BELOW) {
    const w = 1 / (t * t);
    const series = 1 + w * (-3 + w * (15 + w * (-105 + w * 945)));
    const q = w * series;
    scratch[0] = q;
    scratch[1] = (1 - q) / t; // m = (1 − q)/t
    return Math.log(w) + Math.log(series);
  }
  const m = SQRT_HALF_PI * erfcx(t * Math.SQRT1_2);
  const logTm = Math.log(t * m);
  scratch[0] = -Math.expm1(logTm);
  scratch[1] = m;
  return log1mexp(logTm);
}

const scratch = new Float64Array(2);

/**
 * log h(z), h(z) = φ(z) + z·Φ(z): finite for every finite z (≈ −z²/2 − 2 log|z| for z → −∞).
 */
export function logH(z: number): number {
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  return logNormalPdf(z) + tailRatios(z, scratch);
}

/**
 * log EI(μ, σ; best) = log σ + log h((μ − best)/σ), maximization.
 *
 * @param mean  posterior mean μ at one point (yStd), scalar.
 * @param std   posterior standard deviation σ > 0 (yStd), scalar; the GP floors it.
 * @param best  incumbent best (largest) observed value (yStd), scalar.
 * @returns finite for every finite input with σ > 0. Hand check: μ = −0.5, σ = 1,
 *          best = 0 → EI = φ(0.5) − 0.5·Φ(−0.5) = 0.19780.
 */
export function logExpectedImprovement(mean: number, std: number, best: number): number {
  return Math.log(std) + logH((mean - best) / std);
}

/**
 * log EI and its gradient w.r.t. (μ, σ), for the chain rule into x:
 *   ∂ logEI/∂μ = Φ(z) / (σ h(z)),   ∂ logEI/∂σ = φ(z) / (σ h(z)).
 * (From dh/dz = Φ(z); the σ-derivative uses h(z) − z·Φ(z) = φ(z).)
 *
 * @param grad  Float64Array(≥2), receives [∂/∂μ, ∂/∂σ]; no allocation.
 * @returns log EI(μ, σ; best), maximization.
 */
export function logExpectedImprovementWithGradient(mean: number, std: number, best: number, grad: Float64Array): number {
  const z = (mean - best) / std;
  let logh: number;
  let phiOverH: number; // φ(z)/h(z)
  let cdfOverH: number; // Φ(z)/h(z)
  if (z > -1) {
    const pdf = normalPdf(z);
    const cdf = normalCdf(z);
    const h = pdf + z * cdf;
    logh = Math.log(h);
    phiOverH = pdf / h;
    cdfOverH = cdf / h;
    if (!Number.isFinite(phiOverH)) {
      // z → +∞: φ underflows and h ≈ z; use logs so the ratio stays finite.
      phiOverH = Math.exp(logNormalPdf(z) - logh);
      cdfOverH = Math.exp(logNormalCdf(z) - logh);
    }
  } else {
    logh = logNormalPdf(z) + tailRatios(z, scratch);
    phiOverH = 1 / scratch[0]!;
    cdfOverH = scratch[1]! / scratch[0]!;
  }
  grad[0] = cdfOverH / std;
  grad[1] = phiOverH / std;
  return Math.log(std) + logh;
}

const meanStdGrad = new Float64Array(2);

/**
 * log EI of the GP at one point x and its gradient w.r.t. x, by the chain rule
 *   ∂ logEI/∂x_j = ∂logEI/∂μ · ∂μ/∂x_j + ∂logEI/∂σ · ∂s²/∂x_j / (2σ),   σ = √s².
 * O(n² + n d) (one posteriorWithGradient), no allocation.
 * @param x     shape (d), xUnit.
 * @param best  incumbent (largest) standardized observation, maximization.
 * @param ws    posteriorWorkspace(gp); holds μ, s² and their gradients afterwards.
 * @param grad  out, shape (d); 0 on categorical dims.
 */
export function logExpectedImprovementAt(gp: GaussianProcess, x: Float64Array, best: number, ws: PosteriorWorkspace, grad: Float64Array): number {
  posteriorWithGradient(gp, x, ws);
  const std = Math.sqrt(ws.variance);
  const value = logExpectedImprovementWithGradient(ws.mean, std, best, meanStdGrad);
  const gMean = meanStdGrad[0]!;
  const gVar = meanStdGrad[1]! / (2 * std);
  for (let j = 0; j < gp.d; j++) grad[j] = gMean * ws.dMean[j]! + gVar * ws.dVariance[j]!;
  return value;
}

/**
 * An acquisition function a(x) to maximize over the encoded space (acquisition-optimizer.ts):
 * log EI below, and the fantasy-averaged log EI of pending-acquisition.ts. Each reports the
 * model's μ and s² beside a(x), for the suggestion's prediction.
 */
export interface Acquisition {
  /** a(z_j) for m points Z (m, d), xUnit, into out (m); μ(z_j) and s²(z_j) into mean, variance (m), yStd. */
  values(Z: Float64Array, m: number, out: Float64Array, mean: Float64Array, variance: Float64Array): void;
  /** a(x) at one point x (d), with ∂a/∂x into grad (d, overwritten; 0 on categorical dims). */
  valueWithGradient(x: Float64Array, grad: Float64Array): number;
}

/**
 * a(x) = log EI(μ(x), s(x); best) of `gp` (maximization, yStd). The gradient is
 * logExpectedImprovementAt's, the one the tests check by finite differences.
 */
export function logEiAcquisition(gp: GaussianProcess, best: number): Acquisition {
  const ws = posteriorWorkspace(gp);
  return {
    values(Z, m, out, mean, variance) {
      posterior(gp, Z, m, mean, variance);
      for (let j = 0; j < m; j++) out[j] = logExpectedImprovement(mean[j]!, Math.sqrt(variance[j]!), best);
    },
    valueWithGradient: (x, grad) => logExpectedImprovementAt(gp, x, best, ws, grad),
  };
}
