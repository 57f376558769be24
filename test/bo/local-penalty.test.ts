import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gaussianProcess, posterior } from '../../src/bo/gp.js';
import { matern52 } from '../../src/bo/kernel.js';
import { lipschitzEstimate, localPenalty, penaltyFromMoments } from '../../src/bo/local-penalty.js';
import { normalCdf } from '../../src/bo/normal.js';

const PHI = (1 + Math.sqrt(5)) / 2;

describe('penaltyFromMoments', () => {
  // d = 1, ℓ = 1, Λ = 2, M = 1, centre 0.4 with μ = 0.5, s = 0.5: z(x) = (2|x − 0.4| − 0.5)/0.5.
  const kernel = matern52(Float64Array.of(0), 0, Uint8Array.of(0));
  const penalty = penaltyFromMoments(kernel, Float64Array.of(0.4), 1, Float64Array.of(0.5), Float64Array.of(0.5), 1, 2, 1);

  it.each([
    [0.4, Math.log(normalCdf(-1))], // at the centre: log Φ(−1) = −1.841021
    [0.65, Math.log(0.5)], // on the ball's expected radius (M − μ)/Λ = 0.25
    [0.15, Math.log(0.5)],
    [0.9, Math.log(normalCdf(1))],
  ])('is log Φ(z) by hand at x = %f', (x, expected) => {
    expect(penalty.value(Float64Array.of(x))).toBeCloseTo(expected, 12);
  });

  it('is log Φ(−1) = −1.8410216 at the centre', () => {
    expect(penalty.value(Float64Array.of(0.4))).toBeCloseTo(-1.8410216, 7);
  });

  it('grows towards 0 with the distance from the centre', () => {
    let last = -Infinity;
    for (let x = 0.4; x <= 1; x += 0.05) {
      const v = penalty.value(Float64Array.of(x));
      expect(v).toBeGreaterThanOrEqual(last);
      expect(v).toBeLessThanOrEqual(0);
      last = v;
    }
    // z = 7 two units away: log Φ(7) ≈ −1.3e-12, no penalty left.
    expect(penalty.value(Float64Array.of(2.4))).toBeGreaterThan(-1e-11);
  });

  it('has the gradient of its value (central differences), and none along a categorical dimension', () => {
    // d = 3: two continuous dimensions with ℓ = 0.3 and 0.7, one categorical; two centres.
    const k3 = matern52(Float64Array.of(Math.log(0.3), Math.log(0.7), 0), 0, Uint8Array.of(0, 0, 1));
    const C = Float64Array.of(0.2, 0.5, 1, 0.7, 0.3, 0);
    const p = penaltyFromMoments(k3, C, 2, Float64Array.of(0.8, 0.1), Float64Array.of(0.2, 0.6), 1.1, 3, 3);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 2 }), (a, b, c) => {
        const x = Float64Array.of(a, b, c);
        const g = new Float64Array(3);
        const v = p.valueWithGradient(x, g);
        expect(v).toBeCloseTo(p.value(x), 12);
        expect(g[2]).toBe(0);
        const h = 1e-6;
        for (const j of [0, 1]) {
          const up = x.slice();
          const down = x.slice();
          up[j] = up[j]! + h;
          down[j] = down[j]! - h;
          const fd = (p.value(up) - p.value(down)) / (2 * h);
          expect(Math.abs(g[j]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
        }
      }),
      { seed: 11, numRuns: 100 },
    );
  });
});

describe('lipschitzEstimate', () => {
  it('finds the steepest slope of the mean next to one observation: (√5/3) φ³ e^{−φ} α at r = φ/√5', () => {
    // One observation y = 1 at 0, c = 0, σ² = 1: μ(x) = α k(r) and |dμ/dr| = (5/3) r (1 + √5 r) e^{−√5 r} α,
    // largest where 1 + t − t² = 0 (t = √5 r), i.e. t = φ. In units of ℓ, so the same for ℓ = 0.5.
    for (const lengthscale of [1, 0.5]) {
      const gp = gaussianProcess(Float64Array.of(0), Float64Array.of(1), Uint8Array.of(0), {
        logLengthscales: Float64Array.of(Math.log(lengthscale)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-4), mean: 0,
      });
      const alpha = 1 / (1 + 1e-4);
      const expected = (Math.sqrt(5) / 3) * PHI ** 3 * Math.exp(-PHI) * alpha;
      const atPeak = lipschitzEstimate(gp, Float64Array.of((lengthscale * PHI) / Math.sqrt(5), 0.9), 2);
      expect(atPeak).toBeCloseTo(expected, 12);
      expect(expected / alpha).toBeCloseTo(0.626071, 6);
    }
  });

  it('is the largest lengthscale-scaled gradient norm of μ over the points (central differences)', () => {
    const d = 2;
    const X = Float64Array.of(0.1, 0.2, 0.5, 0.9, 0.8, 0.4, 0.3, 0.6);
    const y = Float64Array.of(0.5, -1, 1.2, 0.1);
    const ell = [0.2, 0.6];
    const gp = gaussianProcess(X, y, new Uint8Array(d), { logLengthscales: Float64Array.from(ell, Math.log), logSignalVariance: 0.1, logNoiseVariance: -6, mean: 0.2 });
    const Z = Float64Array.of(0.05, 0.05, 0.3, 0.3, 0.6, 0.5, 0.95, 0.2, 0.4, 0.8);
    const mu = (x: number[]): number => {
      const m = new Float64Array(1);
      posterior(gp, Float64Array.from(x), 1, m, new Float64Array(1));
      return m[0]!;
    };
    let expected = 0;
    const h = 1e-6;
    for (let i = 0; i < 5; i++) {
      const z = [Z[2 * i]!, Z[2 * i + 1]!];
      let s = 0;
      for (let j = 0; j < d; j++) {
        const up = [...z];
        const down = [...z];
        up[j] = up[j]! + h;
        down[j] = down[j]! - h;
        s += (((mu(up) - mu(down)) / (2 * h)) * ell[j]!) ** 2;
      }
      expected = Math.max(expected, Math.sqrt(s));
    }
    expect(lipschitzEstimate(gp, Z, 5)).toBeCloseTo(expected, 6);
  });
});

describe('localPenalty', () => {
  it('takes μ and s at the centres from the GP', () => {
    const gp = gaussianProcess(Float64Array.of(0.2, 0.7), Float64Array.of(1, -0.5), Uint8Array.of(0), {
      logLengthscales: Float64Array.of(Math.log(0.3)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-3), mean: 0,
    });
    const C = Float64Array.of(0.45);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    posterior(gp, C, 1, m, v);
    const byHand = penaltyFromMoments(gp.kernel, C, 1, m, Float64Array.of(Math.sqrt(v[0]!)), 1, 1.5, 1);
    const fromGp = localPenalty(gp, C, 1, 1, 1.5);
    for (const x of [0, 0.3, 0.45, 0.8]) expect(fromGp.value(Float64Array.of(x))).toBe(byHand.value(Float64Array.of(x)));
  });
});
