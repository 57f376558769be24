/**
 * argmax of an acquisition function (acquisition.ts) over the encoded search space,
 * mixed continuous and discrete, after BoTorch's `optimize_acqf` (raw samples →
 * gradient restarts) and Optuna's `optuna/_gp/optim_mixed.py` (alternating
 * continuous and discrete local search). The optimizer never asks which
 * acquisition it has: log EI and the fantasy-averaged log EI are peers.
 *
 * | symbol  | meaning                                                            | shape  | space |
 * |---------|--------------------------------------------------------------------|--------|-------|
 * | x       | a candidate, encoded (encoding.ts): floats/ints/ordinals in [0, 1], | (d)    | xUnit |
 * |         | categoricals the choice index                                      |        |       |
 * | a(x)    | the acquisition's value; −∞ where it is not finite                  |        |       |
 * | X, y    | the model's data, whose best rows seed the perturbed candidates     | (n, d) | xUnit |
 * | C       | continuous coordinates: floats, and ints / ordinals with > 16 cells |        |       |
 * | D       | discrete coordinates searched cell by cell: the other ints/ordinals |        |       |
 * |         | and every categorical                                               |        |       |
 * | K       | paramsKey of every observed and pending point: forbidden results    |        |       |
 *
 * Steps:
 *  1. Raw candidates: N scrambled Sobol' points (categoricals ⌊u·k⌋) plus
 *     Gaussian perturbations of the best rows of the model's data, every one
 *     snapped; a fully discrete space with at most N points is enumerated instead.
 *  2. The R best distinct raw candidates are refined by alternating
 *     (i) projected L-BFGS on C with D fixed, minimizing −a(x) with the
 *         acquisition's own gradient, and
 *     (ii) one sweep over D trying every other cell of each coordinate
 *     (categoricals: every other choice, at most 64; ints/ordinals: every value
 *     when ≤ 16, else ±1, ±2 cells) and keeping the best improvement,
 *     until a sweep improves nothing or `sweeps` rounds have run.
 *  3. The result is the best snapped point whose key is not in K; refined points
 *     first, then raw candidates in order of a(x).
 */

import type { Acquisition } from './acquisition.js';
import { decode, encode, encodedKey, snap, type Encoding } from './encoding.js';
import { InvariantError } from './errors.js';
import { minimizeBox } from './lbfgsb.js';
import type { Rng } from './rng.js';
import type { Params } from './search-space.js';
import { sobolSequence } from './sobol.js';

/** Raised when no candidate outside K can be found (e.g. a finite space already fully observed). */
export class AcquisitionOptimizerError extends Error {
  constructor(readonly reason: 'space-exhausted', message: string) {
    super(message);
    this.name = 'AcquisitionOptimizerError';
  }
}

export interface AcquisitionMaximizerOptions {
  rng: Rng;
  /** K: paramsKey of every observed and pending point. */
  exclude: ReadonlySet<string>;
  /** N, Sobol' raw candidates. Default rawSampleCount(n, d). */
  rawSamples?: number;
  /** R, raw candidates refined by local search. Default 5 (3 when n > 400). */
  restarts?: number;
  /** L-BFGS iterations per continuous phase. Default 50 (20 when n > 400). */
  maxIterations?: number;
  /** Maximum continuous/discrete rounds per restart. Default 3. */
  sweeps?: number;
  /** Standard deviations of the step-1 perturbations in x. Default PERTURBATION_SCALES. */
  perturbationScales?: readonly number[];
  /**
   * Checked between local-search steps; true ends the search with the best point
   * found so far (at worst the best raw candidate): a deadline or a cancellation.
   */
  shouldStop?: () => boolean;
}

/** The model's data, whose best rows seed the perturbed raw candidates (a GaussianProcess is one). */
export interface ModelData {
  /** (n, d) row-major, xUnit. */
  X: Float64Array;
  /** (n), yStd; larger is better. */
  y: Float64Array;
  n: number;
  d: number;
}

