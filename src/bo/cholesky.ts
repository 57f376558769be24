/**
 * Cholesky factorization and triangular solves on dense row-major Float64Array.
 *
 * | symbol | meaning                                             | shape  |
 * |--------|-----------------------------------------------------|--------|
 * | K      | symmetric positive (semi-)definite matrix           | (n, n) |
 * | L      | lower-triangular factor, K + jitter·I = L·Lᵀ        | (n, n) |
 * | b, x   | right-hand sides / solutions, one vector            | (n)    |
 * | B, X   | m right-hand sides stored as columns, row-major     | (n, m) |
 *
 * Element (i, j) of an n×n matrix lives at index i·n + j. Factors keep only
 * their lower triangle; the strict upper triangle is zeroed.
 *
 * NOTE: hand-written loops over one Float64Array instead of ml-matrix's
 * CholeskyDecomposition (1000×1000: 0.22 s against 0.57 s; decision 0014). The
 * row-oriented (Cholesky–Banachiewicz) order makes the inner product run over two
 * contiguous rows.
 */

import { InvariantError, NumericalError } from './errors.js';

/** The matrix stayed indefinite even with the largest jitter we allow. */
export class NotPositiveDefiniteError extends NumericalError {
  readonly code = 'BO_NOT_POSITIVE_DEFINITE';
  constructor(
    message: string,
    /** The last jitter tried (added to the diagonal). */
    readonly jitter: number,
  ) {
    super(message);
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * In place: overwrite the lower triangle of a (n×n, row-major) with L such that
 * a = L·Lᵀ, zeroing the strict upper triangle. Reads only the lower triangle.
 * @param start  rows below it already hold the factor (a multiple of 4, default 0):
 *   the rows from `start` on are then computed exactly as a full factorization
 *   would compute them, bit for bit, because rows are processed in aligned blocks
 *   of four and each block reads only the final rows above it.
 * @returns false (a partially overwritten) when a pivot is not positive and finite.
 */
export function choleskyInPlace(a: Float64Array, n: number, start = 0): boolean {
  if (start % 4 !== 0 || start < 0 || start > n) throw new InvariantError(`choleskyInPlace: start must be a multiple of 4 in [0, n], got ${start}`);
  // NOTE: rows are processed four at a time so each earlier row j of L is
  // loaded once for four dot products (half the loads per multiply-add);
  // 1000×1000: 173 ms → 105 ms CPU, and likewise in inverseFromCholesky (decision 0014).
  for (let i = start; i < n; i += 4) {
    const R = Math.min(4, n - i);
    if (R === 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let j = 0; j < i; j++) {
        const rj = j * n;
        let p0 = 0;
        let p1 = 0;
        let p2 = 0;
        let p3 = 0;
        for (let k = 0; k < j; k++) {
          const l = a[rj + k]!;
          p0 += a[r0 + k]! * l;
          p1 += a[r1 + k]! * l;
          p2 += a[r2 + k]! * l;
          p3 += a[r3 + k]! * l;
        }
        const inv = 1 / a[rj + j]!;
        a[r0 + j] = (a[r0 + j]! - p0) * inv;
        a[r1 + j] = (a[r1 + j]! - p1) * inv;
        a[r2 + j] = (a[r2 + j]! - p2) * inv;
        a[r3 + j] = (a[r3 + j]! - p3) * inv;
      }
    } else {
      for (let r = 0; r < R; r++) {
        const ri = (i + r) * n;
        for (let j = 0; j < i; j++) a[ri + j] = (a[ri + j]! - dot(a, ri, a, j * n, j)) / a[j * n + j]!;
      }
    }
    // The R×R diagonal block, row by row.
    for (let r = 0; r < R; r++) {
      const ii = i + r;
      const ri = ii * n;
      for (let j = i; j <= ii; j++) {
        const rj = j * n;
        const s = a[ri + j]! - dot(a, ri, a, rj, j);
        if (j < ii) {
          a[ri + j] = s / a[rj + j]!;
        } else {
          if (!(s > 0) || !Number.isFinite(s)) return false;
          a[ri + ii] = Math.sqrt(s);
        }
      }
      for (let j = ii + 1; j < n; j++) a[ri + j] = 0;
    }
  }
  return true;
}

/**
 * Σ_{k<len} x[ox + k]·y[oy + k] with four independent accumulators.
 * NOTE: V8 does not vectorize; splitting the sum lets the CPU overlap the
 * multiply-adds, measured faster on a 1000×1000 Cholesky (decision 0014).
 */
function dot(x: Float64Array, ox: number, y: Float64Array, oy: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += x[ox + k]! * y[oy + k]!;
    s1 += x[ox + k + 1]! * y[oy + k + 1]!;
    s2 += x[ox + k + 2]! * y[oy + k + 2]!;
    s3 += x[ox + k + 3]! * y[oy + k + 3]!;
  }
  for (; k < len; k++) s0 += x[ox + k]! * y[oy + k]!;
  return s0 + s1 + (s2 + s3);
}

