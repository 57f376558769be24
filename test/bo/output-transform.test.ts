import { describe, expect, it, test } from 'vitest';
import fc from 'fast-check';
import {
  halfRankWarp, normalQuantile, outputTransform, yeoJohnson, yeoJohnsonInverse, yeoJohnsonLambda, type OutputWarp,
} from '../../src/bo/output-transform.js';

const WARPS: OutputWarp[] = ['none', 'half-rank', 'yeo-johnson'];

function meanAndSd(xs: Float64Array): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

describe('yeoJohnson', () => {
  it.each([
    // [z, λ, ψ_λ(z)], each by hand from eq. 2.1 of Yeo & Johnson (2000)
    [1.5, 1, 1.5], // identity at λ = 1
    [-1.5, 1, -1.5],
    [3, 0, Math.log(4)], // log(z + 1)
    [3, 2, 7.5], // ((z + 1)² − 1)/2
    [-3, 2, -Math.log(4)], // −log(1 − z)
    [-3, 0, -7.5], // −((1 − z)² − 1)/2
    [1, 0.5, 0.8284271247461903], // (√2 − 1)/0.5
    [0, -2, 0],
  ])('maps z = %s at λ = %s to %s', (z, lambda, want) => {
    expect(yeoJohnson(z, lambda)).toBeCloseTo(want, 14);
  });

  it('is strictly increasing and inverted by yeoJohnsonInverse for every λ of the grid range', () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 4, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 1e-3, max: 1, noNaN: true }), (lambda, z, dz) => {
        expect(yeoJohnson(z + dz, lambda)).toBeGreaterThan(yeoJohnson(z, lambda));
        expect(yeoJohnsonInverse(yeoJohnson(z, lambda), lambda)).toBeCloseTo(z, 9);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('clamps a value outside the range of ψ_λ to the largest finite number', () => {
    // ψ_{−1}(z) = 1 − 1/(z + 1) < 1 for z ≥ 0: w = 2 has no preimage.
    expect(yeoJohnsonInverse(2, -1)).toBe(Number.MAX_VALUE);
    expect(yeoJohnsonInverse(-2, 3)).toBe(-Number.MAX_VALUE);
  });

  it('picks λ = 1 for symmetric data and λ < 1 for right-skewed data', () => {
    const symmetric = Float64Array.from([-2, -1, -0.5, 0, 0.5, 1, 2]);
    expect(yeoJohnsonLambda(symmetric)).toBe(1);
    // exp of evenly spaced normal quantiles, standardized: a log-normal sample.
    const raw = Array.from({ length: 41 }, (_, i) => Math.exp(normalQuantile((i + 0.5) / 41)));
    const { mean, sd } = meanAndSd(Float64Array.from(raw));
    expect(yeoJohnsonLambda(Float64Array.from(raw, (v) => (v - mean) / sd))).toBeLessThan(1);
  });
});

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959963984540054], // scipy.stats.norm.ppf
    [0.125, -1.1503493803760079],
    [1e-10, -6.361340902404056],
  ])('Φ⁻¹(%s) = %s within 1e-12', (q, want) => {
    expect(Math.abs(normalQuantile(q) - want)).toBeLessThan(1e-12);
  });
});

describe('halfRankWarp', () => {
  it('keeps the better half and moves the worse half to med + σ̂·Φ⁻¹((rank + ½)/n), by hand for n = 4', () => {
    // med = 1.5; better half {2, 3}: mean deviation 1, σ̂ = 1/√(2/π) = √(π/2).
    // z = 0: 1.5 + √(π/2)·Φ⁻¹(0.125); z = 1: 1.5 + √(π/2)·Φ⁻¹(0.375) (scipy).
    const { w, inverse } = halfRankWarp(Float64Array.from([3, 0, 2, 1]));
    expect(w[0]).toBe(3);
    expect(w[2]).toBe(2);
    expect(w[1]).toBeCloseTo(0.05825085872262359, 12);
    expect(w[3]).toBeCloseTo(1.1006447804382296, 12);
    // Inverse: knots (w, z) = (0.058, 0), (1.10, 1), (1.5, 1.5); linear between them, identity above med.
    expect(inverse(w[1]!)).toBeCloseTo(0, 12);
    expect(inverse(w[3]!)).toBeCloseTo(1, 12);
    expect(inverse(1.3)).toBeCloseTo(1 + (0.5 * (1.3 - w[3]!)) / (1.5 - w[3]!), 12);
    expect(inverse(2.7)).toBe(2.7);
  });

  it('tames a heavy tail of bad values, monotonically and invertibly', () => {
    const z = Float64Array.from([0.9, 0.5, -12, 0.7, -3, 0.1, -0.4, 0.8, -40, 0.6]);
    const { w, inverse } = halfRankWarp(z);
    const order = Array.from(z.keys()).sort((a, b) => z[a]! - z[b]!);
    for (let k = 1; k < order.length; k++) expect(w[order[k]!]!).toBeGreaterThanOrEqual(w[order[k - 1]!]!);
    for (let i = 0; i < z.length; i++) {
      if (z[i]! >= 0.55) expect(w[i]).toBe(z[i]); // the median of z is 0.55
      expect(inverse(w[i]!)).toBeCloseTo(z[i]!, 12);
    }
    expect(Math.min(...w)).toBeGreaterThan(-2);
  });

  it('is affine-equivariant: H(a + b·z) = a + b·H(z) for b > 0', () => {
    const z = Float64Array.from([5, -1, 2, 8, -30, 0.5, 3, 3, -2]);
    const { w } = halfRankWarp(z);
    const { w: shifted } = halfRankWarp(z.map((v) => 7 + 2.5 * v));
    for (let i = 0; i < z.length; i++) expect(shifted[i]).toBeCloseTo(7 + 2.5 * w[i]!, 10);
  });
});

