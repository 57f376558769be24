import { describe, expect, it } from 'vitest';
import { createEncoding, designPoint, encode, paramsKey } from '../../src/bo/encoding.js';
import { conditionedRows, suggestNext, type EngineInput, type ModelCache } from '../../src/bo/engine.js';
import { MODEL_SUBSET } from '../../src/bo/engine-policy.js';
import type { GaussianProcess } from '../../src/bo/gp.js';
import { modelSubset, scaledDistances, type SubsetKind } from '../../src/bo/model-subset.js';
import { modelView } from '../../src/bo/model-view.js';
import { createRng } from '../../src/bo/rng.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

const KINDS: SubsetKind[] = ['local', 'mixed', 'best-recent'];

function randomRows(n: number, d: number, seed: number): { X: Float64Array; y: Float64Array } {
  const rng = createRng(seed);
  return { X: Float64Array.from({ length: n * d }, () => rng.uniform()), y: Float64Array.from({ length: n }, () => rng.normal()) };
}

function memoryCache(): ModelCache & { model?: GaussianProcess } {
  const cache: ModelCache & { model?: GaussianProcess } = { get: () => cache.model, set: (gp) => void (cache.model = gp) };
  return cache;
}

describe('scaledDistances', () => {
  it('is the ℓ-scaled squared distance, a differing category counting 1/ℓ²', () => {
    // Rows (0.5, 0) and (0.8, 1), the second dimension categorical; ℓ = (0.5, 2).
    const X = Float64Array.of(0.5, 0, 0.8, 1, 0.2, 0);
    const r = scaledDistances(X, 3, 2, 0, Uint8Array.of(0, 1), Float64Array.of(Math.log(0.5), Math.log(2)));
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo((0.3 / 0.5) ** 2 + 1 / 4, 14);
    expect(r[2]).toBeCloseTo((0.3 / 0.5) ** 2, 14);
  });
});

