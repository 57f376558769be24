/**
 * A Gaussian process conditioned on data with fixed hyperparameters: the
 * Cholesky factor, the weights α, and the posterior of the latent f.
 *
 * | symbol | meaning                                                    | shape  | space |
 * |--------|------------------------------------------------------------|--------|-------|
 * | X      | observed inputs, row-major                                 | (n, d) | xUnit (encoded) |
 * | y      | observed values, standardized                              | (n)    | yStd  |
 * | c      | constant prior mean                                        |        | yStd  |
 * | K      | k(X, X), Matérn-5/2 ARD (kernel.ts)                        | (n, n) |       |
 * | σ_n²   | noise variance; jitter (if any) is added to it             |        |       |
 * | L      | lower Cholesky factor of K + σ_n² I                        | (n, n) |       |
 * | α      | (K + σ_n² I)⁻¹ (y − c)                                     | (n)    |       |
 * | k*     | k(X, x*) for a test point x*                               | (n)    |       |
 *
 * Posterior of the latent f at x* (Rasmussen & Williams 2006, eq. 2.25–2.26):
 *   μ(x*) = c + k*ᵀ α,   s²(x*) = σ² − k*ᵀ (K + σ_n² I)⁻¹ k* = σ² − ‖L⁻¹k*‖².
 * The observation noise is not added: expected improvement is taken over f.
 * Sign convention: none here; the acquisition maximizes (acquisition.ts).
 */

import {
  choleskyInPlace, choleskyWithJitter, choleskySolveInPlace, solveLowerInPlace, solveLowerMatrixInPlace, solveLowerTransposeInPlace,
} from './cholesky.js';
import { crossKernel, kernelMatrixLowerRows, kernelVectorWithGradient, matern52, type Matern52 } from './kernel.js';
import { InvariantError } from './errors.js';

/**
 * The GP's hyperparameters, each in the space the optimizer works in.
 * Packed order used by likelihood.ts / fit.ts: [logLengthscales (d), logSignalVariance, logNoiseVariance, mean].
 */
export interface Hyperparameters {
  /** log ℓ_j, shape (d). */
  logLengthscales: Float64Array;
  /** log σ². */
  logSignalVariance: number;
  /** log σ_n². */
  logNoiseVariance: number;
  /** Constant prior mean c (yStd). */
  mean: number;
}

/** θ = [log ℓ_1..log ℓ_d, log σ², log σ_n², c], shape (d + 3): the layout likelihood.ts and fit.ts optimize over. */
export function packHyperparameters(h: Hyperparameters, out?: Float64Array): Float64Array {
  const d = h.logLengthscales.length;
  const theta = out ?? new Float64Array(d + 3);
  theta.set(h.logLengthscales);
  theta[d] = h.logSignalVariance;
  theta[d + 1] = h.logNoiseVariance;
  theta[d + 2] = h.mean;
  return theta;
}

/** Inverse of packHyperparameters for d = θ.length − 3; copies. */
export function unpackHyperparameters(theta: Float64Array): Hyperparameters {
  const d = theta.length - 3;
  return { logLengthscales: theta.slice(0, d), logSignalVariance: theta[d]!, logNoiseVariance: theta[d + 1]!, mean: theta[d + 2]! };
}

export interface GaussianProcess {
  readonly n: number;
  readonly d: number;
  /** (n, d) row-major, owned by the model (a copy of the input). */
  readonly X: Float64Array;
  /** (n). */
  readonly y: Float64Array;
  readonly isCategorical: Uint8Array;
  readonly hyperparameters: Hyperparameters;
  readonly kernel: Matern52;
  /** σ_n² + jitter actually on the diagonal. */
  readonly noiseVariance: number;
  /** Jitter added beyond σ_n² to factor K + σ_n² I (0 normally). */
  readonly jitter: number;
  /** (n, n) lower Cholesky factor of K + (σ_n² + jitter) I. */
  readonly L: Float64Array;
  /** (n). */
  readonly alpha: Float64Array;
}

