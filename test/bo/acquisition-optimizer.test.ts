import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AcquisitionOptimizerError, maximizeAcquisition } from '../../src/bo/acquisition-optimizer.js';
import { rawSampleCount } from '../../src/bo/candidates.js';
import { logEiAcquisition, logExpectedImprovement } from '../../src/bo/acquisition.js';
import { createEncoding, decode, designPoint, encode, paramsKey, validateParams, type Encoding } from '../../src/bo/encoding.js';
import { gaussianProcess, posterior, type Hyperparameters } from '../../src/bo/gp.js';
import { InvariantError } from '../../src/bo/errors.js';
import { createRng } from '../../src/bo/rng.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

const mixedSpace: ParamSpec[] = [
  { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
  { name: 'x', type: 'float', low: -2, high: 3 },
  { name: 'layers', type: 'int', low: 1, high: 6 },
  { name: 'units', type: 'int', low: 8, high: 512, log: true },
  { name: 'batch', type: 'ordinal', values: [16, 32, 64, 128] },
  { name: 'opt', type: 'categorical', choices: ['adam', 'sgd', true, 3] },
];

function hyper(d: number, lengthscale: number, mean: number): Hyperparameters {
  return { logLengthscales: new Float64Array(d).fill(Math.log(lengthscale)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-4), mean };
}

/** A GP on `points` with values f(x) (standardized by hand: f is O(1)). */
function modelOn(enc: Encoding, points: Params[], f: (x: Float64Array) => number, lengthscale = 0.3) {
  const d = enc.dim;
  const X = new Float64Array(points.length * d);
  const y = new Float64Array(points.length);
  points.forEach((p, i) => {
    const x = encode(enc, p);
    X.set(x, i * d);
    y[i] = f(x);
  });
  // Prior mean at the data's mean, as a fitted constant mean would be.
  const gp = gaussianProcess(X, y, enc.isCategorical, hyper(d, lengthscale, y.reduce((a, b) => a + b, 0) / y.length));
  return { gp, best: Math.max(...y), keys: new Set(points.map((p) => paramsKey(enc, p))) };
}

function randomDesign(enc: Encoding, count: number, seed: number): Params[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform())));
}