describe('modelSubset', () => {
  it.each(KINDS)('%s keeps every row, in order, when n ≤ size', (kind) => {
    const { X, y } = randomRows(30, 3, 1);
    expect(Array.from(modelSubset(X, y, 3, new Uint8Array(3), { kind, size: 30 }))).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it.each(KINDS.flatMap((kind) => [1, 2, 3].map((seed) => [kind, seed] as const)))('%s (seed %i) keeps size rows, ascending, the incumbent among them', (kind, seed) => {
    const { X, y } = randomRows(200, 4, seed);
    const idx = Array.from(modelSubset(X, y, 4, new Uint8Array(4), { kind, size: 37 }));
    expect(idx).toHaveLength(37);
    expect(idx.every((v, i) => i === 0 || v > idx[i - 1]!)).toBe(true);
    const incumbent = y.indexOf(Math.max(...y));
    expect(idx).toContain(incumbent);
  });

  it('local keeps the rows nearest the incumbent (hand-checked, 1-D)', () => {
    // Best at x = 0.9: distances 0.81, 0.64, 0.16, 0, 0.0025.
    const X = Float64Array.of(0, 0.1, 0.5, 0.9, 0.95);
    const y = Float64Array.of(0, 1, 0, 2, -1);
    expect(Array.from(modelSubset(X, y, 1, new Uint8Array(1), { kind: 'local', size: 3 }))).toEqual([2, 3, 4]);
  });

  it('local measures nearness in lengthscales: a long ℓ makes its dimension matter less', () => {
    // Incumbent (0.5, 0.5); row 1 is off by 0.2 in x, row 2 by 0.3 in y.
    const X = Float64Array.of(0.5, 0.5, 0.7, 0.5, 0.5, 0.8);
    const y = Float64Array.of(1, 0, 0);
    const local = (logL?: Float64Array) => Array.from(modelSubset(X, y, 2, new Uint8Array(2), { kind: 'local', size: 2 }, logL));
    expect(local()).toEqual([0, 1]);
    expect(local(Float64Array.of(0, Math.log(10)))).toEqual([0, 2]);
  });

  it('among equal distances keeps the earlier rows', () => {
    const X = new Float64Array(6 * 2).fill(0.5);
    const y = new Float64Array(6);
    expect(Array.from(modelSubset(X, y, 2, new Uint8Array(2), { kind: 'local', size: 3 }))).toEqual([0, 1, 2]);
  });

  it('mixed holds the ⌈m/2⌉ nearest and then the ⌈m/4⌉ best of the rest', () => {
    const { X, y } = randomRows(300, 3, 9);
    const m = 40;
    const idx = new Set(modelSubset(X, y, 3, new Uint8Array(3), { kind: 'mixed', size: m }));
    const nearest = new Set(modelSubset(X, y, 3, new Uint8Array(3), { kind: 'local', size: m / 2 }));
    for (const i of nearest) expect(idx.has(i)).toBe(true);
    const bestOfRest = Array.from(y.keys()).filter((i) => !nearest.has(i)).sort((a, b) => y[b]! - y[a]!).slice(0, m / 4);
    for (const i of bestOfRest) expect(idx.has(i)).toBe(true);
  });

  it('best-recent keeps the better half and then the most recent rows', () => {
    const X = Float64Array.from({ length: 10 }, (_, i) => i / 10);
    const y = Float64Array.of(9, 8, 0, 0, 0, 0, 0, 0, 0, 0);
    expect(Array.from(modelSubset(X, y, 1, new Uint8Array(1), { kind: 'best-recent', size: 4 }))).toEqual([0, 1, 8, 9]);
  });
});

const space: ParamSpec[] = [
  { name: 'x', type: 'float', low: 0, high: 1 },
  { name: 'y', type: 'float', low: 0, high: 1 },
];
const f = (p: Params) => ((p.x as number) - 0.3) ** 2 + ((p.y as number) - 0.6) ** 2;

function input(n: number): EngineInput {
  const enc = createEncoding(space);
  const rng = createRng(3);
  const observations = Array.from({ length: n }, () => {
    const params = designPoint(enc, [rng.uniform(), rng.uniform()]);
    return { params, value: f(params) };
  });
  return { space, goal: 'minimize', observations, pending: [], count: 1, seed: 5 };
}

describe('the engine with a model subset', () => {
  it('below the subset size is the exact GP, bit for bit', () => {
    const small = input(40);
    const byDefault = suggestNext(small);
    expect(suggestNext(small, { experiment: { modelSubset: null } })).toEqual(byDefault);
    expect(suggestNext(small, { experiment: { modelSubset: { kind: 'local', size: 40 } } })).toEqual(byDefault);
    expect(byDefault.work.rows).toBe(40);
  });

  it('above it conditions on the subset, never suggests an observed point, and the model view conditions on the same rows', () => {
    const big = input(MODEL_SUBSET.size + 50);
    const enc = createEncoding(space);
    const first = suggestNext(big);
    const cache = memoryCache();
    const out = suggestNext({ ...big, previous: first.hyperparameters }, { modelCache: cache });
    expect(out.work.rows).toBe(MODEL_SUBSET.size);
    expect(cache.model!.n).toBe(MODEL_SUBSET.size);
    const observed = new Set(big.observations.map((o) => paramsKey(enc, o.params)));
    expect(observed.has(paramsKey(enc, out.suggestions[0]!.params))).toBe(false);
    // The cached rows are observations, the incumbent among them.
    const best = big.observations.reduce((a, b) => (b.value < a.value ? b : a));
    const rows = Array.from({ length: cache.model!.n }, (_, i) => Array.from(cache.model!.X.subarray(2 * i, 2 * i + 2)).join());
    expect(rows).toContain(Array.from(encode(enc, best.params)).join());
    const engineModel = cache.model!;
    const view = modelView(
      { space, goal: 'minimize', observations: big.observations, incumbent: best.params, previous: first.hyperparameters, seed: 1, query: { kind: 'importances' } },
      { modelCache: cache },
    );
    expect(view.rows).toBe(MODEL_SUBSET.size);
    expect(cache.model!.X).toEqual(engineModel.X);
    expect(cache.model!.L).toEqual(engineModel.L);
  });

  it('never suggests an observation outside the subset: a finite space of 500 points, 450 observed', () => {
    const grid: ParamSpec[] = [{ name: 'a', type: 'int', low: 1, high: 25 }, { name: 'b', type: 'int', low: 1, high: 20 }];
    const enc = createEncoding(grid);
    const rng = createRng(8);
    const all = Array.from({ length: 500 }, (_, i) => ({ a: 1 + (i % 25), b: 1 + Math.floor(i / 25) }));
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    const g = (p: Params) => ((p.a as number) - 12) ** 2 + ((p.b as number) - 9) ** 2;
    const observations = all.slice(0, 450).map((params) => ({ params, value: g(params) }));
    const out = suggestNext({ space: grid, goal: 'minimize', observations, pending: [], count: 3, seed: 2 });
    expect(out.work.rows).toBe(MODEL_SUBSET.size);
    const observed = new Set(observations.map((o) => paramsKey(enc, o.params)));
    expect(out.suggestions).toHaveLength(3);
    for (const s of out.suggestions) expect(observed.has(paramsKey(enc, s.params))).toBe(false);
  });

  it('conditionedRows with a size of at least n hands back the rows themselves', () => {
    const X = Float64Array.of(0.1, 0.2, 0.3, 0.4);
    const y = Float64Array.of(1, 2);
    const rows = conditionedRows(createEncoding(space), X, y, { modelSubset: { kind: 'mixed', size: 2 } }, undefined);
    expect(rows.X).toBe(X);
    expect(rows.y).toBe(y);
  });
});
