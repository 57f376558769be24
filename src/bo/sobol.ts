/**
 * Sobol' low-discrepancy points in the unit cube [0, 1)^dim, optionally
 * scrambled, for initial designs and optimizer restarts.
 *
 * Notation
 *   B = 32                   bits of precision; a coordinate is an integer X in [0, 2^B), x = X·2^-B
 *   d                        dimension index 0..dim-1
 *   m_{d,j}, j = 1..B        direction integers, m_{d,j} odd and < 2^j
 *   v_{d,j} = m_{d,j}·2^{B-j}  direction numbers, MSB-aligned (digit j of the binary fraction is bit B-j)
 *   X_{d,n}                  n-th point, n = 0, 1, ...; X_{d,0} = shift_d, X_{d,n} = X_{d,n-1} ⊕ v_{d,c(n)}
 *                            with c(n) = 1 + (number of trailing zeros of n) (Antonov–Saleev Gray-code order)
 *
 * Direction numbers: Joe & Kuo, "Constructing Sobol sequences with better
 * two-dimensional projections", SIAM J. Sci. Comput. 30 (2008), table
 * new-joe-kuo-6.21201 as scipy ships it (first 1024 dimensions, see
 * sobol-directions.ts). Dimension 0 has m_j = 1 for all j (van der Corput). For
 * the others, with primitive polynomial x^s + a_1 x^{s-1} + … + a_{s-1} x + 1,
 *   v_j = a_1 v_{j-1} ⊕ a_2 v_{j-2} ⊕ … ⊕ a_{s-1} v_{j-s+1} ⊕ v_{j-s} ⊕ (v_{j-s} >> s),  j > s
 * (Bratley & Fox, ACM TOMS 14(1), 1988, Algorithm 659).
 *
 * Scrambling (as scipy.stats.qmc.Sobol with scramble=True: Matoušek's linear
 * matrix scramble followed by a digital shift; Owen, "Scrambling Sobol' and
 * Niederreiter–Xing points", J. Complexity 14, 1998): per dimension a random
 * lower-triangular binary matrix L_d with unit diagonal acts on the digit vector
 * of every v_{d,j} (digit i of the result depends on digits 1..i), and a random
 * shift_d is XORed into every point. Both preserve the (t, m, s)-net property:
 * the first 2^k points of each coordinate still hit every interval
 * [i·2^-k, (i+1)·2^-k) exactly once.
 *
 * NOTE: the unscrambled sequence starts at the origin and matches scipy's
 * `Sobol(d, scramble=False)` exactly (scipy uses B = 30 by default, but a point
 * n < 2^30 only has its first ⌈log2(n+1)⌉ digits set, so B does not change it).
 * Scrambled points differ from scipy's, which draws from a different generator.
 */

import type { Rng } from './rng.js';
import { SOBOL_DIRECTION_DIMS, SOBOL_POLY, SOBOL_VINIT } from './sobol-directions.js';
import { InvariantError } from './errors.js';

const BITS = 32;
const SCALE = 2 ** -BITS;
/** Points per sequence before the Gray-code index runs out of direction numbers. */
export const SOBOL_MAX_POINTS = 2 ** BITS;
/** Dimensions with tabulated direction numbers. */
export const SOBOL_MAX_DIM = SOBOL_DIRECTION_DIMS;

/** Offsets of each dimension's initial integers in SOBOL_VINIT. */
const vinitOffsets: Int32Array = (() => {
  const offsets = new Int32Array(SOBOL_DIRECTION_DIMS);
  let at = 0;
  for (let d = 0; d < SOBOL_DIRECTION_DIMS; d++) {
    offsets[d] = at;
    at += polyDegree(SOBOL_POLY[d]!);
  }
  return offsets;
})();

function polyDegree(poly: number): number {
  return 31 - Math.clz32(poly);
}

/**
 * Direction numbers v_{d,1..B} of dimension d (0 ≤ d < 1024), MSB-aligned uint32:
 * index j-1 holds v_{d,j}.
 */
export function sobolDirectionNumbers(d: number): Uint32Array {
  if (!Number.isInteger(d) || d < 0 || d >= SOBOL_DIRECTION_DIMS) {
    throw new InvariantError(`Sobol' direction numbers exist for dimensions 0..${SOBOL_DIRECTION_DIMS - 1}, got ${d}`);
  }
  const v = new Uint32Array(BITS);
  if (d === 0) {
    for (let j = 1; j <= BITS; j++) v[j - 1] = 2 ** (BITS - j);
    return v;
  }
  const poly = SOBOL_POLY[d]!;
  const s = polyDegree(poly);
  const offset = vinitOffsets[d]!;
  for (let j = 1; j <= s; j++) v[j - 1] = SOBOL_VINIT[offset + j - 1]! * 2 ** (BITS - j);
  for (let j = s + 1; j <= BITS; j++) {
    const vjs = v[j - s - 1]!;
    let x = vjs ^ (vjs >>> s);
    for (let k = 1; k < s; k++) {
      // a_k is the coefficient of x^{s-k}.
      if ((poly >>> (s - k)) & 1) x ^= v[j - k - 1]!;
    }
    v[j - 1] = x >>> 0;
  }
  return v;
}

