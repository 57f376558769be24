import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { erf, erfc, erfcx, log1mexp, logNormalCdf, logNormalPdf, normalCdf, normalPdf } from '../../src/bo/normal.js';

const EPS = 2 ** -52;
const golden = JSON.parse(readFileSync(new URL('../fixtures/normal-golden.json', import.meta.url), 'utf8')) as {
  z: number[]; ndtr: number[]; log_ndtr: number[]; scipy_ndtr: number[]; scipy_log_ndtr: number[];
  x: number[]; erfcx: number[]; erfc: number[]; scipy_erfcx: number[]; l: number[]; log1mexp: number[];
};

/** |got − want| / (ε·|want|), with 0/0 = 0 and the smallest normal as the scale floor. */
function epsMultiples(got: number, want: number): number {
  if (got === want) return 0;
  return Math.abs(got - want) / (EPS * Math.max(Math.abs(want), 2.2250738585072014e-308));
}

function worst(fn: (v: number) => number, xs: number[], want: number[]): { at: number; eps: number } {
  let w = { at: Number.NaN, eps: 0 };
  xs.forEach((x, i) => {
    const e = epsMultiples(fn(x), want[i]!);
    if (!(e <= w.eps)) w = { at: x, eps: e };
  });
  return w;
}

describe('normal distribution functions against mpmath (80 digits)', () => {
  it('computes Φ(z) within 8ε relative from z = −38.4 (Φ ≈ 1e-323 aside) to 40', () => {
    const idx = golden.z.map((_, i) => i).filter((i) => golden.ndtr[i]! > 1e-300);
    expect(worst(normalCdf, idx.map((i) => golden.z[i]!), idx.map((i) => golden.ndtr[i]!)).eps).toBeLessThan(8);
  });

  it('computes log Φ(z) within 4ε relative from z = −1e6 to 40', () => {
    expect(worst(logNormalCdf, golden.z, golden.log_ndtr).eps).toBeLessThan(4);
  });

  it('agrees with scipy.special.log_ndtr within 8ε for z ≤ 3 (beyond, scipy drifts to 30ε at z = 10 and 500ε at z = 37 while we stay within 4ε of mpmath)', () => {
    const idx = golden.z.map((_, i) => i).filter((i) => golden.z[i]! <= 3);
    expect(worst(logNormalCdf, idx.map((i) => golden.z[i]!), idx.map((i) => golden.scipy_log_ndtr[i]!)).eps).toBeLessThan(8);
  });

  it('computes erfcx(x) within 4ε relative from x = −26.5 to 1e100', () => {
    expect(worst(erfcx, golden.x, golden.erfcx).eps).toBeLessThan(4);
  });

  it('agrees with scipy.special.erfcx within 4ε everywhere in the table', () => {
    expect(worst(erfcx, golden.x, golden.scipy_erfcx).eps).toBeLessThan(4);
  });

  it('agrees with scipy.special.ndtr within 8ε for z ≥ −3 (below, scipy loses z²ε/2 to the rounding of z/√2; we do not)', () => {
    const idx = golden.z.map((_, i) => i).filter((i) => golden.z[i]! >= -3);
    expect(worst(normalCdf, idx.map((i) => golden.z[i]!), idx.map((i) => golden.scipy_ndtr[i]!)).eps).toBeLessThan(8);
  });

  it('computes erfc(x) within 8ε relative until it underflows', () => {
    const idx = golden.x.map((_, i) => i).filter((i) => golden.erfc[i]! > 1e-300);
    expect(worst(erfc, idx.map((i) => golden.x[i]!), idx.map((i) => golden.erfc[i]!)).eps).toBeLessThan(8);
  });

  it('computes log(1 − e^x) within 2ε relative for x from −1e-300 to −800', () => {
    expect(worst(log1mexp, golden.l, golden.log1mexp).eps).toBeLessThan(2);
  });

  it('has the hand-checkable values Φ(0) = ½, φ(0) = 1/√(2π), erf(0) = 0, erfcx(0) = 1', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
    expect(logNormalPdf(1)).toBeCloseTo(-0.5 - 0.5 * Math.log(2 * Math.PI), 15);
    expect(erf(0)).toBe(0);
    expect(erfcx(0)).toBe(1);
  });

  it('overflows erfcx to +Infinity only below −26.62 and propagates NaN', () => {
    expect(erfcx(-27)).toBe(Infinity);
    expect(Number.isFinite(erfcx(-26.6))).toBe(true);
    expect(erfcx(Number.NaN)).toBeNaN();
    expect(normalCdf(Number.NaN)).toBeNaN();
    expect(logNormalCdf(Number.NaN)).toBeNaN();
  });

  it('keeps Φ(z) + Φ(−z) = 1 and erf(x) = 1 − erfc(x) (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (z) => {
        expect(Math.abs(normalCdf(z) + normalCdf(-z) - 1)).toBeLessThanOrEqual(2 * EPS);
        expect(Math.abs(erf(z) - (1 - erfc(z)))).toBeLessThanOrEqual(4 * EPS);
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('makes log Φ monotone and finite for every finite z (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e150, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (z, dz) => {
        const a = logNormalCdf(z);
        expect(Number.isFinite(a)).toBe(true);
        expect(logNormalCdf(z + dz)).toBeGreaterThanOrEqual(a);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
