import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { logExpectedImprovement, logExpectedImprovementAt } from '../../src/bo/acquisition.js';
import { suggestNext, type EngineInput } from '../../src/bo/engine.js';
import { appendObservations, gaussianProcess, posterior, posteriorWorkspace, type GaussianProcess, type Hyperparameters } from '../../src/bo/gp.js';
import { fantasyBaseSamples, fantasyLogEi } from '../../src/bo/pending-acquisition.js';
import { createRng } from '../../src/bo/rng.js';
import { pseudoData } from '../support/pseudo-data.js';


function hyper(d: number): Hyperparameters {
  return { logLengthscales: new Float64Array(d).fill(Math.log(0.4)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-3), mean: 0 };
}

/** The base GP, the pending points P (p, d) and the believer with (P, μ(P)) appended. */
function setting(p: number, cat = false) {
  const d = 3;
  const { X, y, isCategorical } = pseudoData(15, d, cat, 7);
  const base = gaussianProcess(X, y, isCategorical, hyper(d));
  const P = new Float64Array(p * d);
  for (let j = 0; j < p; j++) P.set([0.1 + 0.3 * j, 0.8 - 0.2 * j, cat ? j % 3 : 0.5], j * d);
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  posterior(base, P, p, mean, variance);
  const believer = appendObservations(base, P, mean);
  const best = y.reduce((a, b) => Math.max(a, b), -Infinity);
  return { d, base, believer, P, muP: mean, best };
}

function valueAt(a: ReturnType<typeof fantasyLogEi>, x: Float64Array): number {
  const out = new Float64Array(1);
  a.values(x, 1, out, new Float64Array(1), new Float64Array(1));
  return out[0]!;
}

const points = [Float64Array.of(0.3, 0.2, 0.9), Float64Array.of(0.75, 0.6, 0.1), Float64Array.of(0.11, 0.79, 0.52)];

describe('fantasyLogEi', () => {
  it('with one fantasy at μ(P) (ζ = 0) is the believer log EI, value and gradient', () => {
    const { d, believer, muP, best } = setting(2);
    expect(Math.max(...muP)).toBeLessThan(best); // so best_k = best
    const a = fantasyLogEi(believer, 2, best, new Float64Array(2), 1);
    const ws = posteriorWorkspace(believer);
    for (const x of points) {
      const g = new Float64Array(d);
      const gBelief = new Float64Array(d);
      const expected = logExpectedImprovementAt(believer, x, best, ws, gBelief);
      expect(a.valueWithGradient(x, g)).toBeCloseTo(expected, 12);
      expect(valueAt(a, x)).toBeCloseTo(expected, 10);
      for (let j = 0; j < d; j++) expect(g[j]).toBeCloseTo(gBelief[j]!, 10);
    }
  });

  it('with one fantasy is log EI of the GP refitted on (P, yP), with the incumbent raised to max(best, yP)', () => {
    // yP = μ(P) + L₂₂ ζ; the module's claim is that L and s² are shared and only α moves.
    const { d, base, believer, P, muP, best } = setting(3);
    const n = base.n;
    const N = believer.n;
    const zeta = Float64Array.of(2.5, -0.7, 1.2);
    const yP = new Float64Array(3);
    for (let j = 0; j < 3; j++) {
      let s = muP[j]!;
      for (let q = 0; q <= j; q++) s += believer.L[(n + j) * N + n + q]! * zeta[q]!;
      yP[j] = s;
    }
    const raised = Math.max(best, ...yP);
    expect(raised).toBeGreaterThan(best); // the first fantasy beats the incumbent
    const refit = appendObservations(base, P, yP);
    const a = fantasyLogEi(believer, 3, best, zeta, 1);
    const mean = new Float64Array(1);
    const variance = new Float64Array(1);
    for (const x of points) {
      posterior(refit, x, 1, mean, variance);
      expect(valueAt(a, x)).toBeCloseTo(logExpectedImprovement(mean[0]!, Math.sqrt(variance[0]!), raised), 9);
    }
    void d;
  });

  it('is the log of the mean EI over fantasies', () => {
    const { believer, best } = setting(2);
    const K = 5;
    const zeta = fantasyBaseSamples(K, 2, createRng(3));
    const a = fantasyLogEi(believer, 2, best, zeta, K);
    const x = points[1]!;
    const single = Array.from({ length: K }, (_, k) => valueAt(fantasyLogEi(believer, 2, best, zeta.slice(2 * k, 2 * k + 2), 1), x));
    expect(valueAt(a, x)).toBeCloseTo(Math.log(single.reduce((s, l) => s + Math.exp(l), 0) / K), 12);
  });

  it('has the gradient of its value (central differences) and none along a categorical dimension', () => {
    for (const cat of [false, true]) {
      const { d, believer, best } = setting(3, cat);
      const K = 16;
      const a = fantasyLogEi(believer, 3, best, fantasyBaseSamples(K, 3, createRng(11)), K);
      fc.assert(
        fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 2 }), (u, v, c) => {
          const x = Float64Array.of(u, v, cat ? c : 0.5);
          const g = new Float64Array(d);
          const value = a.valueWithGradient(x, g);
          expect(value).toBeCloseTo(valueAt(a, x), 10);
          if (cat) expect(g[2]).toBe(0);
          const h = 1e-6;
          for (let j = 0; j < (cat ? 2 : 3); j++) {
            const up = x.slice();
            const down = x.slice();
            up[j] = up[j]! + h;
            down[j] = down[j]! - h;
            const fd = (valueAt(a, up) - valueAt(a, down)) / (2 * h);
            expect(Math.abs(g[j]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
          }
        }),
        { seed: 42, numRuns: 50 },
      );
    }
  });

  it('reports the believer posterior as the moments', () => {
    const { believer, best } = setting(2);
    const a = fantasyLogEi(believer, 2, best, fantasyBaseSamples(8, 2, createRng(1)), 8);
    const Z = new Float64Array([...points[0]!, ...points[2]!]);
    const out = new Float64Array(2);
    const mean = new Float64Array(2);
    const variance = new Float64Array(2);
    a.values(Z, 2, out, mean, variance);
    const m2 = new Float64Array(2);
    const v2 = new Float64Array(2);
    posterior(believer as GaussianProcess, Z, 2, m2, v2);
    expect(Array.from(mean)).toEqual(Array.from(m2));
    expect(Array.from(variance)).toEqual(Array.from(v2));
  });

  it('rejects base samples of the wrong shape', () => {
    const { believer, best } = setting(2);
    expect(() => fantasyLogEi(believer, 2, best, new Float64Array(3), 2)).toThrow(RangeError);
    expect(() => fantasyLogEi(believer, 0, best, new Float64Array(0), 1)).toThrow(RangeError);
  });
});

