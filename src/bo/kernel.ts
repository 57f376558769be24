/**
 * Matérn-5/2 ARD kernel with a Hamming distance on categorical dimensions.
 *
 * | symbol | meaning                                                        | shape  |
 * |--------|----------------------------------------------------------------|--------|
 * | X      | n inputs, row-major, encoded space (continuous dims in [0, 1], | (n, d) |
 * |        | categorical dims hold the integer choice index)               |        |
 * | Z      | m other inputs, same encoding                                  | (m, d) |
 * | ℓ_j    | lengthscale of dimension j                                     | (d)    |
 * | σ²     | signal variance                                                |        |
 * | δ_j    | per-dim distance: (x_j − x'_j)² (continuous), [x_j ≠ x'_j] (categorical) | |
 * | r      | √(Σ_j δ_j / ℓ_j²)                                              |        |
 * | k(r)   | σ² (1 + √5 r + 5/3 r²) e^{−√5 r}                               |        |
 * | g(r)   | 5/3 σ² (1 + √5 r) e^{−√5 r}, so that ∂k/∂(r²) = −g/2           |        |
 *
 * Derivatives used elsewhere (all free of 1/r, so safe at r = 0):
 *   ∂k/∂log ℓ_j = g(r)·δ_j/ℓ_j²,   ∂k/∂log σ² = k,   ∂k/∂x_j = −g(r)·(x_j − x'_j)/ℓ_j² (continuous j).
 *
 * The Hamming term follows Optuna's optuna/_gp/gp.py: a categorical dimension
 * contributes 1/ℓ_j² to r² when the choices differ and 0 when they agree.
 */

import { InvariantError } from './errors.js';

const SQRT5 = Math.sqrt(5);

/** Kernel parameters in the form the loops want (no logs, no divisions). */
export interface Matern52 {
  /** d */
  readonly dim: number;
  /** 1/ℓ_j², shape (d). */
  readonly inverseSquaredLengthscales: Float64Array;
  /** σ². */
  readonly signalVariance: number;
  /** 1 where dimension j is categorical (Hamming), shape (d). */
  readonly isCategorical: Uint8Array;
}

/** The kernel with ℓ = exp(logLengthscales) (shape (d)) and σ² = exp(logSignalVariance). */
export function matern52(logLengthscales: Float64Array, logSignalVariance: number, isCategorical: Uint8Array): Matern52 {
  const d = logLengthscales.length;
  if (isCategorical.length !== d) throw new InvariantError('matern52: isCategorical must have one entry per dimension');
  const inv = new Float64Array(d);
  for (let j = 0; j < d; j++) inv[j] = Math.exp(-2 * logLengthscales[j]!);
  return { dim: d, inverseSquaredLengthscales: inv, signalVariance: Math.exp(logSignalVariance), isCategorical };
}

/** r² = Σ_j δ_j(a, b)/ℓ_j² between row ia of A and row ib of B (both with d columns). */
export function scaledSquaredDistance(kern: Matern52, A: Float64Array, ia: number, B: Float64Array, ib: number): number {
  const d = kern.dim;
  const inv = kern.inverseSquaredLengthscales;
  const cat = kern.isCategorical;
  const oa = ia * d;
  const ob = ib * d;
  let r2 = 0;
  for (let j = 0; j < d; j++) {
    const diff = A[oa + j]! - B[ob + j]!;
    r2 += cat[j] ? (diff !== 0 ? inv[j]! : 0) : diff * diff * inv[j]!;
  }
  return r2;
}

/** k as a function of r² (σ² included). */
export function maternFromSquaredDistance(kern: Matern52, r2: number): number {
  const r = Math.sqrt(r2);
  return kern.signalVariance * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * K_ij = k(x_i, x_j), the n×n kernel matrix of X (n×d row-major), without noise.
 * Symmetric by construction (each pair computed once). O(n² d).
 * @param out  optional n² buffer to fill.
 */
export function kernelMatrix(kern: Matern52, X: Float64Array, n: number, out?: Float64Array): Float64Array {
  const K = out ?? new Float64Array(n * n);
  kernelMatrixLowerRows(kern, X, n, 0, 0, K);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) K[j * n + i] = K[i * n + j]!;
  return K;
}

/**
 * Rows `from`..n−1 of K = k(X, X) + noise·I, lower triangle and diagonal only, into
 * the n×n row-major `out` (other entries untouched). Every entry of a kernel matrix
 * comes from here, so a factor extended row by row sees exactly the values a full
 * factorization does.
 */