/**
 * NOTE: BoTorch clamps the posterior variance at 1e-12 before taking the square
 * root in its analytic acquisition functions; we do the same in the model so
 * every consumer sees s² ≥ 1e-12 (σ² ≈ 1 after standardization).
 */
export const VARIANCE_FLOOR = 1e-12;

function alphaFrom(L: Float64Array, n: number, y: Float64Array, c: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = y[i]! - c;
  return choleskySolveInPlace(L, n, a);
}

/**
 * Condition a GP with hyperparameters `hyper` on (X, y). O(n³) for the factor.
 * @param X  (n, d) row-major, xUnit; copied.
 * @param y  (n), yStd; copied.
 * @param earlier  a GP from an earlier call (same kernel hyperparameters, its X a
 *   prefix of this X): its factor rows are reused (reusableRows), and only the new
 *   rows cost, O((n − m) n²). The result is bit for bit the one without it.
 * @throws NotPositiveDefiniteError (cholesky.ts) if even the largest jitter fails.
 */
export function gaussianProcess(X: Float64Array, y: Float64Array, isCategorical: Uint8Array, hyper: Hyperparameters, earlier?: GaussianProcess): GaussianProcess {
  const d = hyper.logLengthscales.length;
  const n = y.length;
  if (X.length !== n * d) throw new InvariantError(`gaussianProcess: X has ${X.length} entries, expected n·d = ${n * d}`);
  const kernel = matern52(hyper.logLengthscales, hyper.logSignalVariance, isCategorical);
  const Xc = X.slice();
  const noise = Math.exp(hyper.logNoiseVariance);
  const yc = y.slice();
  const model = (L: Float64Array, jitter: number): GaussianProcess => ({
    n, d, X: Xc, y: yc, isCategorical, hyperparameters: hyper, kernel,
    noiseVariance: noise + jitter, jitter, L, alpha: alphaFrom(L, n, yc, hyper.mean),
  });
  const m = earlier ? reusableRows(earlier, Xc, n, isCategorical, hyper) : 0;
  if (m > 0) {
    const L = new Float64Array(n * n);
    for (let i = 0; i < m; i++) L.set(earlier!.L.subarray(i * earlier!.n, i * earlier!.n + i + 1), i * n);
    kernelMatrixLowerRows(kernel, Xc, n, m, noise, L);
    // A pivot that fails here fails at the same row of a full factorization, which then
    // retries with jitter: fall through to exactly that.
    if (choleskyInPlace(L, n, m)) return model(L, 0);
  }
  // The factorization reads only the lower triangle.
  const K = new Float64Array(n * n);
  kernelMatrixLowerRows(kernel, Xc, n, 0, noise, K);
  const { L, jitter } = choleskyWithJitter(K, n, {}, K);
  return model(L, jitter);
}

/**
 * How many leading rows of `earlier`'s factor a factorization of k(X, X) + σ_n² I
 * with `hyper` can take over unchanged: the common prefix of the two X, rounded
 * down to a multiple of 4 (choleskyInPlace's blocks), provided the kernel and the
 * noise are the same and `earlier` needed no jitter. 0 when nothing can be reused.
 */
export function reusableRows(earlier: GaussianProcess, X: Float64Array, n: number, isCategorical: Uint8Array, hyper: Hyperparameters): number {
  const d = hyper.logLengthscales.length;
  const h = earlier.hyperparameters;
  if (earlier.d !== d || earlier.jitter !== 0) return 0;
  if (h.logSignalVariance !== hyper.logSignalVariance || h.logNoiseVariance !== hyper.logNoiseVariance) return 0;
  for (let j = 0; j < d; j++) {
    if (h.logLengthscales[j] !== hyper.logLengthscales[j] || earlier.isCategorical[j] !== isCategorical[j]) return 0;
  }
  const limit = Math.min(n, earlier.n);
  let common = 0;
  while (common < limit && rowEquals(earlier.X, X, common, d)) common++;
  return common - (common % 4);
}

