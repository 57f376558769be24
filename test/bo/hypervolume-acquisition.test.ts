import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gaussianProcess, type Hyperparameters } from '../../src/bo/gp.js';
import { logClippedImprovement, logEhvi2, logEhviAcquisition, nonDominatedCells2 } from '../../src/bo/hypervolume-acquisition.js';
import { normalCdf } from '../../src/bo/normal.js';
import { hypervolume } from '../../src/bo/pareto.js';
import { createRng } from '../../src/bo/rng.js';
import { pseudoData } from '../support/pseudo-data.js';

const front = [[1, 4], [3, 3], [4, 1]];
const reference = [0, 0];

/** Monte-Carlo EHVI with the exact hypervolume: the estimate the closed form must match. */
function monteCarloEhvi(mean: number[], std: number[], samples: number): number {
  const rng = createRng(5);
  const base = hypervolume(front, reference);
  let sum = 0;
  for (let s = 0; s < samples; s++) {
    const y = [mean[0]! + std[0]! * rng.normal(), mean[1]! + std[1]! * rng.normal()];
    sum += hypervolume([...front, y], reference) - base;
  }
  return sum / samples;
}

describe('nonDominatedCells2', () => {
  it('splits the region above (0,0) not dominated by (1,4), (3,3), (4,1) into four cells, by hand', () => {
    const cells = nonDominatedCells2([...front, [2, 2], [3, 3]], reference);
    expect(cells.count).toBe(4);
    expect(Array.from(cells.lower)).toEqual([0, 4, 1, 3, 3, 1, 4, 0]);
    expect(Array.from(cells.upper)).toEqual([1, Infinity, 3, Infinity, 4, Infinity, Infinity, Infinity]);
  });

  it('adds exactly the hypervolume improvement of a deterministic point (σ → 0)', () => {
    const cells = nonDominatedCells2(front, reference);
    for (const y of [[5, 5], [2, 3.5], [3.5, 2], [0.5, 6], [2, 2.5]]) {
      const expected = hypervolume([...front, y], reference) - hypervolume(front, reference);
      expect(Math.exp(logEhvi2(y, [1e-9, 1e-9], cells))).toBeCloseTo(expected, 6);
    }
  });
});

describe('logClippedImprovement', () => {
  it('is E[(min(u, y) − l)⁺] by hand: σ h(z) − σ h(z_u); for μ = l, σ = 1, u = ∞ it is φ(0) = 0.398942', () => {
    expect(Math.exp(logClippedImprovement(0, 1, 0, Infinity))).toBeCloseTo(0.3989422804014327, 14);
    // μ = 0, σ = 1, l = −1, u = 1: h(1) − h(−1) = (φ(1) + Φ(1)) − (φ(1) − Φ(−1)) = Φ(1) + Φ(−1) = 1.
    expect(Math.exp(logClippedImprovement(0, 1, -1, 1))).toBeCloseTo(1, 14);
  });

  it('has (μ, σ) gradients that match central finite differences, from cells 1e-3 σ wide to open ones, far below and above (property)', () => {
    const g = new Float64Array(2);
    fc.assert(
      fc.property(
        fc.double({ min: -40, max: 10, noNaN: true }), fc.double({ min: 0.05, max: 3, noNaN: true }), fc.double({ min: 1e-3, max: 5, noNaN: true }), fc.boolean(),
        (mu, sd, width, open) => {
          const u = open ? Infinity : width;
          const v = logClippedImprovement(mu, sd, 0, u, g);
          expect(Number.isFinite(v)).toBe(true);
          const h = 1e-5;
          const dMu = (logClippedImprovement(mu + h, sd, 0, u) - logClippedImprovement(mu - h, sd, 0, u)) / (2 * h);
          const dSd = (logClippedImprovement(mu, sd + h * sd, 0, u) - logClippedImprovement(mu, sd - h * sd, 0, u)) / (2 * h * sd);
          expect(Math.abs(g[0]! - dMu)).toBeLessThan(1e-4 * Math.max(1, Math.abs(dMu)));
          expect(Math.abs(g[1]! - dSd)).toBeLessThan(1e-4 * Math.max(1, Math.abs(dSd)));
        },
      ),
      { seed: 35, numRuns: 300 },
    );
  });

  it('switches to the midpoint rule for cells narrower than 1e-6 σ, continuously, with its own gradient', () => {
    const g = new Float64Array(2);
    for (const mu of [-3, 0, 2]) {
      // Either side of the switch g ∝ width up to the shift of the midpoint (O(1e-8) here).
      expect(logClippedImprovement(mu, 1, 0, 0.99e-6)).toBeCloseTo(logClippedImprovement(mu, 1, 0, 1.01e-6) + Math.log(0.99 / 1.01), 6);
      const v = logClippedImprovement(mu, 1, 0, 1e-9, g);
      expect(v).toBeCloseTo(Math.log(1e-9) + Math.log(normalCdf(mu)), 8);
      const h = 1e-5;
      expect(g[0]).toBeCloseTo((logClippedImprovement(mu + h, 1, 0, 1e-9) - logClippedImprovement(mu - h, 1, 0, 1e-9)) / (2 * h), 6);
      expect(g[1]).toBeCloseTo((logClippedImprovement(mu, 1 + h, 0, 1e-9) - logClippedImprovement(mu, 1 - h, 0, 1e-9)) / (2 * h), 6);
    }
  });
});