export function kernelMatrixLowerRows(kern: Matern52, X: Float64Array, n: number, from: number, noise: number, out: Float64Array): void {
  const s2 = kern.signalVariance;
  for (let i = from; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const r2 = scaledSquaredDistance(kern, X, i, X, j);
      const r = Math.sqrt(r2);
      out[i * n + j] = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
    }
    out[i * n + i] = s2 + noise;
  }
}

/**
 * C_ij = k(x_i, z_j), the n×m cross-kernel between X (n×d) and Z (m×d), row-major. O(n m d).
 */
export function crossKernel(kern: Matern52, X: Float64Array, n: number, Z: Float64Array, m: number, out?: Float64Array): Float64Array {
  const C = out ?? new Float64Array(n * m);
  const s2 = kern.signalVariance;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const r2 = scaledSquaredDistance(kern, X, i, Z, j);
      const r = Math.sqrt(r2);
      C[i * m + j] = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
    }
  }
  return C;
}

/**
 * For one point x (shape (d)): k_i = k(x, x_i) for the n rows of X, and, when
 * dk is given, dk[i·d + j] = ∂k_i/∂x_j = −g(r_i)(x_j − x_ij)/ℓ_j² for continuous j
 * (0 for categorical j: the Hamming term is piecewise constant). O(n d), no allocation.
 * @param k   out, shape (n).
 * @param dk  out, shape (n, d) row-major, or undefined to skip the gradient.
 */
export function kernelVectorWithGradient(kern: Matern52, x: Float64Array, X: Float64Array, n: number, k: Float64Array, dk?: Float64Array): void {
  const d = kern.dim;
  const inv = kern.inverseSquaredLengthscales;
  const cat = kern.isCategorical;
  const s2 = kern.signalVariance;
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    let r2 = 0;
    for (let j = 0; j < d; j++) {
      const diff = x[j]! - X[oi + j]!;
      r2 += cat[j] ? (diff !== 0 ? inv[j]! : 0) : diff * diff * inv[j]!;
    }
    const r = Math.sqrt(r2);
    const e = Math.exp(-SQRT5 * r);
    k[i] = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * e;
    if (dk) {
      const g = (5 / 3) * s2 * (1 + SQRT5 * r) * e;
      for (let j = 0; j < d; j++) dk[oi + j] = cat[j] ? 0 : -g * (x[j]! - X[oi + j]!) * inv[j]!;
    }
  }
}

/**
 * Gradient of ½ Σ_ab W_ab K_ab (W symmetric n×n, e.g. ααᵀ − (K + σ_n²I)⁻¹) with
 * respect to the kernel's log hyperparameters:
 *   out[j] = ½ Σ_ab W_ab g(r_ab) δ_j(a, b)/ℓ_j²   for j < d  (log ℓ_j),
 *   out[d] = ½ Σ_ab W_ab K_ab                      (log σ²).
 * Uses symmetry: each off-diagonal pair once (the diagonal has δ = 0, K = σ²). O(n² d).
 * @param out  shape (d + 1).
 */
export function kernelHyperGradient(kern: Matern52, X: Float64Array, n: number, W: Float64Array, out: Float64Array): void {
  const d = kern.dim;
  const inv = kern.inverseSquaredLengthscales;
  const cat = kern.isCategorical;
  const s2 = kern.signalVariance;
  out.fill(0, 0, d + 1);
  let trWK = 0;
  for (let a = 0; a < n; a++) {
    const oa = a * d;
    trWK += W[a * n + a]! * s2;
    for (let b = 0; b < a; b++) {
      const ob = b * d;
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        const diff = X[oa + j]! - X[ob + j]!;
        r2 += cat[j] ? (diff !== 0 ? inv[j]! : 0) : diff * diff * inv[j]!;
      }
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const w = W[a * n + b]!; // pair (a, b) and (b, a): factor 2 cancels the ½
      trWK += 2 * w * s2 * (1 + SQRT5 * r + (5 / 3) * r2) * e;
      const wg = w * (5 / 3) * s2 * (1 + SQRT5 * r) * e;
      for (let j = 0; j < d; j++) {
        const diff = X[oa + j]! - X[ob + j]!;
        const delta = cat[j] ? (diff !== 0 ? 1 : 0) : diff * diff;
        out[j] = out[j]! + wg * delta;
      }
    }
  }
  for (let j = 0; j < d; j++) out[j] = out[j]! * inv[j]!;
  out[d] = 0.5 * trWK;
}