function rowEquals(A: Float64Array, B: Float64Array, i: number, d: number): boolean {
  for (let j = i * d; j < i * d + d; j++) if (A[j] !== B[j]) return false;
  return true;
}

/**
 * Batched posterior at m test points: mean[j] = μ(z_j), variance[j] = max(s²(z_j), VARIANCE_FLOOR).
 * O(n² m) time, O(n m) memory.
 * @param Z  (m, d) row-major, xUnit.
 * @param mean, variance  out, shape (m).
 */
export function posterior(gp: GaussianProcess, Z: Float64Array, m: number, mean: Float64Array, variance: Float64Array): void {
  const V = crossKernel(gp.kernel, gp.X, gp.n, Z, m); // (n, m): column j is k(X, z_j)
  posteriorMeanFromCross(gp, V, m, mean);
  posteriorVarianceFromCross(gp, V, m, variance);
}

/** Step 1 of posterior: mean[j] = c + Σ_i V_ij α_i for V = k(X, Z), shape (n, m); V is left as is. */
export function posteriorMeanFromCross(gp: GaussianProcess, V: Float64Array, m: number, mean: Float64Array): void {
  const { n, alpha } = gp;
  const c = gp.hyperparameters.mean;
  for (let j = 0; j < m; j++) mean[j] = c;
  for (let i = 0; i < n; i++) {
    const ai = alpha[i]!;
    const o = i * m;
    for (let j = 0; j < m; j++) mean[j] = mean[j]! + V[o + j]! * ai;
  }
}

/** Step 2 of posterior: variance[j] = max(σ² − ‖L⁻¹ V_:j‖², VARIANCE_FLOOR); overwrites V with L⁻¹V. */
export function posteriorVarianceFromCross(gp: GaussianProcess, V: Float64Array, m: number, variance: Float64Array): void {
  const { n, L, kernel } = gp;
  solveLowerMatrixInPlace(L, n, V, m);
  for (let j = 0; j < m; j++) variance[j] = kernel.signalVariance;
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let j = 0; j < m; j++) {
      const v = V[o + j]!;
      variance[j] = variance[j]! - v * v;
    }
  }
  for (let j = 0; j < m; j++) if (!(variance[j]! >= VARIANCE_FLOOR)) variance[j] = VARIANCE_FLOOR;
}

/** Buffers for posteriorWithGradient, sized for one model; results land in it too. */
export interface PosteriorWorkspace {
  /** μ(x) after a call. */
  mean: number;
  /** max(s²(x), VARIANCE_FLOOR) after a call. */
  variance: number;
  /** ∂μ/∂x_j, shape (d); 0 on categorical dims. */
  readonly dMean: Float64Array;
  /** ∂s²/∂x_j, shape (d); 0 on categorical dims and when the floor is active. */
  readonly dVariance: Float64Array;
  readonly k: Float64Array;
  readonly v: Float64Array;
  readonly dk: Float64Array;
}

export function posteriorWorkspace(gp: GaussianProcess): PosteriorWorkspace {
  return {
    mean: 0, variance: 0, dMean: new Float64Array(gp.d), dVariance: new Float64Array(gp.d),
    k: new Float64Array(gp.n), v: new Float64Array(gp.n), dk: new Float64Array(gp.n * gp.d),
  };
}

/**
 * Posterior at one point x (shape (d), xUnit) with gradients w.r.t. x:
 *   ∂μ/∂x_j = Σ_i ∂k*_i/∂x_j · α_i,   ∂s²/∂x_j = −2 Σ_i ∂k*_i/∂x_j · [(K + σ_n²I)⁻¹k*]_i.
 * O(n² + n d), no allocation. Results in ws.mean, ws.variance, ws.dMean, ws.dVariance.
 */