export interface CholeskyOptions {
  /** First non-zero jitter as a multiple of mean(diag K). Default 1e-8. */
  relativeJitter?: number;
  /** Number of ×10 increases after the first jitter. Default 5 (up to 1e-3·mean diag). */
  maxIncreases?: number;
}

export interface CholeskyFactor {
  /** L, (n×n) row-major lower triangular, with K + jitter·I = L·Lᵀ. */
  L: Float64Array;
  /** The jitter added to the diagonal (0 when K factored as is). */
  jitter: number;
}

/**
 * L with K + jitter·I = L·Lᵀ; tries jitter 0, then 1e-8·mean(diag K), ×10 each
 * time (GPyTorch's psd_safe_cholesky does the same with an absolute start).
 * K is not modified unless `out` is K itself (then L overwrites it in place).
 * @throws NotPositiveDefiniteError when the last jitter fails too.
 */
export function choleskyWithJitter(K: Float64Array, n: number, options: CholeskyOptions = {}, out?: Float64Array): CholeskyFactor {
  const L = out ?? new Float64Array(n * n);
  if (L !== K) L.set(K.subarray(0, n * n));
  // Factoring in place (out === K) destroys K; keep a copy only for that case (O(n²) ≪ O(n³)).
  let source = K;
  if (L === K) source = K.slice(0, n * n);
  if (choleskyInPlace(L, n)) return { L, jitter: 0 };
  K = source;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += K[i * n + i]!;
  meanDiag = n > 0 ? meanDiag / n : 0;
  if (!(meanDiag > 0) || !Number.isFinite(meanDiag)) meanDiag = 1;
  let jitter = (options.relativeJitter ?? 1e-8) * meanDiag;
  const tries = (options.maxIncreases ?? 5) + 1;
  for (let t = 0; t < tries; t++, jitter *= 10) {
    L.set(K.subarray(0, n * n));
    for (let i = 0; i < n; i++) L[i * n + i] = L[i * n + i]! + jitter;
    if (choleskyInPlace(L, n)) return { L, jitter };
  }
  throw new NotPositiveDefiniteError(`matrix of size ${n} is not positive definite even with jitter ${jitter / 10}`, jitter / 10);
}

/** x = L⁻¹·b (forward substitution), in place on b (length n). O(n²). */
export function solveLowerInPlace(L: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    b[i] = (b[i]! - dot(L, ri, b, 0, i)) / L[ri + i]!;
  }
  return b;
}

/** x = L⁻ᵀ·b (back substitution with the transpose), in place on b. O(n²), row-contiguous access. */
export function solveLowerTransposeInPlace(L: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = b[i]! / L[ri + i]!;
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k] = b[k]! - L[ri + k]! * xi;
  }
  return b;
}

/** x = K⁻¹·b = L⁻ᵀ L⁻¹ b, in place on b. O(n²). */
export function choleskySolveInPlace(L: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveLowerTransposeInPlace(L, n, solveLowerInPlace(L, n, b));
}

/**
 * X = L⁻¹·B for m right-hand sides stored as the columns of B (n×m row-major),
 * in place. O(n²·m); the inner loop runs along a row of B.
 */
export function solveLowerMatrixInPlace(L: Float64Array, n: number, B: Float64Array, m: number): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const bi = i * m;
    for (let k = 0; k < i; k++) {
      const lik = L[ri + k]!;
      if (lik === 0) continue;
      const bk = k * m;
      for (let c = 0; c < m; c++) B[bi + c] = B[bi + c]! - lik * B[bk + c]!;
    }
    const inv = 1 / L[ri + i]!;
    for (let c = 0; c < m; c++) B[bi + c] = B[bi + c]! * inv;
  }
  return B;
}

