/**
 * Which observations the GP conditions on once a study has many: at most `size` rows of
 * (X, y), so that conditioning (O(m³)) and every acquisition evaluation (O(m²)) cost the
 * same at n = 5,000 or 20,000 as at n = m.
 *
 * | symbol | meaning                                                             | shape  | space |
 * |--------|---------------------------------------------------------------------|--------|-------|
 * | X, y   | every observation the engine was given                              | (n, d), (n) | xUnit, yStd |
 * | x⁺     | the incumbent, argmax_i y_i (the first one on ties)                 | (d)    | xUnit |
 * | ℓ      | lengthscales of the previous θ, or 1 when there is none              | (d)    |       |
 * | r_i    | ‖(x_i − x⁺)/ℓ‖², a Hamming dimension counting 1/ℓ_j² when it differs |        |       |
 * | m      | `size`, the rows kept                                               |        |       |
 *
 * Kinds (docs/decisions/0029-local-model-subset.md measured them):
 *  - 'local': the m rows nearest x⁺ by r (TuRBO's trust region, Eriksson et al. 2019,
 *    conditions on the points near the incumbent).
 *  - 'mixed': ⌈m/2⌉ nearest x⁺, then ⌈m/4⌉ of the best y among the rest, then the rest
 *    filled by a fixed pseudo-random draw over indices (so the far parts of the space
 *    keep a coarse model and the kept set changes little from one call to the next).
 *  - 'best-recent': the better half by y and the most recent rows (the service's rule
 *    before issue 17, at a smaller cap).
 * The result is ascending, so a new observation is a last row and a cached factor whose
 * rows are a prefix extends (gp.ts reusableRows). Pure: no rng, no clock.
 */
import { InvariantError } from './errors.js';

export type SubsetKind = 'local' | 'mixed' | 'best-recent';

export interface SubsetPolicy {
  /** m: rows kept when n > m; n ≤ m keeps every row (the exact GP). */
  size: number;
  kind: SubsetKind;
}

/**
 * r_i for every row: the squared ℓ-scaled distance to row `centre`.
 * @param logLengthscales  (d) or undefined (ℓ = 1).
 */
export function scaledDistances(X: Float64Array, n: number, d: number, centre: number, isCategorical: Uint8Array, logLengthscales?: Float64Array): Float64Array {
  const w = Float64Array.from({ length: d }, (_, j) => (logLengthscales ? Math.exp(-2 * logLengthscales[j]!) : 1));
  const c = X.subarray(centre * d, centre * d + d);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const t = X[o + j]! - c[j]!;
      s += isCategorical[j] ? (t === 0 ? 0 : w[j]!) : w[j]! * t * t;
    }
    r[i] = s;
  }
  return r;
}

/** A fixed 32-bit mix of i (the murmur3 finalizer): the order of the pseudo-random fill. */
export function indexHash(i: number): number {
  let h = (i + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Adds to `keep` the rows not in it with the smallest `key` (ties: the lower index) until it
 * holds `upTo` rows. A native sort of the keys and one pass: O(n log n) without a comparator.
 */
function takeSmallest(keep: Set<number>, key: Float64Array, upTo: number): void {
  const need = upTo - keep.size;
  if (need <= 0) return;
  const k = key.slice();
  for (const i of keep) k[i] = Infinity;
  const threshold = k.slice().sort()[need - 1]!;
  for (let i = 0; i < k.length; i++) if (k[i]! < threshold) keep.add(i);
  for (let i = 0; i < k.length && keep.size < upTo; i++) if (k[i] === threshold) keep.add(i);
}

/**
 * The rows to condition on, ascending, of length min(n, policy.size); every row when
 * n ≤ size. The incumbent is always kept.
 * @param X  (n, d), xUnit.  @param y  (n), yStd (larger is better).
 */
export function modelSubset(X: Float64Array, y: Float64Array, d: number, isCategorical: Uint8Array, policy: SubsetPolicy, logLengthscales?: Float64Array): Int32Array {
  const n = y.length;
  if (X.length !== n * d) throw new InvariantError(`modelSubset: X has ${X.length} entries, expected ${n}·${d}`);
  if (!Number.isSafeInteger(policy.size) || policy.size < 1) throw new InvariantError(`modelSubset: size must be a positive integer, got ${policy.size}`);
  const m = policy.size;
  if (n <= m) return Int32Array.from({ length: n }, (_, i) => i);
  let incumbent = 0;
  for (let i = 1; i < n; i++) if (y[i]! > y[incumbent]!) incumbent = i;
  const keep = new Set<number>([incumbent]);
  const worseFirst = Float64Array.from(y, (v) => -v);
  if (policy.kind === 'best-recent') {
    takeSmallest(keep, worseFirst, Math.ceil(m / 2));
    for (let i = n - 1; i >= 0 && keep.size < m; i--) keep.add(i);
  } else {
    const r = scaledDistances(X, n, d, incumbent, isCategorical, logLengthscales);
    takeSmallest(keep, r, policy.kind === 'local' ? m : Math.ceil(m / 2));
    takeSmallest(keep, worseFirst, Math.ceil(m / 2) + Math.ceil(m / 4));
    takeSmallest(keep, Float64Array.from({ length: n }, (_, i) => indexHash(i)), m);
  }
  return Int32Array.from([...keep].sort((a, b) => a - b));
}

/** The rows `idx` of (X, y): (k, d) and (k). */
export function gatherRows(X: Float64Array, y: Float64Array, d: number, idx: Int32Array): { X: Float64Array; y: Float64Array } {
  const Xs = new Float64Array(idx.length * d);
  const ys = new Float64Array(idx.length);
  idx.forEach((r, k) => {
    Xs.set(X.subarray(r * d, r * d + d), k * d);
    ys[k] = y[r]!;
  });
  return { X: Xs, y: ys };
}
