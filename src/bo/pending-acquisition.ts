/**
 * Log expected improvement averaged over fantasies of the pending outcomes: the
 * part of q-EI that a new point x adds to points already being evaluated
 * (BoTorch's qLogExpectedImprovement with X_pending, here in closed form per fantasy).
 *
 * | symbol  | meaning                                                            | shape  | space |
 * |---------|--------------------------------------------------------------------|--------|-------|
 * | X       | observed inputs (the first n rows of the believer)                 | (n, d) | xUnit |
 * | P       | pending points: the last p rows of the believer                    | (p, d) | xUnit |
 * | N       | n + p                                                              |        |       |
 * | L       | believer's factor of K(X∪P) + σ_n² I = [[L₁₁, 0], [L₂₁, L₂₂]]      | (N, N) |       |
 * | μ_b, s² | believer posterior: the GP given (X, y) and (P, μ(P)); μ_b = μ     |        | yStd  |
 * | ζ_k     | fixed base samples, N(0, I), k = 1..K                              | (K, p) |       |
 * | yP_k    | fantasy outcomes μ(P) + L₂₂ ζ_k ~ N(μ(P), Σ_P + σ_n² I)            | (K, p) | yStd  |
 * | α_k     | L⁻ᵀ [0; ζ_k]                                                       | (K, N) |       |
 * | μ_k     | μ_b(x) + k*(x)ᵀ α_k, the mean given (P, yP_k)                      |        | yStd  |
 * | best_k  | max(best, max_j yP_k,j)                                            |        | yStd  |
 *
 *   a(x) = log (1/K) Σ_k EI(μ_k(x), s(x); best_k).
 *
 * Why this is q-EI's marginal: E[max(f(x), yP, best)] − E[max(yP, best)], the
 * gain from adding x to the pending batch, equals by the tower rule
 * E_yP[EI(x | yP; max(best, yP))]; the average over K fantasies is its Monte
 * Carlo estimate (Ginsbourger et al. 2010 section 5; Snoek et al. 2012 section
 * 3.3, "Practical Bayesian optimization", integrate over pending outcomes).
 *
 * Why one model serves every fantasy: L₂₂L₂₂ᵀ = Σ_P + σ_n² I is the Schur
 * complement of the extended matrix, so yP_k has the predictive law at P.
 * Conditioning on (P, yP_k) instead of (P, μ(P)) leaves L and s²(x) as they are
 * (they depend on inputs only) and moves the weights by
 *   (K + σ_n² I)⁻¹ [0; yP_k − μ(P)] = L⁻ᵀ L⁻¹ [0; L₂₂ ζ_k] = L⁻ᵀ [0; ζ_k] = α_k,
 * because L [0; ζ] = [0; L₂₂ ζ]. Per point the extra cost over log EI is K dot
 * products of length N, and K more for each gradient coordinate:
 *   ∂a/∂x_j = Σ_k w_k [∂logEI_k/∂μ · (∂μ_b/∂x_j + Σ_i ∂k*_i/∂x_j α_k,i)
 *                      + ∂logEI_k/∂s · ∂s²/∂x_j / (2s)],
 *   w_k = EI_k / Σ_k' EI_k' (softmax of the log EI values).
 * log-mean-exp is taken about the largest term, so a(x) is finite whenever one
 * log EI_k is.
 */

import { logExpectedImprovementWithGradient, type Acquisition } from './acquisition.js';
import { solveLowerTransposeInPlace } from './cholesky.js';
import { InvariantError } from './errors.js';
import { posteriorMeanFromCross, posteriorVarianceFromCross, posteriorWithGradient, posteriorWorkspace, type GaussianProcess } from './gp.js';
import { crossKernel } from './kernel.js';
import type { Rng } from './rng.js';

/** K×p i.i.d. N(0, 1) base samples ζ, row k = fantasy k (row-major, shape (K, p)). */
export function fantasyBaseSamples(fantasies: number, p: number, rng: Rng): Float64Array {
  const zeta = new Float64Array(fantasies * p);
  for (let i = 0; i < zeta.length; i++) zeta[i] = rng.normal();
  return zeta;
}

/**
 * α_k (K, N) and best_k (K) of the module doc, for the believer's last p rows.
 * O(K·(p² + N²)).
 */
function fantasyShifts(believer: GaussianProcess, p: number, best: number, zeta: Float64Array, K: number): { alphas: Float64Array; bests: Float64Array } {
  const { n: N, L } = believer;
  const n = N - p;
  const alphas = new Float64Array(K * N);
  const bests = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const a = alphas.subarray(k * N, k * N + N);
    let top = best;
    for (let j = 0; j < p; j++) {
      a[n + j] = zeta[k * p + j]!;
      // yP_k,j = μ(P_j) + (L₂₂ ζ_k)_j
      let shift = 0;
      for (let q = 0; q <= j; q++) shift += L[(n + j) * N + n + q]! * zeta[k * p + q]!;
      top = Math.max(top, believer.y[n + j]! + shift);
    }
    solveLowerTransposeInPlace(L, N, a);
    bests[k] = top;
  }
  return { alphas, bests };
}

