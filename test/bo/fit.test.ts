import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitHyperparameters, negativeLogPosterior } from '../../src/bo/fit.js';
import { createRng } from '../../src/bo/rng.js';
import { hyperparameterBounds } from '../../src/bo/prior.js';

function data(n: number, d: number, seed: number, noise = 0) {
  const rng = createRng(seed);
  const X = Float64Array.from({ length: n * d }, () => rng.uniform());
  // Depends strongly on x0, weakly on x1, not at all on the rest.
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * X[i * d]!) + 0.3 * X[i * d + 1]! + noise * rng.normal());
  const m = y.reduce((a, b) => a + b, 0) / n;
  const s = Math.sqrt(y.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  return { X, y: y.map((v) => (v - m) / s), isCategorical: new Uint8Array(d) };
}

describe('fitHyperparameters', () => {
  it('learns a short lengthscale on the relevant dimension and long ones on the irrelevant dimensions', () => {
    const { X, y, isCategorical } = data(40, 4, 1);
    const { hyperparameters: h } = fitHyperparameters(X, y, isCategorical, { rng: createRng(2) });
    const ell = Array.from(h.logLengthscales, Math.exp);
    expect(ell[0]).toBeLessThan(1);
    expect(ell[0]! * 10).toBeLessThan(ell[2]!);
    expect(ell[0]! * 10).toBeLessThan(ell[3]!);
    expect(Math.exp(h.logNoiseVariance)).toBeLessThan(0.01);
  });

  it('finds a larger noise variance when the data are noisy', () => {
    const clean = data(50, 2, 3, 0);
    const noisy = data(50, 2, 3, 0.5);
    const a = fitHyperparameters(clean.X, clean.y, clean.isCategorical, { rng: createRng(4) }).hyperparameters;
    const b = fitHyperparameters(noisy.X, noisy.y, noisy.isCategorical, { rng: createRng(4) }).hyperparameters;
    expect(b.logNoiseVariance).toBeGreaterThan(a.logNoiseVariance + 2);
  });

  it('is deterministic for a given rng seed', () => {
    const { X, y, isCategorical } = data(25, 3, 5);
    const a = fitHyperparameters(X, y, isCategorical, { rng: createRng(9) });
    const b = fitHyperparameters(X, y, isCategorical, { rng: createRng(9) });
    expect(Array.from(b.hyperparameters.logLengthscales)).toEqual(Array.from(a.hyperparameters.logLengthscales));
    expect(b.logPosterior).toBe(a.logPosterior);
  });

  it('warm-starts from a previous fit: no worse, in far fewer evaluations', () => {
    const { X, y, isCategorical } = data(30, 3, 6);
    const cold = fitHyperparameters(X, y, isCategorical, { rng: createRng(1) });
    const warm = fitHyperparameters(X, y, isCategorical, { rng: createRng(1), previous: cold.hyperparameters });
    expect(warm.logPosterior).toBeGreaterThanOrEqual(cold.logPosterior - 1e-9);
    expect(warm.evaluations).toBeLessThan(cold.evaluations / 2);
  });

  it('returns hyperparameters inside the bounds and a finite objective', () => {
    const { X, y, isCategorical } = data(8, 2, 7);
    const { lower, upper } = hyperparameterBounds(2);
    const r = fitHyperparameters(X, y, isCategorical, { rng: createRng(3), restarts: 4 });
    const h = r.hyperparameters;
    const theta = [...h.logLengthscales, h.logSignalVariance, h.logNoiseVariance, h.mean];
    theta.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(lower[i]!);
      expect(v).toBeLessThanOrEqual(upper[i]!);
    });
    expect(Number.isFinite(r.logPosterior)).toBe(true);
  });

  it('handles constant observations (all y equal) without failing', () => {
    const X = Float64Array.from({ length: 10 }, (_, i) => i / 10);
    const y = new Float64Array(10);
    const r = fitHyperparameters(X, y, new Uint8Array(1), { rng: createRng(1) });
    expect(Number.isFinite(r.logPosterior)).toBe(true);
  });

  it('exposes the objective J = −(log lik + log prior)/n with a matching gradient', () => {
    const { X, y, isCategorical } = data(10, 2, 8);
    const J = negativeLogPosterior(X, y, isCategorical);
    const theta = Float64Array.from([-1, 0, 0.2, -4, 0.1]);
    const g = new Float64Array(5);
    J(theta, g);
    for (let i = 0; i < 5; i++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[i] = tp[i]! + 1e-6;
      tm[i] = tm[i]! - 1e-6;
      expect(g[i]).toBeCloseTo((J(tp, new Float64Array(5)) - J(tm, new Float64Array(5))) / 2e-6, 6);
    }
  });
});

