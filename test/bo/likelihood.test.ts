import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { likelihoodWorkspace, logMarginalLikelihood } from '../../src/bo/likelihood.js';
import { logPrior } from '../../src/bo/prior.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/gp-golden.json', import.meta.url), 'utf8')) as {
  cases: { d: number; X: number[]; y: number[]; lengthscales: number[]; signalVariance: number; noiseVariance: number; mean: number; logMarginalLikelihood: number }[];
};

function data(n: number, d: number, seed: number) {
  let s = seed;
  const u = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const isCategorical = new Uint8Array(d);
  isCategorical[d - 1] = 1;
  const X = Float64Array.from({ length: n * d }, (_, i) => (i % d === d - 1 ? Math.floor(u() * 3) : u()));
  const y = Float64Array.from({ length: n }, (_, i) => Math.cos(4 * X[i * d]!) + 0.3 * X[i * d + d - 1]! - 0.2);
  return { X, y, isCategorical };
}

describe('logMarginalLikelihood', () => {
  it('matches scikit-learn’s log_marginal_likelihood_value_ to 1e-10', () => {
    for (const c of golden.cases) {
      const theta = Float64Array.from([...c.lengthscales.map(Math.log), Math.log(c.signalVariance), Math.log(c.noiseVariance), c.mean]);
      const v = logMarginalLikelihood(Float64Array.from(c.X), Float64Array.from(c.y), new Uint8Array(c.d), theta);
      expect(Math.abs(v - c.logMarginalLikelihood)).toBeLessThan(1e-10 * Math.max(1, Math.abs(c.logMarginalLikelihood)));
    }
  });

  it('returns the same value with and without the gradient, and with a reused workspace', () => {
    const { X, y, isCategorical } = data(15, 3, 2);
    const theta = Float64Array.from([-1, 0, 0.5, 0.1, -4, 0.2]);
    const ws = likelihoodWorkspace(15, 3);
    const a = logMarginalLikelihood(X, y, isCategorical, theta);
    const b = logMarginalLikelihood(X, y, isCategorical, theta, new Float64Array(6), ws);
    const c = logMarginalLikelihood(X, y, isCategorical, theta, new Float64Array(6), ws);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('has a gradient of log-likelihood + log-prior that matches central finite differences (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2.5, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -7, max: -1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (ll, ls, ln, c, seed) => {
          const { X, y, isCategorical } = data(12, 3, seed);
          const theta = Float64Array.from([...ll, ls, ln, c]);
          const f = (t: Float64Array) => logMarginalLikelihood(X, y, isCategorical, t) + logPrior(t);
          const g = new Float64Array(6);
          logMarginalLikelihood(X, y, isCategorical, theta, g);
          logPrior(theta, g);
          for (let i = 0; i < 6; i++) {
            const h = 1e-5;
            const tp = theta.slice();
            const tm = theta.slice();
            tp[i] = tp[i]! + h;
            tm[i] = tm[i]! - h;
            const fd = (f(tp) - f(tm)) / (2 * h);
            expect(Math.abs(g[i]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
          }
        },
      ),
      { seed: 17, numRuns: 60 },
    );
  });

  it('returns −Infinity instead of throwing when the covariance cannot be factored', () => {
    const X = Float64Array.from([0.5, 0.5]);
    const y = Float64Array.from([1, -1]);
    // NaN lengthscale makes every entry NaN.
    expect(logMarginalLikelihood(X, y, new Uint8Array(1), Float64Array.from([Number.NaN, 0, -4, 0]))).toBe(-Infinity);
  });
});
