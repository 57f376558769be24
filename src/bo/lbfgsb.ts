/**
 * Box-constrained limited-memory quasi-Newton minimization.
 *
 * | symbol | meaning                                         | shape |
 * |--------|-------------------------------------------------|-------|
 * | x      | iterate, always inside the box l ≤ x ≤ u         | (n)   |
 * | g      | ∇f(x)                                           | (n)   |
 * | P(·)   | projection onto the box, P(z)_i = min(u_i, max(l_i, z_i)) | |
 * | B      | binding set {i : x_i = l_i ∧ g_i > 0} ∪ {i : x_i = u_i ∧ g_i < 0} | |
 * | F      | free set, the complement of B                   |       |
 * | B_k    | L-BFGS Hessian approximation from m pairs, compact form | (n,n) |
 * | s, y   | x_{k+1} − x_k, g_{k+1} − g_k                     | (n)   |
 *
 * A projected quasi-Newton method with binding-set identification (Bertsekas
 * 1982, "Projected Newton methods for optimization problems with simple
 * constraints", SIAM J. Control Optim. 20(2); Kim, Sra & Dhillon 2010, SIAM J.
 * Sci. Comput. 32(6)). The direction is the reduced quasi-Newton step
 * d_F = −(B_k)_FF⁻¹ g_F, d_B = 0, computed with the same Woodbury formula
 * L-BFGS-B uses for its subspace minimization, but taken from x instead of
 * from the generalized Cauchy point; the step is a backtracking Armijo search
 * along the projection arc x(t) = P(x + t·d). (B_k)_FF is a principal
 * submatrix of a positive definite matrix (pairs with sᵀy ≤ ε·yᵀy are
 * skipped), so gᵀd < 0 whenever the projected gradient is non-zero and the
 * Armijo arc search converges (Bertsekas, Prop. 2).
 *
 * NOTE: not the full L-BFGS-B of Byrd, Lu, Nocedal & Zhu (1995): about a third of its
 * code, and 25 and 28 iterations on box-cut Rosenbrock where scipy's L-BFGS-B takes 13 and 22
 * (decision 0015).
 *
 * Non-finite f (NaN, ±Infinity) at a trial point is a failed trial: the step
 * shrinks by 10× and the gradient there is ignored. Iterates never leave the
 * box: every trial point is P(·) of something, and x0 is projected first.
 */

import { InvariantError } from './errors.js';

export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface MinimizeBoxOptions {
  /** Maximum number of accepted steps. Default 200 (Optuna's acquisition budget). */
  maxIterations?: number;
  /** Number of stored (s, y) pairs. Default 10 (scipy's L-BFGS-B default). */
  m?: number;
  /** Stop when ‖P(x − g) − x‖_∞ ≤ gradTolerance. Default 1e-5 (scipy's pgtol). */
  gradTolerance?: number;
  /**
   * Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ relTolerance.
   * Default 1e7·ε ≈ 2.2e-9 (scipy's factr = 1e7).
   */
  relTolerance?: number;
  /** Checked before every step; true ends the run at the best point so far (a deadline or a cancellation). */
  shouldStop?: () => boolean;
}