describe('fitHyperparameters on a subset', () => {
  it('fits on maxPoints observations drawn with the rng and still finds the relevant dimension', () => {
    const { X, y, isCategorical } = data(120, 3, 11);
    const r = fitHyperparameters(X, y, isCategorical, { rng: createRng(1), maxPoints: 40 });
    const ell = Array.from(r.hyperparameters.logLengthscales, Math.exp);
    expect(ell[0]! * 5).toBeLessThan(ell[2]!);
    const again = fitHyperparameters(X, y, isCategorical, { rng: createRng(1), maxPoints: 40 });
    expect(again.logPosterior).toBe(r.logPosterior);
  });
});

describe('fitHyperparameters against scipy', () => {
  const golden = JSON.parse(readFileSync(new URL('../fixtures/fit-golden.json', import.meta.url), 'utf8')) as {
    cases: { d: number; X: number[]; y: number[]; theta: number[]; logPosterior: number }[];
  };

  it('reaches the log posterior that scipy L-BFGS-B finds from 21 starts, with our default 3 starts', () => {
    for (const c of golden.cases) {
      const r = fitHyperparameters(Float64Array.from(c.X), Float64Array.from(c.y), new Uint8Array(c.d), { rng: createRng(1) });
      expect(r.logPosterior).toBeGreaterThan(c.logPosterior - 1e-4 * Math.max(1, Math.abs(c.logPosterior)));
      const h = r.hyperparameters;
      const theta = [...h.logLengthscales, h.logSignalVariance, h.logNoiseVariance, h.mean];
      // Same optimum, not just the same value: relevant-dimension lengthscale and the mean agree.
      expect(theta[0]).toBeCloseTo(c.theta[0]!, 2);
      expect(theta[c.d + 2]).toBeCloseTo(c.theta[c.d + 2]!, 2);
    }
  });
});

describe('fitHyperparameters with floors', () => {
  /** y depends on a continuous x0 and on a categorical (dim 1, 4 choices) whose choices differ a lot. */
  function categoricalData(n: number, seed: number) {
    const rng = createRng(seed);
    const X = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X[2 * i] = rng.uniform();
      X[2 * i + 1] = Math.floor(4 * rng.uniform());
      y[i] = Math.sin(5 * X[2 * i]!) + [0, 1.5, -1, 0.5][X[2 * i + 1]!]!;
    }
    return { X, y, isCategorical: Uint8Array.from([0, 1]) };
  }

  it('keeps σ² at or above minSignalVariance', () => {
    const { X, y, isCategorical } = categoricalData(30, 2);
    const free = fitHyperparameters(X, y, isCategorical, { rng: createRng(3) }).hyperparameters;
    const floored = fitHyperparameters(X, y, isCategorical, { rng: createRng(3), minSignalVariance: 20 }).hyperparameters;
    // The floor binds here (otherwise the test would not test it).
    expect(Math.exp(free.logSignalVariance)).toBeLessThan(20);
    expect(Math.exp(floored.logSignalVariance)).toBeGreaterThanOrEqual(20 * (1 - 1e-12));
  });

  it('is a no-op when the floor lies below the common bound', () => {
    const { X, y, isCategorical } = categoricalData(20, 4);
    const a = fitHyperparameters(X, y, isCategorical, { rng: createRng(5) });
    const b = fitHyperparameters(X, y, isCategorical, { rng: createRng(5), minSignalVariance: 1e-3 });
    expect(b).toEqual(a);
  });
});