describe('outputTransform', () => {
  it('standardizes without a warp, and flips the sign when minimizing (by hand: 1, 2, 3)', () => {
    const sd = Math.sqrt(2 / 3);
    const up = outputTransform([1, 2, 3], 1, 'none');
    expect(Array.from(up.y)).toEqual([-1 / sd, 0, 1 / sd].map((v) => expect.closeTo(v, 14)));
    expect(up.toObjective(0, 1)).toEqual({ mean: 2, std: expect.closeTo(sd, 14) });
    const down = outputTransform([1, 2, 3], -1, 'none');
    expect(Array.from(down.y)).toEqual([1 / sd, 0, -1 / sd].map((v) => expect.closeTo(v, 14)));
    expect(down.toObjective(1 / sd, 0.5).mean).toBeCloseTo(1, 14);
    expect(down.toObjective(1 / sd, 0.5).std).toBeCloseTo(0.5 * sd, 14);
  });

  it.each(WARPS)('%s: maps constant values to 0 and fewer than 3 values by standardization only', (warp) => {
    const flat = outputTransform([4, 4, 4, 4], 1, warp);
    expect(Array.from(flat.y)).toEqual([0, 0, 0, 0]);
    expect(flat.toObjective(0, 1)).toEqual({ mean: 4, std: 1 });
    expect(Array.from(outputTransform([1, 5], -1, warp).y)).toEqual([1, -1]);
  });

  it.each(WARPS)('%s: y has mean 0 and sd 1, keeps the order of s·v, and toObjective(y_i, 0) returns v_i', (warp) => {
    fc.assert(
      fc.property(
        // Multiples of 1/8 up to ±1000: no two distinct values closer than 1e-4 of the range,
        // so what is tested is the transform, not the cancellation in standardizing values that differ in the 12th digit.
        fc.array(fc.integer({ min: -8000, max: 8000 }).map((k) => k / 8), { minLength: 3, maxLength: 40 }),
        fc.constantFrom(1, -1),
        (values, sign) => {
          fc.pre(new Set(values).size > 1);
          const t = outputTransform(values, sign, warp);
          const { mean, sd } = meanAndSd(t.y);
          expect(Math.abs(mean)).toBeLessThan(1e-9);
          expect(Math.abs(sd - 1)).toBeLessThan(1e-9);
          const scale = Math.max(...values.map(Math.abs));
          for (let i = 0; i < values.length; i++) {
            for (let j = 0; j < values.length; j++) {
              if (sign * values[i]! > sign * values[j]!) expect(t.y[i]!).toBeGreaterThanOrEqual(t.y[j]!);
            }
            expect(Math.abs(t.toObjective(t.y[i]!, 0).mean - values[i]!)).toBeLessThan(1e-9 * scale);
          }
        },
      ),
      { seed: 5, numRuns: 100 },
    );
  });

  it.each(WARPS)('%s: the predicted std is non-negative and grows with the latent σ', (warp) => {
    const t = outputTransform([3, 1, 40, 2, 7, 1.5, 300, 2.2], -1, warp);
    let last = -1;
    for (const s of [0, 0.1, 0.5, 1, 2]) {
      const { std } = t.toObjective(0.3, s);
      expect(std).toBeGreaterThanOrEqual(last);
      last = std;
    }
  });
});

test.each([1e300, -1e300, 1e-300])('values of magnitude %s give the same standardized y as the same values at magnitude 1', (scale) => {
  const unit = [0.2, -0.7, 1, 0.4, -0.1, 0.9];
  const big = outputTransform(unit.map((v) => v * scale), 1, 'half-rank');
  const one = outputTransform(unit.map((v) => v * Math.sign(scale)), 1, 'half-rank');
  big.y.forEach((y, i) => expect(y).toBeCloseTo(one.y[i]!, 12));
  const back = big.toObjective(0.3, 0.5);
  const ref = one.toObjective(0.3, 0.5);
  expect(back.mean / Math.abs(scale)).toBeCloseTo(ref.mean, 10);
  expect(back.std / Math.abs(scale)).toBeCloseTo(ref.std, 10);
});
