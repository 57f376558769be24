import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng, xoshiro128ss } from '../../src/bo/rng.js';

function draws(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('xoshiro128ss', () => {
  it('reproduces the reference outputs from the state {1, 2, 3, 4}', () => {
    // First value by hand: rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520. The rest from an
    // independent Python transcription of xoshiro128** 1.1.
    const s = new Uint32Array([1, 2, 3, 4]);
    expect(draws(6, () => xoshiro128ss(s))).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
});

describe('createRng', () => {
  it('gives the same sequence for the same seed, and a different one for a different seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = draws(100, () => a.uniform());
    expect(draws(100, () => b.uniform())).toEqual(xa);
    expect(draws(100, () => c.uniform())).not.toEqual(xa);
  });

  it('accepts negative and large safe-integer seeds and keeps them apart', () => {
    const seeds = [0, -1, 1, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const firsts = seeds.map((s) => createRng(s).uniform());
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('rejects seeds that are not safe integers', () => {
    for (const bad of [0.5, NaN, Infinity, 2 ** 53]) expect(() => createRng(bad)).toThrow(RangeError);
  });

  it('draws uniforms in [0, 1) on the 2^-53 grid, using the low bits too', () => {
    const rng = createRng(7);
    const xs = draws(10_000, () => rng.uniform());
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(Number.isInteger(x * 2 ** 53)).toBe(true);
    }
    // With only 32 random bits every x * 2^32 would be an integer.
    expect(xs.some((x) => !Number.isInteger(x * 2 ** 32))).toBe(true);
  });

  it('has uniform mean 1/2 and variance 1/12 within five standard errors', () => {
    const rng = createRng(2024);
    const n = 100_000;
    const xs = draws(n, () => rng.uniform());
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });

  it('puts roughly n/10 uniforms in each tenth of [0, 1)', () => {
    const rng = createRng(3);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 50_000; i++) counts[Math.floor(rng.uniform() * 10)]! += 1;
    // Binomial(50000, 0.1): sd ≈ 67; allow six of them.
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(400);
  });

  it('draws standard normals with mean 0, variance 1 and light tails', () => {
    const rng = createRng(11);
    const n = 100_000;
    const zs = draws(n, () => rng.normal());
    const mean = zs.reduce((s, z) => s + z, 0) / n;
    const variance = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const beyond2 = zs.filter((z) => Math.abs(z) > 2).length / n; // P(|Z| > 2) = 0.0455
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.004);
    expect(zs.every(Number.isFinite)).toBe(true);
  });

  it('draws integers over the whole inclusive range, each about equally often', () => {
    const rng = createRng(5);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const k = rng.int(-2, 3);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('returns lo when lo equals hi, and handles ranges wider than 2^32', () => {
    const rng = createRng(9);
    expect(rng.int(17, 17)).toBe(17);
    const wide = draws(1000, () => rng.int(0, 2 ** 40));
    for (const k of wide) {
      expect(Number.isInteger(k)).toBe(true);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(2 ** 40);
    }
    expect(Math.max(...wide)).toBeGreaterThan(2 ** 39); // the high bits are used
  });

  it('rejects integer ranges that are empty or not made of safe integers', () => {
    const rng = createRng(1);
    expect(() => rng.int(3, 2)).toThrow(RangeError);
    expect(() => rng.int(0.5, 2)).toThrow(RangeError);
    expect(() => rng.int(-(2 ** 53) + 1, 2 ** 53 - 1)).toThrow(RangeError);
  });

  it('keeps int within bounds for any range (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 2 ** 31 }), fc.integer(), (lo, width, seed) => {
        const k = createRng(seed).int(lo, lo + width);
        return Number.isInteger(k) && k >= lo && k <= lo + width;
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('fork', () => {
  it('is deterministic and does not depend on how much the parent has drawn', () => {
    const a = createRng(42);
    const b = createRng(42);
    draws(37, () => b.uniform());
    const ca = a.fork(3);
    const cb = b.fork(3);
    expect(draws(50, () => cb.uniform())).toEqual(draws(50, () => ca.uniform()));
  });

  it('does not advance the parent', () => {
    const a = createRng(42);
    const b = createRng(42);
    a.fork(1).uniform();
    expect(a.uniform()).toBe(b.uniform());
  });

  it('gives streams that differ from each other and from the parent', () => {
    const parent = createRng(42);
    const firsts = [parent, ...[0, 1, 2, 3, -1, 2 ** 40].map((s) => parent.fork(s))].map((r) =>
      draws(4, () => r.uniform()).join(','),
    );
    expect(new Set(firsts).size).toBe(firsts.length);
  });

  it('gives nested forks that depend on the whole path', () => {
    const r = createRng(1);
    const x = r.fork(1).fork(2).uniform();
    const y = r.fork(2).fork(1).uniform();
    expect(x).not.toBe(y);
    expect(createRng(1).fork(1).fork(2).uniform()).toBe(x);
  });

  it('gives child streams whose draws are uncorrelated with their siblings', () => {
    const parent = createRng(99);
    const a = parent.fork(0);
    const b = parent.fork(1);
    const n = 20_000;
    let sab = 0;
    for (let i = 0; i < n; i++) sab += (a.uniform() - 0.5) * (b.uniform() - 0.5);
    const corr = sab / n / (1 / 12);
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(n));
  });
});