/** log det(L·Lᵀ) = 2 Σ_i log L_ii. */
export function logDetFromCholesky(L: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(L[i * n + i]!);
  return 2 * s;
}

/**
 * K⁻¹ = L⁻ᵀ·L⁻¹ from the factor, as a full symmetric n×n row-major matrix.
 * O(n³): n³/6 multiply-adds for U = L⁻ᵀ and n³/6 for the product, both as
 * dot products of contiguous rows, four rows at a time (as in choleskyInPlace):
 *   row a of U solves L·u = e_a:  u_i = −(Σ_{k=a}^{i−1} L_ik u_k) / L_ii,  u_a = 1/L_aa;
 *   (K⁻¹)_ab = Σ_{i ≥ a} U_ai U_bi  for b ≤ a.
 * Used by the marginal-likelihood gradient, tr(K⁻¹ ∂K/∂θ).
 * @param scratch  optional n² buffer for U (avoids an allocation per call).
 */
export function inverseFromCholesky(L: Float64Array, n: number, out?: Float64Array, scratch?: Float64Array): Float64Array {
  const U = scratch ?? new Float64Array(n * n);
  // Rows a0..a0+3 of U together: each row i of L is loaded once for four
  // solves. Entries U[a][k] for a0 ≤ k < a are zeroed so the four sums can
  // share the start k = a0.
  for (let a0 = 0; a0 < n; a0 += 4) {
    const R = Math.min(4, n - a0);
    const end = a0 + R;
    for (let a = a0; a < end; a++) {
      const ua = a * n;
      for (let k = a0; k < a; k++) U[ua + k] = 0;
      U[ua + a] = 1 / L[ua + a]!;
      for (let i = a + 1; i < end; i++) U[ua + i] = -dot(L, i * n + a, U, ua + a, i - a) / L[i * n + i]!;
    }
    if (R === 4) {
      const u0 = a0 * n;
      const u1 = u0 + n;
      const u2 = u1 + n;
      const u3 = u2 + n;
      for (let i = end; i < n; i++) {
        const ri = i * n;
        let p0 = 0;
        let p1 = 0;
        let p2 = 0;
        let p3 = 0;
        for (let k = a0; k < i; k++) {
          const l = L[ri + k]!;
          p0 += l * U[u0 + k]!;
          p1 += l * U[u1 + k]!;
          p2 += l * U[u2 + k]!;
          p3 += l * U[u3 + k]!;
        }
        const inv = -1 / L[ri + i]!;
        U[u0 + i] = p0 * inv;
        U[u1 + i] = p1 * inv;
        U[u2 + i] = p2 * inv;
        U[u3 + i] = p3 * inv;
      }
    } else {
      for (let a = a0; a < end; a++) {
        const ua = a * n;
        for (let i = end; i < n; i++) U[ua + i] = -dot(L, i * n + a, U, ua + a, i - a) / L[i * n + i]!;
      }
    }
  }
  const Kinv = out ?? new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    const ua = a * n;
    let b = 0;
    // Four columns b at once share the loads of row a of U.
    for (; b + 3 <= a; b += 4) {
      const u0 = b * n;
      const u1 = u0 + n;
      const u2 = u1 + n;
      const u3 = u2 + n;
      let p0 = 0;
      let p1 = 0;
      let p2 = 0;
      let p3 = 0;
      for (let i = a; i < n; i++) {
        const w = U[ua + i]!;
        p0 += w * U[u0 + i]!;
        p1 += w * U[u1 + i]!;
        p2 += w * U[u2 + i]!;
        p3 += w * U[u3 + i]!;
      }
      Kinv[ua + b] = p0;
      Kinv[ua + b + 1] = p1;
      Kinv[ua + b + 2] = p2;
      Kinv[ua + b + 3] = p3;
    }
    for (; b <= a; b++) Kinv[ua + b] = dot(U, ua + a, U, b * n + a, n - a);
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) Kinv[b * n + a] = Kinv[a * n + b]!;
  return Kinv;
}