/**
 * log((1/K) Σ_k exp(v_k)) of v = values[0..K), taken about the largest term; the
 * softmax weights exp(v_k)/Σ exp(v) are written over values (untouched when no v_k is finite).
 */
function logMeanExpToWeights(values: Float64Array, K: number): number {
  let top = -Infinity;
  for (let k = 0; k < K; k++) if (values[k]! > top) top = values[k]!;
  if (!Number.isFinite(top)) return top;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const e = Math.exp(values[k]! - top);
    values[k] = e;
    sum += e;
  }
  for (let k = 0; k < K; k++) values[k] = values[k]! / sum;
  return top + Math.log(sum / K);
}

/**
 * The fantasy-averaged log EI of the module doc, as an Acquisition (acquisition.ts).
 *
 * @param believer  GP whose last p rows are the pending points with their believer
 *                  values μ(P) (engine.ts appends them with appendObservations).
 * @param p         number of pending rows, 1 ≤ p ≤ believer.n.
 * @param best      incumbent, largest standardized observation (yStd).
 * @param zeta      base samples ζ, shape (K, p) row-major; fixed so that a(x) is deterministic.
 * @param K         number of fantasies, ≥ 1.
 */
export function fantasyLogEi(believer: GaussianProcess, p: number, best: number, zeta: Float64Array, K: number): Acquisition {
  const { n: N, d, kernel } = believer;
  if (!(p >= 1 && p <= N)) throw new InvariantError(`fantasyLogEi: p = ${p} pending rows, the model has ${N}`);
  if (!(K >= 1) || zeta.length !== K * p) throw new InvariantError(`fantasyLogEi: zeta must have K·p = ${K * p} entries, got ${zeta.length}`);
  const { alphas, bests } = fantasyShifts(believer, p, best, zeta, K);

  const logEi = new Float64Array(K);
  const gMean = new Float64Array(K);
  const gStd = new Float64Array(K);
  const grad2 = new Float64Array(2);
  const ws = posteriorWorkspace(believer);

  const logMeanExp = () => logMeanExpToWeights(logEi, K);

  return {
    values(Z, m, out, mean, variance) {
      const V = crossKernel(kernel, believer.X, N, Z, m); // (N, m), shared by μ_b, the fantasies and s²
      posteriorMeanFromCross(believer, V, m, mean);
      const mu = new Float64Array(K * m); // μ_k(z_j) at k·m + j
      // Same sums as μ_b(z_j) + Σ_i V_ij α_k,i term by term, with the rows of V read contiguously.
      for (let k = 0; k < K; k++) {
        const o = k * m;
        const a = alphas.subarray(k * N, k * N + N);
        mu.set(mean.subarray(0, m), o);
        for (let i = 0; i < N; i++) {
          const ai = a[i]!;
          const r = i * m;
          for (let j = 0; j < m; j++) mu[o + j] = mu[o + j]! + V[r + j]! * ai;
        }
      }
      posteriorVarianceFromCross(believer, V, m, variance);
      for (let j = 0; j < m; j++) {
        const s = Math.sqrt(variance[j]!);
        for (let k = 0; k < K; k++) logEi[k] = logExpectedImprovementWithGradient(mu[k * m + j]!, s, bests[k]!, grad2);
        out[j] = logMeanExp();
      }
    },
    valueWithGradient(x, grad) {
      posteriorWithGradient(believer, x, ws);
      const s = Math.sqrt(ws.variance);
      for (let k = 0; k < K; k++) {
        const o = k * N;
        let mu = ws.mean;
        for (let i = 0; i < N; i++) mu += ws.k[i]! * alphas[o + i]!;
        logEi[k] = logExpectedImprovementWithGradient(mu, s, bests[k]!, grad2);
        gMean[k] = grad2[0]!;
        gStd[k] = grad2[1]!;
      }
      const value = logMeanExp();
      if (!Number.isFinite(value)) {
        grad.fill(0);
        return value;
      }
      // Σ_k w_k ∂logEI_k/∂μ multiplies ∂μ_b; the fantasy shifts add Σ_k w_k gMean_k Σ_i ∂k*_i α_k,i.
      let wMean = 0;
      let wStd = 0;
      for (let k = 0; k < K; k++) {
        wMean += logEi[k]! * gMean[k]!;
        wStd += logEi[k]! * gStd[k]!;
      }
      const dS = wStd / (2 * s);
      for (let j = 0; j < d; j++) grad[j] = wMean * ws.dMean[j]! + dS * ws.dVariance[j]!;
      for (let i = 0; i < N; i++) {
        let c = 0;
        for (let k = 0; k < K; k++) c += logEi[k]! * gMean[k]! * alphas[k * N + i]!;
        if (c === 0) continue;
        const o = i * d;
        for (let j = 0; j < d; j++) grad[j] = grad[j]! + c * ws.dk[o + j]!;
      }
      return value;
    },
  };
}