export function posteriorWithGradient(gp: GaussianProcess, x: Float64Array, ws: PosteriorWorkspace): void {
  const { n, d, alpha, L, kernel } = gp;
  const { k, v, dk, dMean, dVariance } = ws;
  kernelVectorWithGradient(kernel, x, gp.X, n, k, dk);
  let mu = gp.hyperparameters.mean;
  for (let i = 0; i < n; i++) mu += k[i]! * alpha[i]!;
  v.set(k);
  solveLowerInPlace(L, n, v);
  let s2 = kernel.signalVariance;
  for (let i = 0; i < n; i++) s2 -= v[i]! * v[i]!;
  solveLowerTransposeInPlace(L, n, v); // v = (K + σ_n² I)⁻¹ k*
  dMean.fill(0);
  dVariance.fill(0);
  const floored = !(s2 >= VARIANCE_FLOOR);
  for (let i = 0; i < n; i++) {
    const ai = alpha[i]!;
    const wi = -2 * v[i]!;
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const g = dk[o + j]!;
      dMean[j] = dMean[j]! + g * ai;
      dVariance[j] = dVariance[j]! + g * wi;
    }
  }
  if (floored) dVariance.fill(0);
  ws.mean = mu;
  ws.variance = floored ? VARIANCE_FLOOR : s2;
}

/**
 * The same GP conditioned additionally on (Xnew, ynew), hyperparameters unchanged
 * (e.g. kriging believer: ynew = μ(Xnew) for pending trials). The factor is
 * extended row by row: for a new point x with k = k(X, x),
 *   l = L⁻¹ k,   l_nn = √(σ² + σ_n² − lᵀl),   L' = [[L, 0], [lᵀ, l_nn]],
 * O(n²) per appended point plus O(N²) for the new α and the copy into the larger layout.
 * @param Xnew  (k, d) row-major, xUnit.   @param ynew  (k), yStd.
 */
export function appendObservations(gp: GaussianProcess, Xnew: Float64Array, ynew: Float64Array): GaussianProcess {
  const { n, d, kernel } = gp;
  const add = ynew.length;
  if (Xnew.length !== add * d) throw new InvariantError('appendObservations: Xnew must have ynew.length rows of d columns');
  const N = n + add;
  const X = new Float64Array(N * d);
  X.set(gp.X);
  X.set(Xnew, n * d);
  const y = new Float64Array(N);
  y.set(gp.y);
  y.set(ynew, n);
  const L = new Float64Array(N * N);
  for (let i = 0; i < n; i++) L.set(gp.L.subarray(i * n, i * n + i + 1), i * N);
  const kcol = new Float64Array(N);
  const diag = kernel.signalVariance + gp.noiseVariance;
  for (let t = 0; t < add; t++) {
    const p = n + t; // current size; new row index
    kernelVectorWithGradient(kernel, X.subarray(p * d, p * d + d), X, p, kcol);
    // Forward solve with row stride N over the leading p×p block.
    const row = p * N;
    let ss = 0;
    for (let i = 0; i < p; i++) {
      const ri = i * N;
      let s = kcol[i]!;
      for (let q = 0; q < i; q++) s -= L[ri + q]! * L[row + q]!;
      const li = s / L[ri + i]!;
      L[row + i] = li;
      ss += li * li;
    }
    const pivot = diag - ss;
    // NOTE: σ_n² ≥ 1e-4 (prior.ts bounds) keeps the pivot ≥ σ_n² up to round-off even for a duplicate point.
    L[row + p] = Math.sqrt(Math.max(pivot, VARIANCE_FLOOR * diag));
  }
  return {
    n: N, d, X, y, isCategorical: gp.isCategorical, hyperparameters: gp.hyperparameters, kernel,
    noiseVariance: gp.noiseVariance, jitter: gp.jitter, L, alpha: alphaFrom(L, N, y, gp.hyperparameters.mean),
  };
}
