/**
 * Log expected hypervolume improvement for two objectives, exact, by box decomposition
 * of the non-dominated region (Emmerich et al. 2006; Yang et al. 2019; the log-space
 * form after Daulton et al. 2020 and Ament et al. 2023), optionally weighted by the
 * probability of feasibility of outcome constraints.
 *
 * | symbol      | meaning                                                        | shape  | space |
 * |-------------|----------------------------------------------------------------|--------|-------|
 * | y = (y₁,y₂) | the two objectives at x, independent GPs, maximization         | (2)    | yStd  |
 * | μ_k, σ_k    | posterior mean and standard deviation of y_k at x              |        | yStd  |
 * | P           | the current front (observed, and believed for pending points)  | (p, 2) | yStd  |
 * | r           | reference point                                                 | (2)    | yStd  |
 * | C_c         | cell c = Π_k [l_ck, u_ck] of the region above r not dominated   | (p+1)  |       |
 * |             | by P; u_ck may be +∞                                            |        |       |
 * | h(z)        | φ(z) + zΦ(z) (acquisition.ts)                                   |        |       |
 *
 * HVI(y) = Σ_c vol(C_c ∩ [r, y]) = Σ_c Π_k (min(u_ck, y_k) − l_ck)⁺, since the cells are
 * disjoint and each lies above r. With independent y_k the expectation factorizes:
 *   EHVI = Σ_c Π_k g_ck,   g_ck = E[(min(u, y_k) − l)⁺] = σ_k [h((μ_k − l)/σ_k) − h((μ_k − u)/σ_k)],
 * and a(x) = log EHVI = logsumexp_c Σ_k log g_ck, with log g from logH and log1mexp, finite
 * for every finite input (log EHVI ≈ −z²/2 far below the front rather than log 0).
 * Gradients: ∂g/∂μ = Φ(z_l) − Φ(z_u), ∂g/∂σ = φ(z_l) − φ(z_u) (from h' = Φ, h − zΦ = φ).
 * NOTE: exact for two objectives; three or more go to ParEGO (multi-objective-engine.ts),
 * and log EHVI is the default for two because it beat ParEGO on every problem measured (decision 0035).
 */

import type { Acquisition } from './acquisition.js';
import { logH } from './acquisition.js';
import { logProbabilityBelow, type ConstraintModel } from './constrained-acquisition.js';
import { InvariantError } from './errors.js';
import { posterior, posteriorWithGradient, posteriorWorkspace, type GaussianProcess } from './gp.js';
import { log1mexp, logNormalCdf, logNormalPdf } from './normal.js';
import { nonDominatedIndices } from './pareto.js';