describe('fantasyBaseSamples', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(Array.from(fantasyBaseSamples(4, 3, createRng(5)))).toEqual(Array.from(fantasyBaseSamples(4, 3, createRng(5))));
    expect(Array.from(fantasyBaseSamples(4, 3, createRng(5)))).not.toEqual(Array.from(fantasyBaseSamples(4, 3, createRng(6))));
  });
});

describe('suggestNext with pending points', () => {
  const space = [0, 1, 2].map((i) => ({ name: `x${i}`, type: 'float' as const, low: 0, high: 1 }));
  const f = (p: Record<string, unknown>) => -(((p.x0 as number) - 0.3) ** 2 + ((p.x1 as number) - 0.6) ** 2 + ((p.x2 as number) - 0.5) ** 2);
  const rng = createRng(9);
  const observations = Array.from({ length: 10 }, () => {
    const params = { x0: rng.uniform(), x1: rng.uniform(), x2: rng.uniform() };
    return { params, value: f(params) };
  });
  const input: EngineInput = { space, goal: 'maximize', observations, pending: [], count: 1, seed: 4 };

  it('leaves the sequential suggestion unchanged whatever the number of fantasies', () => {
    expect(suggestNext(input, { experiment: { fantasies: 4 } })).toEqual(suggestNext(input));
  });

  it('moves with the number of fantasies once there is a pending point', () => {
    const withPending: EngineInput = { ...input, pending: [{ x0: 0.9, x1: 0.1, x2: 0.2 }] };
    expect(suggestNext(withPending, { experiment: { fantasies: 4 } }).suggestions).not.toEqual(suggestNext(withPending).suggestions);
  });

  it('is deterministic with pending points and batches', () => {
    const withPending: EngineInput = { ...input, pending: [{ x0: 0.3, x1: 0.6, x2: 0.5 }, { x0: 0.9, x1: 0.1, x2: 0.2 }], count: 3 };
    const first = suggestNext(withPending, { experiment: { fantasies: 8 } });
    expect(suggestNext(withPending, { experiment: { fantasies: 8 } })).toEqual(first);
    expect(first.suggestions).toHaveLength(3);
    const keys = new Set(first.suggestions.map((s) => JSON.stringify(s.params)));
    expect(keys.size).toBe(3);
  });
});
