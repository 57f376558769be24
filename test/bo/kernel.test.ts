import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crossKernel, kernelHyperGradient, kernelMatrix, kernelVectorWithGradient, matern52 } from '../../src/bo/kernel.js';
import { choleskyWithJitter } from '../../src/bo/cholesky.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/kernel-golden.json', import.meta.url), 'utf8')) as {
  cases: { d: number; X: number[]; Z: number[]; lengthscales: number[]; signalVariance: number; K: number[]; Kxz: number[] }[];
};

const logs = (v: number[]) => Float64Array.from(v, Math.log);

describe('Matérn-5/2 ARD kernel', () => {
  it('matches scikit-learn ConstantKernel·Matern(nu=2.5) to 1e-14 on continuous inputs', () => {
    for (const c of golden.cases) {
      const kern = matern52(logs(c.lengthscales), Math.log(c.signalVariance), new Uint8Array(c.d));
      const n = c.X.length / c.d;
      const m = c.Z.length / c.d;
      const K = kernelMatrix(kern, Float64Array.from(c.X), n);
      const C = crossKernel(kern, Float64Array.from(c.X), n, Float64Array.from(c.Z), m);
      K.forEach((v, i) => expect(Math.abs(v - c.K[i]!)).toBeLessThan(1e-14));
      C.forEach((v, i) => expect(Math.abs(v - c.Kxz[i]!)).toBeLessThan(1e-14));
    }
  });

  it('has the hand-checkable value σ²(1 + √5 + 5/3)e^{−√5} at scaled distance r = 1', () => {
    const kern = matern52(logs([2]), Math.log(1.5), new Uint8Array(1));
    const K = kernelMatrix(kern, Float64Array.from([0, 2]), 2);
    expect(K[1]).toBeCloseTo(1.5 * (1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5)), 15);
    expect(K[0]).toBe(1.5);
  });

  it('counts a categorical mismatch as squared distance 1/ℓ² regardless of how far apart the indices are', () => {
    const kern = matern52(logs([0.5, 2]), 0, Uint8Array.from([0, 1]));
    const X = Float64Array.from([0.1, 0, 0.1, 1, 0.1, 7, 0.1, 0]);
    const K = kernelMatrix(kern, X, 4);
    const r = 1 / 2;
    const expected = (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);
    expect(K[0 * 4 + 1]).toBeCloseTo(expected, 15);
    expect(K[0 * 4 + 2]).toBeCloseTo(expected, 15);
    expect(K[0 * 4 + 3]).toBe(1);
  });

  it('gives symmetric matrices that factor after jitter, with mixed dims and duplicates (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((d) =>
          fc.tuple(
            fc.constant(d),
            fc.array(fc.double({ min: -2, max: 1, noNaN: true }), { minLength: d, maxLength: d }),
            fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2 * d * 6, maxLength: 2 * d * 6 }),
            fc.uint8Array({ minLength: d, maxLength: d, min: 0, max: 1 }),
          ),
        ),
        ([d, ll, xs, cat]) => {
          const n = 12;
          // Coarse grid values (k/3) so duplicates and near-duplicates occur often.
          const X = Float64Array.from(xs, (v, i) => (cat[i % d] ? v : v / 3));
          const kern = matern52(Float64Array.from(ll), 0, cat);
          const K = kernelMatrix(kern, X, n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(K[i * n + j]).toBe(K[j * n + i]);
          const { jitter } = choleskyWithJitter(K, n);
          expect(jitter).toBeLessThanOrEqual(1e-3);
        },
      ),
      { seed: 9, numRuns: 200 },
    );
  });

  it('has x-gradients that match central finite differences on continuous dims', () => {
    const d = 3;
    const kern = matern52(logs([0.3, 0.7, 1]), Math.log(1.7), Uint8Array.from([0, 0, 1]));
    const X = Float64Array.from([0.1, 0.9, 0, 0.5, 0.5, 1, 0.8, 0.2, 2, 0.33, 0.41, 0]);
    const n = 4;
    const x = Float64Array.from([0.3, 0.4, 0]);
    const k = new Float64Array(n);
    const dk = new Float64Array(n * d);
    kernelVectorWithGradient(kern, x, X, n, k, dk);
    const kp = new Float64Array(n);
    const km = new Float64Array(n);
    for (let j = 0; j < 2; j++) {
      const h = 1e-6;
      const xp = x.slice();
      const xm = x.slice();
      xp[j] = xp[j]! + h;
      xm[j] = xm[j]! - h;
      kernelVectorWithGradient(kern, xp, X, n, kp);
      kernelVectorWithGradient(kern, xm, X, n, km);
      for (let i = 0; i < n; i++) expect(dk[i * d + j]).toBeCloseTo((kp[i]! - km[i]!) / (2 * h), 8);
    }
    for (let i = 0; i < n; i++) expect(dk[i * d + 2]).toBe(0);
  });

  it('has hyperparameter gradients ½ Σ W ∂K/∂θ that match central finite differences', () => {
    const d = 3;
    const n = 5;
    const cat = Uint8Array.from([0, 1, 0]);
    const X = Float64Array.from({ length: n * d }, (_, i) => (cat[i % d] ? i % 3 : Math.abs(Math.sin(i * 1.3))));
    const W = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let b = 0; b <= a; b++) W[a * n + b] = W[b * n + a] = Math.cos(a + 2 * b);
    const theta = Float64Array.from([-0.5, 0.2, -1, 0.3]);
    const f = (t: Float64Array) => {
      const K = kernelMatrix(matern52(t.subarray(0, d), t[d]!, cat), X, n);
      let s = 0;
      for (let i = 0; i < n * n; i++) s += 0.5 * W[i]! * K[i]!;
      return s;
    };
    const g = new Float64Array(d + 1);
    kernelHyperGradient(matern52(theta.subarray(0, d), theta[d]!, cat), X, n, W, g);
    for (let j = 0; j <= d; j++) {
      const h = 1e-6;
      const tp = theta.slice();
      const tm = theta.slice();
      tp[j] = tp[j]! + h;
      tm[j] = tm[j]! - h;
      expect(g[j]).toBeCloseTo((f(tp) - f(tm)) / (2 * h), 7);
    }
  });
});