/** Parity (XOR of all bits) of a 32-bit word. */
function parity32(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

function randomUint32(rng: Rng): number {
  return rng.int(0, 0xffffffff);
}

/**
 * L·v over GF(2) for a random lower-triangular L with unit diagonal, acting on
 * MSB-first digit vectors: output digit i (bit B-i) is the parity of (row_i AND v),
 * row_i having digit i and a random subset of digits 1..i-1.
 */
function scrambleMatrixRows(rng: Rng): Uint32Array {
  const rows = new Uint32Array(BITS);
  for (let i = 1; i <= BITS; i++) {
    const diagonal = 2 ** (BITS - i);
    const higherDigits = i === 1 ? 0 : (0xffffffff << (BITS - i + 1)) >>> 0;
    rows[i - 1] = ((randomUint32(rng) & higherDigits) | diagonal) >>> 0;
  }
  return rows;
}

function applyScramble(rows: Uint32Array, v: number): number {
  let out = 0;
  for (let i = 1; i <= BITS; i++) {
    if (parity32(rows[i - 1]! & v)) out |= 1 << (BITS - i);
  }
  return out >>> 0;
}

/** Stateful generator of successive Sobol' points. */
export interface SobolGenerator {
  readonly dim: number;
  /** The next point, coordinates in [0, 1). Throws after SOBOL_MAX_POINTS points. */
  next(): Float64Array;
}

/**
 * A Sobol' generator over [0, 1)^dim, 1 ≤ dim ≤ 1024. With `scramble` an Rng,
 * the directions are linear-matrix scrambled and the points digitally shifted
 * (drawing dim·(B + 1) uint32 from it, dimension by dimension); with null the
 * plain sequence, starting at the origin, is produced.
 */
export function createSobolGenerator(dim: number, scramble: Rng | null): SobolGenerator {
  if (!Number.isInteger(dim) || dim < 1 || dim > SOBOL_MAX_DIM) {
    throw new InvariantError(`Sobol' dimension must be an integer in 1..${SOBOL_MAX_DIM}, got ${dim}`);
  }
  // directions[d * B + j - 1] = v_{d,j}
  const directions = new Uint32Array(dim * BITS);
  const current = new Uint32Array(dim);
  for (let d = 0; d < dim; d++) {
    const v = sobolDirectionNumbers(d);
    if (scramble !== null) {
      const rows = scrambleMatrixRows(scramble);
      for (let j = 0; j < BITS; j++) v[j] = applyScramble(rows, v[j]!);
      current[d] = randomUint32(scramble);
    }
    directions.set(v, d * BITS);
  }
  let index = 0;
  return {
    dim,
    next(): Float64Array {
      if (index >= SOBOL_MAX_POINTS) throw new InvariantError(`a Sobol' sequence has at most 2^${BITS} points`);
      if (index > 0) {
        // c(n) - 1 = trailing zeros of n.
        const c = 31 - Math.clz32(index & -index);
        for (let d = 0; d < dim; d++) current[d] = current[d]! ^ directions[d * BITS + c]!;
      }
      index++;
      const x = new Float64Array(dim);
      for (let d = 0; d < dim; d++) x[d] = current[d]! * SCALE;
      return x;
    },
  };
}

/**
 * The first `count` points of a scrambled Sobol' sequence in [0, 1)^dim, drawing
 * the scramble from `rng` (which advances). For count = 2^k every coordinate's
 * projection hits each interval [i·2^-k, (i+1)·2^-k) exactly once.
 *
 * NOTE: the Joe–Kuo table we ship has 1024 dimensions; coordinates beyond
 * the 1024th are plain rng.uniform() draws (drawn after the scramble, point by
 * point). A GP-based optimizer over more than 1024 parameters is far outside what
 * this service targets, so we accept losing low discrepancy there rather than
 * ship a larger table.
 */
export function sobolSequence(dim: number, count: number, rng: Rng): Float64Array[] {
  if (!Number.isInteger(dim) || dim < 1) throw new InvariantError(`dimension must be a positive integer, got ${dim}`);
  if (!Number.isInteger(count) || count < 0) throw new InvariantError(`count must be a non-negative integer, got ${count}`);
  const sobolDim = Math.min(dim, SOBOL_MAX_DIM);
  const generator = createSobolGenerator(sobolDim, rng);
  const points: Float64Array[] = [];
  for (let n = 0; n < count; n++) {
    const head = generator.next();
    if (dim === sobolDim) {
      points.push(head);
      continue;
    }
    const x = new Float64Array(dim);
    x.set(head);
    for (let d = sobolDim; d < dim; d++) x[d] = rng.uniform();
    points.push(x);
  }
  return points;
}