describe('maximizeAcquisition with log EI', () => {
  it('returns a valid point inside the encoded box that is neither observed nor pending, whatever the data', () => {
    const enc = createEncoding(mixedSpace);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 12 }), (seed, n) => {
        const points = randomDesign(enc, n, seed);
        const { gp, best, keys } = modelOn(enc, points, (x) => Math.sin(3 * x[0]!) + x[1]! - 0.2 * x[5]!);
        const pending = randomDesign(enc, 2, seed + 1);
        const exclude = new Set([...keys, ...pending.map((p) => paramsKey(enc, p))]);
        const r = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(seed), exclude, rawSamples: 64, restarts: 2, maxIterations: 15 });
        expect(validateParams(enc, r.params)).toEqual([]);
        expect(exclude.has(paramsKey(enc, r.params))).toBe(false);
        for (let j = 0; j < enc.dim; j++) {
          const hi = enc.isCategorical[j] ? enc.nChoices[j]! - 1 : 1;
          expect(r.x[j]).toBeGreaterThanOrEqual(0);
          expect(r.x[j]).toBeLessThanOrEqual(hi);
        }
        expect(Number.isFinite(r.value)).toBe(true);
      }),
      { seed: 20261127, numRuns: 25 },
    );
  });

  it('reports the log EI, mean and variance of the point it returns', () => {
    const enc = createEncoding(mixedSpace);
    const { gp, best, keys } = modelOn(enc, randomDesign(enc, 10, 3), (x) => x[1]! - x[0]!);
    const r = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(1), exclude: keys });
    const mean = new Float64Array(1);
    const variance = new Float64Array(1);
    posterior(gp, encode(enc, r.params), 1, mean, variance);
    expect(r.mean).toBeCloseTo(mean[0]!, 10);
    expect(r.variance).toBeCloseTo(variance[0]!, 10);
    expect(r.value).toBeCloseTo(logExpectedImprovement(mean[0]!, Math.sqrt(variance[0]!), best), 10);
  });

  it('gives the same answer for the same seed', () => {
    const enc = createEncoding(mixedSpace);
    const { gp, best, keys } = modelOn(enc, randomDesign(enc, 8, 5), (x) => Math.cos(4 * x[1]!));
    const a = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(42), exclude: keys });
    const b = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(42), exclude: keys });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(a.value).toBe(b.value);
  });

  it('moves towards the maximum of a concave quadratic, between the observations that bracket it', () => {
    const enc = createEncoding([{ name: 'a', type: 'float', low: 0, high: 1 }]);
    const f = (x: Float64Array) => -4 * (x[0]! - 0.7) ** 2;
    const points = [0, 0.2, 0.4, 1].map((a) => ({ a }));
    const { gp, best, keys } = modelOn(enc, points, f, 0.4);
    const r = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(2), exclude: keys });
    // The closest observations are 0.3 away (0.4 and 1).
    expect(Math.abs((r.params.a as number) - 0.7)).toBeLessThan(0.2);
  });

  it('finds the best cell of a discrete-only space by enumeration and skips observed cells', () => {
    const enc = createEncoding([
      { name: 'k', type: 'int', low: 0, high: 9 },
      { name: 'c', type: 'categorical', choices: ['a', 'b', 'c'] },
    ]);
    // Maximum at k = 6, c = 'b'; observe everything but a few far cells and the optimum's neighbour.
    const f = (x: Float64Array) => -Math.abs(x[0]! - 0.65) * 3 - (x[1] === 1 ? 0 : 1);
    const observed = randomDesign(enc, 8, 9).filter((p) => !(p.k === 6 && p.c === 'b'));
    const { gp, best, keys } = modelOn(enc, observed, f, 0.5);
    const r = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(3), exclude: keys });
    expect(keys.has(paramsKey(enc, r.params))).toBe(false);
    expect(validateParams(enc, r.params)).toEqual([]);
  });

  it('throws space-exhausted when every point of a finite space is excluded', () => {
    const enc = createEncoding([
      { name: 'k', type: 'int', low: 1, high: 3 },
      { name: 'c', type: 'categorical', choices: [false, true] },
    ]);
    const all: Params[] = [];
    for (const k of [1, 2, 3]) for (const c of [false, true]) all.push({ k, c });
    const { gp, best, keys } = modelOn(enc, all, (x) => x[0]!);
    expect(() => maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(1), exclude: keys })).toThrow(AcquisitionOptimizerError);
  });

  it('searches large discrete spaces that cannot be enumerated, stepping through int and categorical cells', () => {
    const enc = createEncoding([
      { name: 'n', type: 'int', low: 1, high: 400 },
      { name: 'm', type: 'int', low: 1, high: 300 },
      { name: 'c', type: 'categorical', choices: ['p', 'q', 'r', 's'] },
    ]);
    const f = (x: Float64Array) => -((x[0]! - 0.2) ** 2 + (x[1]! - 0.8) ** 2) * 5 - (x[2] === 3 ? 0 : 0.5);
    const points = randomDesign(enc, 15, 21);
    const { gp, best, keys } = modelOn(enc, points, f, 0.4);
    const r = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(4), exclude: keys });
    expect(validateParams(enc, r.params)).toEqual([]);
    expect(Number.isInteger(r.params.n)).toBe(true);
    expect(keys.has(paramsKey(enc, r.params))).toBe(false);
    // Refinement never returns something worse than the best raw candidate scored on the same model.
    expect(r.value).toBeGreaterThan(-50);
  });

  it('uses fewer raw candidates as n grows and more as d grows', () => {
    expect(rawSampleCount(50, 2)).toBe(512);
    expect(rawSampleCount(50, 6)).toBe(512);
    expect(rawSampleCount(1000, 6)).toBeLessThan(rawSampleCount(100, 6));
    expect(rawSampleCount(50, 20)).toBeGreaterThan(rawSampleCount(50, 6));
  });

  it('decodes its result to the same params it returns', () => {
    const enc = createEncoding(mixedSpace);
    const { gp, best, keys } = modelOn(enc, randomDesign(enc, 6, 8), (x) => x[2]!);
    const r = maximizeAcquisition(logEiAcquisition(gp, best), enc, gp, { rng: createRng(8), exclude: keys });
    expect(decode(enc, r.x)).toEqual(r.params);
  });
});

describe('misuse', () => {
  it('a model of another dimension than the encoding is a bug (InvariantError), not an exhausted space', () => {
    const enc = createEncoding(mixedSpace);
    const { gp, best } = modelOn(enc, randomDesign(enc, 5, 1), (x) => x[0]!);
    const wrong = { X: gp.X, y: gp.y, n: gp.n, d: gp.d + 1 };
    expect(() => maximizeAcquisition(logEiAcquisition(gp, best), enc, wrong, { rng: createRng(1), exclude: new Set() })).toThrow(InvariantError);
  });
});