/** Cells of the non-dominated region: lower (c, 2), upper (c, 2) with +∞ allowed, row-major. */
export interface Cells2 {
  count: number;
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * The p + 1 cells of {z ≥ r} not dominated by the front (maximization), for the p
 * non-dominated points of `points` strictly above r sorted by y₁ ascending (a_j, b_j):
 *   cell j = [a_j, a_{j+1}] × [b_{j+1}, ∞),  a_0 = r₁, a_{p+1} = ∞, b_{p+1} = r₂.
 */
export function nonDominatedCells2(points: readonly ArrayLike<number>[], reference: ArrayLike<number>): Cells2 {
  if (reference.length !== 2) throw new InvariantError(`nonDominatedCells2: ${reference.length} objectives, expected 2`);
  const above = points.filter((p) => p[0]! > reference[0]! && p[1]! > reference[1]!);
  const unique = [...new Map(above.map((p) => [`${p[0]},${p[1]}`, [p[0]!, p[1]!]])).values()];
  const front = nonDominatedIndices(unique).map((i) => unique[i]!).sort((a, b) => a[0]! - b[0]!);
  const p = front.length;
  const lower = new Float64Array(2 * (p + 1));
  const upper = new Float64Array(2 * (p + 1));
  for (let j = 0; j <= p; j++) {
    lower[2 * j] = j === 0 ? reference[0]! : front[j - 1]![0]!;
    upper[2 * j] = j === p ? Infinity : front[j]![0]!;
    lower[2 * j + 1] = j === p ? reference[1]! : front[j]![1]!;
    upper[2 * j + 1] = Infinity;
  }
  return { count: p + 1, lower, upper };
}

/** Width (u − l)/σ below which g uses the midpoint rule w·σ·Φ(z̄) (error O(w²z̄²), far below ε·g). */
const NARROW = 1e-6;

/**
 * log g = log E[(min(u, y) − l)⁺] for y ~ N(μ, σ²), l < u ≤ ∞, and [∂/∂μ, ∂/∂σ] into grad when given.
 */
export function logClippedImprovement(mean: number, std: number, l: number, u: number, grad?: Float64Array): number {
  const zl = (mean - l) / std;
  if ((u - l) / std < NARROW) {
    const zm = (mean - (l + u) / 2) / std;
    const logCdf = logNormalCdf(zm);
    if (grad) {
      const r = Math.exp(logNormalPdf(zm) - logCdf);
      grad[0] = r / std;
      grad[1] = -zm * r / std;
    }
    return Math.log(u - l) + logCdf;
  }
  const logHl = logH(zl);
  let logG = logHl; // log(h(z_l) − h(z_u))
  const zu = (mean - u) / std; // −∞ when u = ∞
  if (u !== Infinity) logG += log1mexp(logH(zu) - logHl);
  if (grad) {
    const logCl = logNormalCdf(zl);
    const logDiffCdf = u === Infinity ? logCl : logCl + log1mexp(logNormalCdf(zu) - logCl);
    grad[0] = Math.exp(logDiffCdf - logG) / std;
    const pu = u === Infinity ? 0 : Math.exp(logNormalPdf(zu) - logG);
    grad[1] = (Math.exp(logNormalPdf(zl) - logG) - pu) / std;
  }
  return Math.log(std) + logG;
}

const cellGrad = new Float64Array(2);

/**
 * log EHVI at one point from the two posteriors, with [∂/∂μ₁, ∂/∂μ₂, ∂/∂σ₁, ∂/∂σ₂] into grad
 * when given (length ≥ 4). Finite for every finite input with σ > 0.
 */
export function logEhvi2(mean: ArrayLike<number>, std: ArrayLike<number>, cells: Cells2, grad?: Float64Array): number {
  const { count, lower, upper } = cells;
  const s = new Float64Array(count);
  const d = grad ? new Float64Array(4 * count) : undefined;
  let top = -Infinity;
  for (let c = 0; c < count; c++) {
    let v = 0;
    for (let k = 0; k < 2; k++) {
      v += logClippedImprovement(mean[k]!, std[k]!, lower[2 * c + k]!, upper[2 * c + k]!, d ? cellGrad : undefined);
      if (d) {
        d[4 * c + k] = cellGrad[0]!;
        d[4 * c + 2 + k] = cellGrad[1]!;
      }
    }
    s[c] = v;
    if (v > top) top = v;
  }
  let sum = 0;
  for (let c = 0; c < count; c++) sum += Math.exp(s[c]! - top);
  const value = top + Math.log(sum);
  if (grad && d) {
    grad.fill(0, 0, 4);
    for (let c = 0; c < count; c++) {
      const w = Math.exp(s[c]! - value);
      for (let q = 0; q < 4; q++) grad[q] = grad[q]! + w * d[4 * c + q]!;
    }
  }
  return value;
}

/**
 * a(x) = log EHVI(x) + Σ_k log Φ(z_k) as an Acquisition over the two objective GPs.
 * `values` reports the first objective's μ and s² (the optimizer's bookkeeping).
 */
export function logEhviAcquisition(objectives: readonly GaussianProcess[], cells: Cells2, constraints: readonly ConstraintModel[] = []): Acquisition {
  if (objectives.length !== 2) throw new InvariantError(`logEhviAcquisition: ${objectives.length} objectives, expected 2`);
  const [f1, f2] = objectives as [GaussianProcess, GaussianProcess];
  const d = f1.d;
  for (const gp of [f2, ...constraints.map((c) => c.gp)]) if (gp.d !== d) throw new InvariantError('logEhviAcquisition: GPs of different dimensions');
  const ws = [posteriorWorkspace(f1), posteriorWorkspace(f2)];
  const cws = constraints.map((c) => posteriorWorkspace(c.gp));
  const mean = new Float64Array(2);
  const std = new Float64Array(2);
  const g4 = new Float64Array(4);
  const g2 = new Float64Array(2);
  let buf = new Float64Array(0);
  return {
    values(Z, m, out, mu1, s21) {
      if (buf.length < 2 * m) buf = new Float64Array(2 * m);
      const mu2 = buf.subarray(0, m);
      const s22 = buf.subarray(m, 2 * m);
      posterior(f1, Z, m, mu1, s21);
      posterior(f2, Z, m, mu2, s22);
      for (let j = 0; j < m; j++) {
        mean[0] = mu1[j]!;
        mean[1] = mu2[j]!;
        std[0] = Math.sqrt(s21[j]!);
        std[1] = Math.sqrt(s22[j]!);
        out[j] = logEhvi2(mean, std, cells);
      }
      for (const c of constraints) {
        posterior(c.gp, Z, m, mu2, s22);
        for (let j = 0; j < m; j++) out[j] = out[j]! + logProbabilityBelow(mu2[j]!, Math.sqrt(s22[j]!), c.bound);
      }
    },
    valueWithGradient(x, grad) {
      for (let k = 0; k < 2; k++) {
        posteriorWithGradient(objectives[k]!, x, ws[k]!);
        mean[k] = ws[k]!.mean;
        std[k] = Math.sqrt(ws[k]!.variance);
      }
      let value = logEhvi2(mean, std, cells, g4);
      grad.fill(0, 0, d);
      for (let k = 0; k < 2; k++) {
        const gVar = g4[2 + k]! / (2 * std[k]!);
        for (let j = 0; j < d; j++) grad[j] = grad[j]! + g4[k]! * ws[k]!.dMean[j]! + gVar * ws[k]!.dVariance[j]!;
      }
      constraints.forEach((c, k) => {
        const w = cws[k]!;
        posteriorWithGradient(c.gp, x, w);
        const sd = Math.sqrt(w.variance);
        value += logProbabilityBelow(w.mean, sd, c.bound, g2);
        const gVar = g2[1]! / (2 * sd);
        for (let j = 0; j < d; j++) grad[j] = grad[j]! + g2[0]! * w.dMean[j]! + gVar * w.dVariance[j]!;
      });
      return value;
    },
  };
}