export interface AcquisitionMaximum {
  /** Snapped encoded point, shape (d), xUnit. */
  x: Float64Array;
  /** decode(x). */
  params: Params;
  /** a(x). */
  value: number;
  /** μ(x), yStd. */
  mean: number;
  /** s²(x), yStd². */
  variance: number;
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
 * NOTE: adding 0.01 (as the engine does for pending and batch points) sharpens
 * sequential runs but traps some in a local optimum. bench/regret.ts, 64 seeds,
 * median, seeds < 0.01, [0.05, 0.2] → [0.01, 0.05, 0.2]: branin 1.1e-4 → 2.6e-5;
 * hartmann3 1.8e-5, 63/64 → 3.1e-6, 56/64 (8 seeds end in the local optimum at
 * regret 0.773); hartmann6 1.8e-4, 49/64 → 9.0e-5, 48/64; heavy 2.2e-4, 62/64 →
 * 9.1e-5, 61/64; mixed 1.7e-5 both. The finer starts find the maximum of log EI
 * next to the incumbent that the coarser ones miss, so the engine exploits more;
 * the coarser search's misses are part of its exploration. Not adopted: a
 * better-optimized acquisition needs its exploration from elsewhere first.
 */
const PERTURBATION_SCALES = [0.05, 0.2];
/** Columns of one batched posterior call (bounds memory to n × 512 doubles). */
const BATCH = 512;

/**
 * Default N: 512 for d ≤ 8 (BoTorch's usual raw_samples), 1024 for d ≤ 16 and
 * 2048 above (more volume to cover), halved for n > 200 and quartered for
 * n > 400 (each raw point costs O(n²)), never below 128.
 * NOTE: at n = 100, d = 6 the raw batch dominates the optimizer's time: 1024
 * raw points cost ≈ 24 ms of a 35 ms call, 512 cost ≈ 8 ms, and the best log EI
 * found was the same over 7 seeds (2-core box, loaded). bench/regret.ts,
 * hartmann6@80, 16 seeds: median regret 3.7e-4 with 512, 3.6e-4 with 1024.
 */
export function rawSampleCount(n: number, d: number): number {
  const byDim = d <= 8 ? 512 : d <= 16 ? 1024 : 2048;
  const byN = n > 400 ? 4 : n > 200 ? 2 : 1;
  return Math.max(128, Math.floor(byDim / byN));
}

interface Scored {
  x: Float64Array;
  /** paramsKey of decode(x), filled in by keyOf when first needed: most candidates never need it. */
  key?: string;
  /** a(x), −∞ where the acquisition is not finite. */
  value: number;
  mean: number;
  variance: number;
}

function keyOf(enc: Encoding, s: Scored): string {
  return (s.key ??= encodedKey(enc, s.x));
}

/** Evaluates snapped points (each shape (d)), BATCH at a time. */
function scoreAll(acquisition: Acquisition, d: number, points: Float64Array[]): Scored[] {
  const out: Scored[] = [];
  for (let start = 0; start < points.length; start += BATCH) out.push(...scoreBatch(acquisition, d, points.slice(start, start + BATCH)));
  return out;
}

function scoreBatch(acquisition: Acquisition, d: number, points: Float64Array[]): Scored[] {
  const m = points.length;
  const Z = new Float64Array(m * d);
  points.forEach((p, i) => Z.set(p, i * d));
  const a = new Float64Array(m);
  const mu = new Float64Array(m);
  const v = new Float64Array(m);
  acquisition.values(Z, m, a, mu, v);
  return points.map((x, i) => ({ x, value: Number.isFinite(a[i]!) ? a[i]! : -Infinity, mean: mu[i]!, variance: v[i]! }));
}

/**
 * scoreAll over the raw candidates; once `shouldStop` says so, the candidates scored so
 * far (at least one batch) are all there is.
 */
function scoreRaw(acquisition: Acquisition, d: number, raw: Float64Array[], shouldStop?: () => boolean): Scored[] {
  const out: Scored[] = [];
  for (let start = 0; start < raw.length; start += BATCH) {
    if (start > 0 && shouldStop?.()) break;
    out.push(...scoreBatch(acquisition, d, raw.slice(start, start + BATCH)));
  }
  return out;
}

/** Number of points of a fully discrete space, or Infinity when some dimension is a float (or the count exceeds limit). */
function discreteSpaceSize(enc: Encoding, limit: number): number {
  let size = 1;
  for (const p of enc.params) {
    const k = p.type === 'categorical' ? p.choices.length : p.type === 'ordinal' ? p.values.length : p.type === 'int' ? p.high - p.low + 1 : Infinity;
    size *= k;
    if (!(size <= limit)) return Infinity;
  }
  return size;
}

/** Every point of a fully discrete space (size points), encoded, in mixed-radix order of the values. */
function enumerateByValue(enc: Encoding, size: number): Float64Array[] {
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
function sobolCandidates(enc: Encoding, count: number, rng: Rng): Float64Array[] {
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
function perturbedCandidates(
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
function discreteNeighbours(enc: Encoding, x: Float64Array, j: number, rng: Rng): Float64Array[] {
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
function continuousCoordinates(enc: Encoding): number[] {
  const out: number[] = [];
  enc.params.forEach((p, j) => {
    if (p.type === 'float' && p.low < p.high) out.push(j);
    else if ((p.type === 'int' || p.type === 'ordinal') && enc.steps[j]! > 0 && 1 / enc.steps[j]! > MAX_ENUMERATED_CELLS) out.push(j);
  });
  return out;
}

function discreteCoordinates(enc: Encoding): number[] {
  const out: number[] = [];
  enc.params.forEach((p, j) => {
    if (p.type !== 'float') out.push(j);
  });
  return out;
}

/**
 * R start points from the raw candidates (sorted by a, best first): first the
 * best candidate of each categorical configuration, up to ⌈R/2⌉ of them, then
 * the best remaining distinct candidates. An excluded candidate may still be a
 * start (it can refine to a new point).
 * NOTE: without the first pass every start tends to share the incumbent's
 * categories, and L-BFGS never sees another category at its own best
 * continuous location (the sweep only tries a category at the current floats).
 * The gain measured is small: bench `mixed`@50, 16 seeds, median 2.7e-6 with
 * the pass and 4.0e-6 without; the same 2 seeds stay in the wrong category
 * either way (there the GP itself rates the right category low).
 */
function startPoints(enc: Encoding, scored: Scored[], restarts: number): Scored[] {
  const starts: Scored[] = [];
  const seen = new Set<string>();
  const configurations = new Set<string>();
  const categorical = discreteCoordinates(enc).filter((j) => enc.isCategorical[j]);
  if (categorical.length > 0) {
    const perConfiguration = Math.ceil(restarts / 2);
    for (const s of scored) {
      if (starts.length >= perConfiguration) break;
      const c = categorical.map((j) => s.x[j]).join(',');
      if (configurations.has(c) || seen.has(keyOf(enc, s))) continue;
      configurations.add(c);
      seen.add(keyOf(enc, s));
      starts.push(s);
    }
  }
  for (const s of scored) {
    if (starts.length >= restarts) break;
    if (seen.has(keyOf(enc, s))) continue;
    seen.add(keyOf(enc, s));
    starts.push(s);
  }
  return starts;
}

/** Local search from `start` (snapped): alternating L-BFGS on C and discrete sweeps over D. */
function refine(
  acquisition: Acquisition, enc: Encoding, start: Scored,
  cont: number[], disc: number[], maxIterations: number, sweeps: number, rng: Rng, shouldStop?: () => boolean,
): Scored {
  let current = start;
  const d = enc.dim;
  const gradient = new Float64Array(d);
  const nc = cont.length;
  const lower = new Float64Array(nc);
  const upper = new Float64Array(nc).fill(1);
  for (let round = 0; round < sweeps; round++) {
    if (nc > 0) {
      const base = current.x.slice();
      const fg = (z: Float64Array, g: Float64Array): number => {
        for (let i = 0; i < nc; i++) base[cont[i]!] = z[i]!;
        const a = acquisition.valueWithGradient(base, gradient);
        for (let i = 0; i < nc; i++) g[i] = -gradient[cont[i]!]!;
        return -a;
      };
      const z0 = Float64Array.from(cont, (j) => current.x[j]!);
      const result = minimizeBox(fg, z0, lower, upper, { maxIterations, ...(shouldStop ? { shouldStop } : {}) });
      const x = current.x.slice();
      for (let i = 0; i < nc; i++) x[cont[i]!] = result.x[i]!;
      const [scored] = scoreAll(acquisition, d, [snap(enc, x)]);
      if (scored!.value > current.value) current = scored!;
    }
    let sweepImproved = false;
    for (const j of disc) {
      if (shouldStop?.()) return current;
      const neighbours = discreteNeighbours(enc, current.x, j, rng).map((y) => snap(enc, y));
      if (neighbours.length === 0) continue;
      const scored = scoreAll(acquisition, d, neighbours);
      let top = current;
      for (const s of scored) if (s.value > top.value) top = s;
      if (top !== current) {
        current = top;
        sweepImproved = true;
      }
    }
    // With D unchanged, another continuous phase would restart at its own optimum.
    if (!sweepImproved || shouldStop?.()) break;
  }
  return current;
}

/**
 * argmax_x a(x) over the encoded space, excluding K (see module doc).
 *
 * @param acquisition  a(x), value and gradient (acquisition.ts).
 * @param enc          the encoding the model was built with; enc.dim = model.d.
 * @param model        the model's data (may include pending points), for the perturbed candidates.
 * @returns the snapped maximizer with its decoded params, a(x), μ and s².
 * @throws AcquisitionOptimizerError('space-exhausted') when every candidate tried is in K.
 */
export function maximizeAcquisition(acquisition: Acquisition, enc: Encoding, model: ModelData, options: AcquisitionMaximizerOptions): AcquisitionMaximum {
  if (enc.dim !== model.d) throw new InvariantError(`maximizeAcquisition: encoding has ${enc.dim} dimensions, the model ${model.d}`);
  const { rng, exclude, shouldStop } = options;
  const d = enc.dim;
  const n = model.n;
  const rawCount = options.rawSamples ?? rawSampleCount(n, d);
  const restarts = options.restarts ?? (n > 400 ? 3 : 5);
  const maxIterations = options.maxIterations ?? (n > 400 ? 20 : 50);
  const sweeps = options.sweeps ?? 3;

  const size = discreteSpaceSize(enc, rawCount);
  const raw: Float64Array[] = Number.isFinite(size)
    ? enumerateByValue(enc, size)
    : [...sobolCandidates(enc, rawCount, rng.fork(1)), ...perturbedCandidates(model, enc, Math.max(16, rawCount >> 2), rng.fork(2), options.perturbationScales)];
  const scored = scoreRaw(acquisition, d, raw, shouldStop).sort((a, b) => b.value - a.value);

  const starts = startPoints(enc, scored, restarts);
  const cont = continuousCoordinates(enc);
  const disc = Number.isFinite(size) ? [] : discreteCoordinates(enc);
  // Past a deadline a start is kept as it is: at worst the answer is the best raw candidate.
  const refined = starts
    .map((s, i) => (shouldStop?.() ? s : refine(acquisition, enc, s, cont, disc, maxIterations, sweeps, rng.fork(10 + i), shouldStop)))
    .sort((a, b) => b.value - a.value);

  const result = (s: Scored): AcquisitionMaximum => ({ x: s.x, params: decode(enc, s.x), value: s.value, mean: s.mean, variance: s.variance });
  for (const s of [...refined, ...scored]) if (!exclude.has(keyOf(enc, s))) return result(s);
  // Every raw candidate is excluded: try uniformly random points before giving up.
  const fallback = rng.fork(3);
  const randomPoints: Float64Array[] = [];
  for (let t = 0; t < 256; t++) {
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const k = enc.nChoices[j]!;
      x[j] = k > 0 ? fallback.int(0, k - 1) : fallback.uniform();
    }
    randomPoints.push(snap(enc, x));
  }
  for (const s of scoreAll(acquisition, d, randomPoints).sort((a, b) => b.value - a.value)) if (!exclude.has(keyOf(enc, s))) return result(s);
  throw new AcquisitionOptimizerError('space-exhausted', 'every candidate the acquisition optimizer tried has already been observed or is pending');
}
