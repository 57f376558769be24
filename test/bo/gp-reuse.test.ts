import { describe, expect, it } from 'vitest';
import { gaussianProcess, reusableRows, type Hyperparameters } from '../../src/bo/gp.js';

/** Pseudo-data in [0, 1]^d (last dimension categorical with 3 choices). */
function data(n: number, d: number, seed = 3) {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = j === d - 1 ? Math.floor(3 * u()) : u();
    y[i] = Math.sin(4 * X[i * d]!) - X[i * d + 1]!;
  }
  const isCategorical = new Uint8Array(d);
  isCategorical[d - 1] = 1;
  return { X, y, isCategorical };
}

const hyper = (d: number, shift = 0): Hyperparameters => ({
  logLengthscales: Float64Array.from({ length: d }, (_, j) => -1 + 0.2 * j + shift),
  logSignalVariance: 0.1,
  logNoiseVariance: Math.log(1e-3),
  mean: 0.2,
});

describe('gaussianProcess reusing an earlier factor', () => {
  const d = 4;
  const n = 61;
  const { X, y, isCategorical } = data(n, d);

  it.each([[7, 61], [8, 61], [40, 41], [60, 61], [61, 61], [13, 30]])('conditions on %i rows then %i rows: bit for bit the fresh model', (n0, n1) => {
    const earlier = gaussianProcess(X.subarray(0, n0 * d), y.subarray(0, n0), isCategorical, hyper(d));
    const fresh = gaussianProcess(X.subarray(0, n1 * d), y.subarray(0, n1), isCategorical, hyper(d));
    const reused = gaussianProcess(X.subarray(0, n1 * d), y.subarray(0, n1), isCategorical, hyper(d), earlier);
    expect(reusableRows(earlier, X, n1, isCategorical, hyper(d))).toBe(Math.min(n0, n1) - (Math.min(n0, n1) % 4));
    expect(Array.from(reused.L)).toEqual(Array.from(fresh.L));
    expect(Array.from(reused.alpha)).toEqual(Array.from(fresh.alpha));
  });

  it('reuses only the common prefix when a row in the middle changed', () => {
    const earlier = gaussianProcess(X.subarray(0, 40 * d), y.subarray(0, 40), isCategorical, hyper(d));
    const changed = X.slice(0, 50 * d);
    changed[21 * d] = 0.123;
    expect(reusableRows(earlier, changed, 50, isCategorical, hyper(d))).toBe(20);
    const fresh = gaussianProcess(changed, y.subarray(0, 50), isCategorical, hyper(d));
    const reused = gaussianProcess(changed, y.subarray(0, 50), isCategorical, hyper(d), earlier);
    expect(Array.from(reused.L)).toEqual(Array.from(fresh.L));
  });

  it('reuses nothing under other kernel hyperparameters, but a new prior mean is fine', () => {
    const earlier = gaussianProcess(X.subarray(0, 40 * d), y.subarray(0, 40), isCategorical, hyper(d));
    expect(reusableRows(earlier, X, n, isCategorical, hyper(d, 1e-12))).toBe(0);
    expect(reusableRows(earlier, X, n, isCategorical, { ...hyper(d), logNoiseVariance: -6 })).toBe(0);
    expect(reusableRows(earlier, X, n, isCategorical, { ...hyper(d), mean: -1 })).toBe(40);
  });

  it('reuses nothing from a factor that needed jitter', () => {
    // Repeated rows and almost no noise: K + σ_n² I is singular to working precision.
    const Xdup = new Float64Array(12 * d);
    for (let i = 0; i < 12; i++) Xdup.set(X.subarray(0, d), i * d);
    const tight = { ...hyper(d), logNoiseVariance: Math.log(1e-18) };
    const earlier = gaussianProcess(Xdup, new Float64Array(12), isCategorical, tight);
    expect(earlier.jitter).toBeGreaterThan(0);
    expect(reusableRows(earlier, Xdup, 12, isCategorical, tight)).toBe(0);
  });
});
