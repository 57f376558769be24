import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  appendObservations, gaussianProcess, posterior, posteriorWithGradient, posteriorWorkspace, VARIANCE_FLOOR,
  type Hyperparameters,
} from '../../src/bo/gp.js';
import { logExpectedImprovement, logExpectedImprovementWithGradient } from '../../src/bo/acquisition.js';
import { pseudoData } from '../support/pseudo-data.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/gp-golden.json', import.meta.url), 'utf8')) as {
  cases: {
    d: number; X: number[]; y: number[]; Xtest: number[]; lengthscales: number[]; signalVariance: number;
    noiseVariance: number; mean: number; postMean: number[]; postStd: number[];
  }[];
};

function hyperOf(c: (typeof golden.cases)[number]): Hyperparameters {
  return {
    logLengthscales: Float64Array.from(c.lengthscales, Math.log),
    logSignalVariance: Math.log(c.signalVariance),
    logNoiseVariance: Math.log(c.noiseVariance),
    mean: c.mean,
  };
}


const hyper = (d: number): Hyperparameters => ({
  logLengthscales: new Float64Array(d).fill(Math.log(0.4)), logSignalVariance: Math.log(1.2), logNoiseVariance: Math.log(1e-3), mean: 0.1,
});

describe('gaussianProcess posterior', () => {
  it('matches scikit-learn GaussianProcessRegressor (fixed kernel, alpha = noise) to 1e-10', () => {
    for (const c of golden.cases) {
      const n = c.y.length;
      const m = c.Xtest.length / c.d;
      const gp = gaussianProcess(Float64Array.from(c.X), Float64Array.from(c.y), new Uint8Array(c.d), hyperOf(c));
      expect(gp.jitter).toBe(0);
      expect(gp.n).toBe(n);
      const mean = new Float64Array(m);
      const v = new Float64Array(m);
      posterior(gp, Float64Array.from(c.Xtest), m, mean, v);
      for (let j = 0; j < m; j++) {
        expect(Math.abs(mean[j]! - c.postMean[j]!)).toBeLessThan(1e-10);
        expect(Math.abs(Math.sqrt(v[j]!) - c.postStd[j]!)).toBeLessThan(1e-10);
      }
    }
  });

  it('gives the same mean and variance from the single-point path as from the batch path', () => {
    const { X, y, isCategorical } = pseudoData(30, 3, true);
    const gp = gaussianProcess(X, y, isCategorical, hyper(3));
    const Z = Float64Array.from([0.2, 0.7, 1, 0.9, 0.1, 0, 0.5, 0.5, 2]);
    const mean = new Float64Array(3);
    const v = new Float64Array(3);
    posterior(gp, Z, 3, mean, v);
    const ws = posteriorWorkspace(gp);
    for (let j = 0; j < 3; j++) {
      posteriorWithGradient(gp, Z.subarray(j * 3, j * 3 + 3), ws);
      expect(ws.mean).toBeCloseTo(mean[j]!, 12);
      expect(ws.variance).toBeCloseTo(v[j]!, 12);
    }
  });

  it('has x-gradients of the mean, the variance and log EI that match central finite differences', () => {
    const d = 3;
    const { X, y, isCategorical } = pseudoData(25, d, true);
    const gp = gaussianProcess(X, y, isCategorical, hyper(d));
    const ws = posteriorWorkspace(gp);
    const best = Math.max(...y);
    const lei = (x: Float64Array) => {
      posteriorWithGradient(gp, x, ws);
      return logExpectedImprovement(ws.mean, Math.sqrt(ws.variance), best);
    };
    for (const x0 of [[0.3, 0.6, 1], [0.95, 0.05, 0], [0.5, 0.5, 2]]) {
      const x = Float64Array.from(x0);
      posteriorWithGradient(gp, x, ws);
      const dMean = ws.dMean.slice();
      const dVar = ws.dVariance.slice();
      const g2 = new Float64Array(2);
      logExpectedImprovementWithGradient(ws.mean, Math.sqrt(ws.variance), best, g2);
      // Chain rule: ∂logEI/∂x = ∂/∂μ·∂μ/∂x + ∂/∂s·∂s²/∂x / (2s).
      const s = Math.sqrt(ws.variance);
      for (let j = 0; j < 2; j++) {
        const h = 1e-6;
        const xp = x.slice();
        const xm = x.slice();
        xp[j] = xp[j]! + h;
        xm[j] = xm[j]! - h;
        posteriorWithGradient(gp, xp, ws);
        const mp = ws.mean;
        const vp = ws.variance;
        posteriorWithGradient(gp, xm, ws);
        expect(dMean[j]).toBeCloseTo((mp - ws.mean) / (2 * h), 6);
        expect(dVar[j]).toBeCloseTo((vp - ws.variance) / (2 * h), 6);
        const fd = (lei(xp) - lei(xm)) / (2 * h);
        const chain = g2[0]! * dMean[j]! + (g2[1]! * dVar[j]!) / (2 * s);
        expect(Math.abs(chain - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
      expect(dMean[2]).toBe(0);
      expect(dVar[2]).toBe(0);
    }
  });

  it('interpolates the data: the mean is near y and the variance near the floor at an observed point when noise is tiny', () => {
    const { X, y, isCategorical } = pseudoData(10, 2, false);
    const gp = gaussianProcess(X, y, isCategorical, { ...hyper(2), logNoiseVariance: Math.log(1e-8) });
    const ws = posteriorWorkspace(gp);
    posteriorWithGradient(gp, X.subarray(0, 2), ws);
    expect(ws.mean).toBeCloseTo(y[0]!, 5);
    expect(ws.variance).toBeLessThan(1e-6);
    expect(ws.variance).toBeGreaterThanOrEqual(VARIANCE_FLOOR);
  });

  it('keeps the posterior variance within [floor, σ²] anywhere (property)', () => {
    const { X, y, isCategorical } = pseudoData(40, 2, false, 5);
    const gp = gaussianProcess(X, y, isCategorical, hyper(2));
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { minLength: 2, maxLength: 2 }), (x) => {
        const mean = new Float64Array(1);
        const v = new Float64Array(1);
        posterior(gp, Float64Array.from(x), 1, mean, v);
        expect(v[0]).toBeGreaterThanOrEqual(VARIANCE_FLOOR);
        expect(v[0]).toBeLessThanOrEqual(gp.kernel.signalVariance * (1 + 1e-12));
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it('appends observations by extending the factor, matching a refit on all the data', () => {
    const d = 3;
    const { X, y, isCategorical } = pseudoData(30, d, true, 7);
    const base = gaussianProcess(X.subarray(0, 24 * d), y.subarray(0, 24), isCategorical, hyper(d));
    const appended = appendObservations(base, X.subarray(24 * d), y.subarray(24));
    const full = gaussianProcess(X, y, isCategorical, hyper(d));
    expect(appended.n).toBe(30);
    for (let i = 0; i < 30 * 30; i++) expect(appended.L[i]).toBeCloseTo(full.L[i]!, 10);
    for (let i = 0; i < 30; i++) expect(appended.alpha[i]).toBeCloseTo(full.alpha[i]!, 8);
    // The original model is unchanged.
    expect(base.n).toBe(24);
    expect(base.L.length).toBe(24 * 24);
  });

  it('conditioning on a pending point at its mean (kriging believer) drops the variance there to the noise level, and leaves the mean', () => {
    const d = 2;
    const { X, y, isCategorical } = pseudoData(12, d, false, 3);
    const h = hyper(d);
    const gp = gaussianProcess(X, y, isCategorical, h);
    const z = Float64Array.of(0.93, 0.07);
    const mean = new Float64Array(1);
    const variance = new Float64Array(1);
    posterior(gp, z, 1, mean, variance);
    const before = { mean: mean[0]!, variance: variance[0]! };
    const believer = appendObservations(gp, z, Float64Array.of(before.mean));
    posterior(believer, z, 1, mean, variance);
    // Latent variance after one observation with noise σn² at z: v − v²/(v + σn²) = v·σn²/(v + σn²) ≤ σn².
    const noise = Math.exp(h.logNoiseVariance);
    expect(before.variance).toBeGreaterThan(100 * noise);
    expect(variance[0]).toBeCloseTo((before.variance * noise) / (before.variance + noise), 10);
    expect(variance[0]).toBeLessThanOrEqual(noise);
    expect(mean[0]).toBeCloseTo(before.mean, 10);
  });

  it('appends a duplicate of an observed point without breaking the factor (kriging believer)', () => {
    const { X, y, isCategorical } = pseudoData(12, 2, false, 3);
    const gp = gaussianProcess(X, y, isCategorical, hyper(2));
    const ws = posteriorWorkspace(gp);
    posteriorWithGradient(gp, X.subarray(0, 2), ws);
    const believer = appendObservations(gp, X.slice(0, 2), Float64Array.of(ws.mean));
    expect(believer.alpha.every(Number.isFinite)).toBe(true);
    const ws2 = posteriorWorkspace(believer);
    posteriorWithGradient(believer, X.subarray(0, 2), ws2);
    expect(ws2.variance).toBeLessThanOrEqual(ws.variance);
    expect(ws2.mean).toBeCloseTo(ws.mean, 8);
  });
});