describe('logEhvi2', () => {
  it.each([
    [[2, 2], [1, 1]],
    [[3.5, 3.5], [0.3, 0.5]],
    [[0.5, 0.5], [2, 0.5]],
  ])('matches Monte-Carlo EHVI (100k draws, exact hypervolume) at μ = %j, σ = %j', (mean, std) => {
    const exact = Math.exp(logEhvi2(mean, std, nonDominatedCells2(front, reference)));
    expect(Math.abs(exact - monteCarloEhvi(mean, std, 100_000))).toBeLessThan(0.01 * Math.max(exact, 0.1));
  });

  it('stays finite 40 standard deviations below the front', () => {
    const v = logEhvi2([-40, -40], [1, 1], nonDominatedCells2(front, reference));
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeLessThan(-1000);
  });
});

describe('logEhviAcquisition', () => {
  const hyper = (d: number, ell: number): Hyperparameters => ({ logLengthscales: new Float64Array(d).fill(Math.log(ell)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-4), mean: 0 });
  const d = 3;
  const { X, y, isCategorical } = pseudoData(12, d, false, 9);
  const y2 = Float64Array.from({ length: 12 }, (_, i) => 1 - X[i * d]! - 0.5 * X[i * d + 2]!);
  const gps = [gaussianProcess(X, y, isCategorical, hyper(d, 0.4)), gaussianProcess(X, y2, isCategorical, hyper(d, 0.7))];
  const points = Array.from({ length: 12 }, (_, i) => [y[i]!, y2[i]!]);
  const cells = nonDominatedCells2(points, [-2, -2]);
  const cGp = gaussianProcess(X, Float64Array.from({ length: 12 }, (_, i) => X[i * d + 1]! - 0.5), isCategorical, hyper(d, 0.5));

  it.each([
    ['without constraints', []],
    ['with a constraint', [{ gp: cGp, bound: 0 }]],
  ])('has an x-gradient that matches central finite differences %s', (_what, constraints) => {
    const a = logEhviAcquisition(gps, cells, constraints);
    const valueAt = (x: Float64Array) => {
      const out = new Float64Array(1);
      a.values(x, 1, out, new Float64Array(1), new Float64Array(1));
      return out[0]!;
    };
    for (const x of [[0.3, 0.2, 0.9], [0.75, 0.6, 0.1], [0.02, 0.98, 0.5]]) {
      const xs = Float64Array.from(x);
      const grad = new Float64Array(d);
      expect(a.valueWithGradient(xs, grad)).toBeCloseTo(valueAt(xs), 10);
      for (let j = 0; j < d; j++) {
        const p = xs.slice();
        const m = xs.slice();
        p[j] = p[j]! + 1e-6;
        m[j] = m[j]! - 1e-6;
        const fd = (valueAt(p) - valueAt(m)) / 2e-6;
        expect(Math.abs(grad[j]! - fd), `∂/∂x_${j} at ${x}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    }
  });
});
