import { describe, expect, it } from 'vitest';
import { suggestNext, type FittedHyperparameters, type ModelCache, type EngineInput } from '../../src/bo/engine.js';
import { REFIT_ALWAYS_UP_TO, refitHyperparameters } from '../../src/bo/engine-policy.js';
import { createEncoding, designPoint } from '../../src/bo/encoding.js';
import type { GaussianProcess } from '../../src/bo/gp.js';
import { createRng } from '../../src/bo/rng.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

const space: ParamSpec[] = [
  { name: 'x', type: 'float', low: 0, high: 1 },
  { name: 'y', type: 'float', low: 0, high: 1 },
  { name: 'k', type: 'categorical', choices: ['a', 'b'] },
];
const f = (p: Params) => ((p.x as number) - 0.3) ** 2 + ((p.y as number) - 0.6) ** 2 + (p.k === 'a' ? 0 : 0.2);

function observations(n: number): { params: Params; value: number }[] {
  const enc = createEncoding(space);
  const rng = createRng(11);
  return Array.from({ length: n }, () => {
    const params = designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform()));
    return { params, value: f(params) };
  });
}

function memoryCache(): ModelCache & { model?: GaussianProcess } {
  const cache: ModelCache & { model?: GaussianProcess } = { get: () => cache.model, set: (gp) => void (cache.model = gp) };
  return cache;
}

const fitted = (observations: number): FittedHyperparameters => ({ logLengthscales: [0, 0, 0], logSignalVariance: 0, logNoiseVariance: -4, mean: 0, observations });

describe('refitHyperparameters', () => {
  it('refits while n is small, and above that once n grew by 5%', () => {
    expect(refitHyperparameters(REFIT_ALWAYS_UP_TO, fitted(REFIT_ALWAYS_UP_TO - 1))).toBe(true);
    expect(refitHyperparameters(201, fitted(200))).toBe(false);
    expect(refitHyperparameters(209, fitted(200))).toBe(false);
    expect(refitHyperparameters(210, fitted(200))).toBe(true);
  });

  it('never refits without a new observation, and always for a state that does not say when it was fitted', () => {
    expect(refitHyperparameters(20, fitted(20))).toBe(false);
    expect(refitHyperparameters(500, { ...fitted(0), observations: undefined })).toBe(true);
    expect(refitHyperparameters(10, fitted(20))).toBe(true);
  });
});

describe('suggestNext with a model cache', () => {
  const all = observations(40);
  const input = (n: number, previous?: FittedHyperparameters): EngineInput => ({
    space, goal: 'minimize', observations: all.slice(0, n), pending: [all[39]!.params], count: 2, seed: n, ...(previous ? { previous } : {}),
  });
  // θ kept fixed from n = 30 on, as the default policy does above REFIT_ALWAYS_UP_TO.
  const keepTheta = { experiment: { refit: (n: number) => n <= 30 } };

  it('returns exactly what it returns without the cache, while reusing the factor', () => {
    const cache = memoryCache();
    const first = suggestNext(input(30), { modelCache: cache, ...keepTheta });
    expect(first.work).toEqual({ fitted: true, reusedRows: 0, rows: 30, interrupted: false });
    const next = suggestNext(input(33, first.hyperparameters), { modelCache: cache, ...keepTheta });
    const uncached = suggestNext(input(33, first.hyperparameters), keepTheta);
    expect(next.work).toEqual({ fitted: false, reusedRows: 28, rows: 33, interrupted: false });
    expect(uncached.work).toEqual({ fitted: false, reusedRows: 0, rows: 33, interrupted: false });
    expect(next.suggestions).toEqual(uncached.suggestions);
    expect(next.hyperparameters).toEqual({ ...first.hyperparameters, observations: 30 });
    expect(cache.model?.n).toBe(33);
  });

  it('reuses the whole model when no observation arrived, whatever the pending points', () => {
    const cache = memoryCache();
    const first = suggestNext(input(24), { modelCache: cache });
    const again = suggestNext({ ...input(24, first.hyperparameters), pending: [] }, { modelCache: cache });
    expect(again.work).toEqual({ fitted: false, reusedRows: 24, rows: 24, interrupted: false });
    expect(again.hyperparameters).toEqual(first.hyperparameters);
  });

  it('ignores a cached model of other data', () => {
    const cache = memoryCache();
    suggestNext({ ...input(20), observations: observations(20).map((o) => ({ ...o, value: -o.value })).reverse() }, { modelCache: cache });
    const out = suggestNext(input(20), { modelCache: cache });
    expect(out.work.reusedRows).toBe(0);
    expect(out.suggestions).toEqual(suggestNext(input(20)).suggestions);
  });
});
