/**
 * The points the acquisition optimizer (acquisition-optimizer.ts) looks at: raw
 * candidates (scrambled Sobol' points, perturbations of the best data rows, or every
 * point of a small discrete space) and the discrete neighbours of a point.
 */

import { decode, encode, snap, type Encoding } from './encoding.js';
import type { Rng } from './rng.js';
import type { Params } from './search-space.js';
import { sobolSequence } from './sobol.js';

/** The model's data, whose best rows seed the perturbed raw candidates (a GaussianProcess is one). */
export interface ModelData {
  /** (n, d) row-major, xUnit. */
  X: Float64Array;
  /** (n), yStd; larger is better. */
  y: Float64Array;
  n: number;
  d: number;
}

/** Above this many cells an int / ordinal dimension is relaxed to continuous for L-BFGS. */
const MAX_ENUMERATED_CELLS = 16;
/**
 * Choices of one categorical tried per sweep. NOTE: trying all of them made one sweep
 * over 25 categoricals of 1,000 choices cost 25,000 acquisition values, 32 fantasies
 * each with pending points (issue 10: 46 s for 8 points); every benchmark categorical
 * has at most 6 choices, so none of them is affected.
 */
const MAX_CATEGORICAL_NEIGHBOURS = 64;
/** Rows of the model's data whose neighbourhoods are sampled (BoTorch's sample_around_best uses the best few). */
const PERTURBED_CENTRES = 5;
/**
 * Standard deviation of the perturbations in x, two scales.
 * NOTE: adding 0.01 (as the engine does for pending and batch points) sharpens sequential
 * runs but traps some in a local optimum (8 of 64 hartmann3 seeds), so sequential runs keep
 * these two (decision 0006).
 */
export const PERTURBATION_SCALES = [0.05, 0.2];

/**
 * Default N: 512 for d ≤ 8 (BoTorch's usual raw_samples), 1024 for d ≤ 16 and
 * 2048 above (more volume to cover), halved for n > 200 and quartered for
 * n > 400 (each raw point costs O(n²)), never below 128.
 * NOTE: 512 rather than 1024 up to d = 8: the raw batch dominates the optimizer's time, and
 * halving it left the best log EI and hartmann6's regret where they were (decision 0016).
 */
export function rawSampleCount(n: number, d: number): number {
  const byDim = d <= 8 ? 512 : d <= 16 ? 1024 : 2048;
  const byN = n > 400 ? 4 : n > 200 ? 2 : 1;
  return Math.max(128, Math.floor(byDim / byN));
}

/** Number of points of a fully discrete space, or Infinity when some dimension is a float (or the count exceeds limit). */
export function discreteSpaceSize(enc: Encoding, limit: number): number {
  let size = 1;
  for (const p of enc.params) {
    const k = p.type === 'categorical' ? p.choices.length : p.type === 'ordinal' ? p.values.length : p.type === 'int' ? p.high - p.low + 1 : Infinity;
    size *= k;
    if (!(size <= limit)) return Infinity;
  }
  return size;
}

/** Every point of a fully discrete space (size points), encoded, in mixed-radix order of the values. */
export function enumerateByValue(enc: Encoding, size: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let index = 0; index < size; index++) {
    let r = index;
    const entries = enc.params.map((p): [string, Params[string]] => {
      const values = p.type === 'categorical' ? p.choices : p.type === 'ordinal' ? p.values : p.type === 'int' ? Array.from({ length: p.high - p.low + 1 }, (_, i) => p.low + i) : [];
      const value = values[r % values.length]!;
      r = Math.floor(r / values.length);
      return [p.name, value];
    });
    // fromEntries defines own properties, so a parameter named __proto__ is a key like any other.
    out.push(encode(enc, Object.fromEntries(entries)));
  }
  return out;
}

/** Sobol' points mapped to the encoding (numeric x_i = u_i, categorical ⌊u_i k⌋), snapped. */
export function sobolCandidates(enc: Encoding, count: number, rng: Rng): Float64Array[] {
  return sobolSequence(enc.dim, count, rng).map((u) => {
    for (let j = 0; j < enc.dim; j++) {
      const k = enc.nChoices[j]!;
      if (k > 0) u[j] = Math.min(k - 1, Math.floor(u[j]! * k));
    }
    return snap(enc, u);
  });
}