export interface MinimizeBoxResult {
  /** Best point found, inside the box. */
  x: Float64Array;
  /** f(x). */
  f: number;
  /** Accepted steps. */
  iterations: number;
  /** Calls of fg. */
  evaluations: number;
  /** True when a gradient or relative-decrease test stopped the run. */
  converged: boolean;
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 30;
const CURVATURE_EPS = 2.2e-16;

/** P(z): component-wise clamp of z into [lower, upper], written into out. */
function project(z: Float64Array, lower: Float64Array, upper: Float64Array, out: Float64Array): void {
  for (let i = 0; i < z.length; i++) {
    const v = z[i]!;
    const lo = lower[i]!;
    const hi = upper[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/** ‖P(x − g) − x‖_∞, the first-order stationarity measure on a box. */
function projectedGradientNorm(x: Float64Array, g: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    let z = x[i]! - g[i]!;
    if (z < lower[i]!) z = lower[i]!;
    else if (z > upper[i]!) z = upper[i]!;
    const a = Math.abs(z - x[i]!);
    if (a > norm) norm = a;
  }
  return norm;
}

/**
 * out_F = B_F⁻¹ g_F, the reduced quasi-Newton step on the free set F (0 elsewhere),
 * with B = θI − W·K_mid⁻¹·Wᵀ (compact L-BFGS, Byrd, Nocedal & Schnabel 1994,
 * "Representations of quasi-Newton matrices and their use in limited memory
 * methods", Math. Program. 63, eq. 3.5), W = [Y, θS], K_mid = [[−D, Lᵀ], [L, θSᵀS]],
 * D = diag(s_iᵀy_i), L_ab = s_aᵀy_b for a > b. By Sherman–Morrison–Woodbury
 * (as in L-BFGS-B's subspace step, Byrd et al. 1995, eq. 5.11):
 *   B_F⁻¹ r = r/θ + W_F (K_mid − W_FᵀW_F/θ)⁻¹ W_Fᵀ r / θ².
 * O(n k² + k³) for k stored pairs. Returns false if the 2k×2k solve breaks down.
 */
function reducedNewtonStep(
  n: number, g: Float64Array, free: Uint8Array, S: Float64Array[], Y: Float64Array[], head: number, k: number, m: number,
  gamma: number, mid: Float64Array, sy: Float64Array, ss: Float64Array, u: Float64Array, out: Float64Array,
): boolean {
  const theta = 1 / gamma;
  const k2 = 2 * k;
  for (let a = 0; a < k; a++) {
    const sa = S[(head + a) % m]!;
    for (let b = 0; b < k; b++) {
      const sb = S[(head + b) % m]!;
      const yb = Y[(head + b) % m]!;
      let v1 = 0;
      let v2 = 0;
      for (let i = 0; i < n; i++) {
        v1 += sa[i]! * yb[i]!;
        v2 += sa[i]! * sb[i]!;
      }
      sy[a * k + b] = v1;
      ss[a * k + b] = v2;
    }
  }
  // Column c of W: c < k → y_c, c ≥ k → θ·s_{c−k}. Entries over the free rows only.
  const col = (c: number): Float64Array => (c < k ? Y[(head + c) % m]! : S[(head + c - k) % m]!);
  const scale = (c: number): number => (c < k ? 1 : theta);
  for (let c1 = 0; c1 < k2; c1++) {
    const w1 = col(c1);
    const f1 = scale(c1);
    let ur = 0;
    for (let i = 0; i < n; i++) if (free[i]) ur += w1[i]! * g[i]!;
    u[c1] = f1 * ur;
    for (let c2 = 0; c2 <= c1; c2++) {
      const w2 = col(c2);
      let p = 0;
      for (let i = 0; i < n; i++) if (free[i]) p += w1[i]! * w2[i]!;
      p *= f1 * scale(c2);
      let kmid: number;
      if (c1 < k) kmid = c1 === c2 ? -sy[c1 * k + c1]! : 0; // −D (c2 ≤ c1 < k)
      else if (c2 < k) kmid = c1 - k > c2 ? sy[(c1 - k) * k + c2]! : 0; // L block
      else kmid = theta * ss[(c1 - k) * k + (c2 - k)]!;
      const v = kmid - p / theta;
      mid[c1 * k2 + c2] = v;
      mid[c2 * k2 + c1] = v;
    }
  }
  if (!solveDenseInPlace(mid, u, k2)) return false;
  for (let i = 0; i < n; i++) {
    if (!free[i]) {
      out[i] = 0;
      continue;
    }
    let wv = 0;
    for (let c = 0; c < k2; c++) wv += scale(c) * col(c)[i]! * u[c]!;
    out[i] = g[i]! / theta + wv / (theta * theta);
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i]!)) return false;
  return true;
}

/** Solve A·x = b (A: k×k row-major, overwritten) by Gaussian elimination with partial pivoting; x into b. */
function solveDenseInPlace(A: Float64Array, b: Float64Array, k: number): boolean {
  for (let c = 0; c < k; c++) {
    let p = c;
    let best = Math.abs(A[c * k + c]!);
    for (let r = c + 1; r < k; r++) {
      const v = Math.abs(A[r * k + c]!);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) return false;
    if (p !== c) {
      for (let j = 0; j < k; j++) {
        const t = A[c * k + j]!;
        A[c * k + j] = A[p * k + j]!;
        A[p * k + j] = t;
      }
      const t = b[c]!;
      b[c] = b[p]!;
      b[p] = t;
    }
    const piv = A[c * k + c]!;
    for (let r = c + 1; r < k; r++) {
      const f = A[r * k + c]! / piv;
      if (f === 0) continue;
      for (let j = c; j < k; j++) A[r * k + j] = A[r * k + j]! - f * A[c * k + j]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  for (let c = k - 1; c >= 0; c--) {
    let v = b[c]!;
    for (let j = c + 1; j < k; j++) v -= A[c * k + j]! * b[j]!;
    b[c] = v / A[c * k + c]!;
  }
  return true;
}

/**
 * argmin_{l ≤ x ≤ u} f(x) by projected L-BFGS (see the module doc).
 *
 * @param fg  returns f(x) and writes ∇f(x) into grad (length n). May return a
 *            non-finite value; such points are never accepted.
 * @param x0  starting point, shape (n); projected into the box first.
 * @param lower, upper  bounds, shape (n), lower ≤ upper (equal bounds fix a variable).
 * @returns the best point seen, its value, and counters. If f(P(x0)) is not
 *          finite, returns P(x0) with that value and converged = false.
 */
// eslint-disable-next-line max-lines-per-function -- one iteration's state (memory, direction, line search) is shared by its phases; split, they would pass a dozen arrays around
export function minimizeBox(
  fg: ObjectiveWithGradient,
  x0: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  options: MinimizeBoxOptions = {},
): MinimizeBoxResult {
  const n = x0.length;
  if (lower.length !== n || upper.length !== n) throw new InvariantError('minimizeBox: x0, lower and upper must have the same length');
  for (let i = 0; i < n; i++) {
    if (!(lower[i]! <= upper[i]!)) throw new InvariantError(`minimizeBox: lower[${i}] > upper[${i}] or NaN bound`);
  }
  const maxIterations = options.maxIterations ?? 200;
  const m = Math.max(1, options.m ?? 10);
  const gradTolerance = options.gradTolerance ?? 1e-5;
  const relTolerance = options.relTolerance ?? 1e7 * 2.220446049250313e-16;

  let x = new Float64Array(n);
  project(x0, lower, upper, x);
  let g = new Float64Array(n);
  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations, converged: false };

  // Circular memory of (s, y, ρ = 1/yᵀs).
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const mid = new Float64Array(4 * m * m); // K_mid − P/θ, (2k × 2k)
  const sy = new Float64Array(m * m); // s_aᵀ y_b, oldest first
  const ss = new Float64Array(m * m); // s_aᵀ s_b
  const u = new Float64Array(2 * m);
  let head = 0; // index of the oldest pair
  let stored = 0;
  let gamma = 1; // 1/θ: B0 = θ·I with θ = yᵀy / sᵀy of the newest pair

  const d = new Float64Array(n);
  const free = new Uint8Array(n);
  let xTrial = new Float64Array(n);
  let gTrial = new Float64Array(n);
  const z = new Float64Array(n);
  let sTmp: Float64Array = new Float64Array(n);
  let yTmp: Float64Array = new Float64Array(n);

  let iterations = 0;
  let converged = projectedGradientNorm(x, g, lower, upper) <= gradTolerance;

  const shouldStop = options.shouldStop;
  while (!converged && iterations < maxIterations && !shouldStop?.()) {
    // Binding set: at a bound with the gradient pushing outward.
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const gi = g[i]!;
      free[i] = (xi <= lower[i]! && gi > 0) || (xi >= upper[i]! && gi < 0) || lower[i] === upper[i] ? 0 : 1;
    }

    // d ← B_F⁻¹ g_F on the free set (negated below); B in compact form, see the module doc.
    if (stored === 0 || !reducedNewtonStep(n, g, free, S, Y, head, stored, m, gamma, mid, sy, ss, u, d)) {
      for (let i = 0; i < n; i++) d[i] = free[i] ? gamma * g[i]! : 0;
    }
    let slope = 0;
    let dNorm = 0;
    for (let i = 0; i < n; i++) {
      const di = free[i] ? -d[i]! : 0;
      d[i] = di;
      slope += g[i]! * di;
      dNorm += di * di;
    }
    if (!(slope < 0) || !Number.isFinite(slope)) {
      // Memory went stale (round-off): fall back to the projected steepest descent.
      stored = 0;
      gamma = 1;
      dNorm = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        const di = free[i] ? -g[i]! : 0;
        d[i] = di;
        slope += g[i]! * di;
        dNorm += di * di;
      }
      if (!(slope < 0)) break; // projected gradient is zero on the free set
    }

    // First step without curvature information: unit length, as scipy does.
    let t = stored === 0 ? Math.min(1, 1 / Math.sqrt(dNorm)) : 1;
    let accepted = false;
    let fTrial = Number.NaN;
    for (let bt = 0; bt < MAX_BACKTRACKS; bt++) {
      for (let i = 0; i < n; i++) z[i] = x[i]! + t * d[i]!;
      project(z, lower, upper, xTrial);
      let moved = 0; // gᵀ(x(t) − x), the Armijo model along the arc
      let changed = false;
      for (let i = 0; i < n; i++) {
        const step = xTrial[i]! - x[i]!;
        if (step !== 0) changed = true;
        moved += g[i]! * step;
      }
      if (!changed) break;
      fTrial = fg(xTrial, gTrial);
      evaluations++;
      // Projection can make gᵀ(x(t) − x) positive for a non-diagonal H; min(·, 0)
      // keeps the accepted sequence monotone (f never increases).
      if (Number.isFinite(fTrial) && fTrial <= f + ARMIJO_C1 * Math.min(moved, 0)) {
        accepted = true;
        break;
      }
      if (!Number.isFinite(fTrial)) {
        t *= 0.1;
      } else {
        // Safeguarded quadratic interpolation on φ(t) = f(x(t)) with φ'(0) ≈ slope.
        const denom = 2 * (fTrial - f - slope * t);
        let tNew = denom > 0 ? (-slope * t * t) / denom : 0.5 * t;
        if (!(tNew >= 0.1 * t)) tNew = 0.1 * t;
        if (tNew > 0.5 * t) tNew = 0.5 * t;
        t = tNew;
      }
    }

    if (!accepted) {
      if (stored > 0) {
        // Retry once from steepest descent before giving up.
        stored = 0;
        gamma = 1;
        continue;
      }
      break;
    }

    // Curvature pair; skipped when sᵀy is not safely positive so H stays PD.
    let sTy = 0;
    let yTy = 0;
    for (let i = 0; i < n; i++) {
      const si = xTrial[i]! - x[i]!;
      const yi = gTrial[i]! - g[i]!;
      sTmp[i] = si;
      yTmp[i] = yi;
      sTy += si * yi;
      yTy += yi * yi;
    }
    if (sTy > CURVATURE_EPS * yTy && Number.isFinite(sTy) && yTy > 0) {
      const slot = stored < m ? (head + stored) % m : head;
      const sOld = S[slot] ?? new Float64Array(n);
      const yOld = Y[slot] ?? new Float64Array(n);
      S[slot] = sTmp;
      Y[slot] = yTmp;
      sTmp = sOld;
      yTmp = yOld;
      gamma = sTy / yTy;
      if (stored < m) stored++;
      else head = (head + 1) % m;
    }

    const fPrev = f;
    [x, xTrial] = [xTrial, x];
    [g, gTrial] = [gTrial, g];
    f = fTrial;
    iterations++;

    if (projectedGradientNorm(x, g, lower, upper) <= gradTolerance) converged = true;
    else if ((fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1) <= relTolerance) converged = true;
  }

  if (!converged && projectedGradientNorm(x, g, lower, upper) <= gradTolerance) converged = true;
  return { x, f, iterations, evaluations, converged };
}