/**
 * Perturbations of the best rows of gp.X (by gp.y): numeric coordinates plus
 * N(0, σ²) for σ in `scales` (default PERTURBATION_SCALES), clamped to [0, 1]; each categorical
 * coordinate redrawn uniformly with probability 1/d.
 */
export function perturbedCandidates(
  gp: ModelData, enc: Encoding, count: number, rng: Rng, scales: readonly number[] = PERTURBATION_SCALES,
): Float64Array[] {
  const { n, d } = gp;
  if (n === 0 || count === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => gp.y[b]! - gp.y[a]! || a - b);
  const centres = order.slice(0, Math.min(PERTURBED_CENTRES, n));
  const out: Float64Array[] = [];
  for (let t = 0; t < count; t++) {
    const c = centres[t % centres.length]!;
    const sigma = scales[Math.floor(t / centres.length) % scales.length]!;
    const x = gp.X.slice(c * d, c * d + d);
    for (let j = 0; j < d; j++) {
      const k = enc.nChoices[j]!;
      if (k > 0) {
        if (rng.uniform() < 1 / d) x[j] = rng.int(0, k - 1);
      } else {
        x[j] = Math.min(1, Math.max(0, x[j]! + sigma * rng.normal()));
      }
    }
    out.push(snap(enc, x));
  }
  return out;
}

/**
 * The encoded neighbours of x along discrete coordinate j (see module doc, step 2.ii).
 * A categorical with more than MAX_CATEGORICAL_NEIGHBOURS other choices offers that
 * many, drawn without replacement with `rng`.
 */
export function discreteNeighbours(enc: Encoding, x: Float64Array, j: number, rng: Rng): Float64Array[] {
  const p = enc.params[j]!;
  const out: Float64Array[] = [];
  if (p.type === 'categorical') {
    const others: number[] = [];
    for (let c = 0; c < p.choices.length; c++) if (c !== x[j]) others.push(c);
    if (others.length > MAX_CATEGORICAL_NEIGHBOURS) {
      for (let i = 0; i < MAX_CATEGORICAL_NEIGHBOURS; i++) {
        const r = rng.int(i, others.length - 1);
        [others[i], others[r]] = [others[r]!, others[i]!];
      }
      others.length = MAX_CATEGORICAL_NEIGHBOURS;
    }
    for (const c of others) {
      const y = x.slice();
      y[j] = c;
      out.push(y);
    }
    return out;
  }
  if (p.type === 'float') return out;
  const params = decode(enc, x);
  // The dimension's values in order: an ordinal's list, or low..high for an int (index c ↦ value).
  const k = p.type === 'ordinal' ? p.values.length : p.high - p.low + 1;
  const valueAt = (c: number): number => (p.type === 'ordinal' ? p.values[c]! : p.low + c);
  const v = params[p.name] as number;
  const current = p.type === 'ordinal' ? p.values.indexOf(v) : v - p.low;
  const candidates: number[] = [];
  if (k <= MAX_ENUMERATED_CELLS) {
    for (let c = 0; c < k; c++) if (c !== current) candidates.push(c);
  } else {
    for (const s of [-2, -1, 1, 2]) if (current + s >= 0 && current + s < k) candidates.push(current + s);
  }
  for (const c of candidates) {
    const y = x.slice();
    y[j] = encode(enc, { ...params, [p.name]: valueAt(c) })[j]!;
    out.push(y);
  }
  return out;
}

/** Coordinates optimized by L-BFGS: floats with low < high, and ints / ordinals with many cells. */
export function continuousCoordinates(enc: Encoding): number[] {
  const out: number[] = [];
  enc.params.forEach((p, j) => {
    if (p.type === 'float' && p.low < p.high) out.push(j);
    else if ((p.type === 'int' || p.type === 'ordinal') && enc.steps[j]! > 0 && 1 / enc.steps[j]! > MAX_ENUMERATED_CELLS) out.push(j);
  });
  return out;
}

export function discreteCoordinates(enc: Encoding): number[] {
  const out: number[] = [];
  enc.params.forEach((p, j) => {
    if (p.type !== 'float') out.push(j);
  });
  return out;
}
