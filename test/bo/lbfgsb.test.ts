import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { minimizeBox } from '../../src/bo/lbfgsb.js';

const f64 = (...v: number[]) => Float64Array.from(v);

/** Rosenbrock in n dims: Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)². */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i] = g[i]! - 400 * a * x[i]! - 2 * b;
    g[i + 1] = g[i + 1]! + 200 * a;
  }
  return f;
}

/** ½ Σ w_i (x_i − c_i)², a separable quadratic with known box minimizer clamp(c). */
function quadratic(c: Float64Array, w: Float64Array) {
  return (x: Float64Array, g: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < x.length; i++) {
      const r = x[i]! - c[i]!;
      f += 0.5 * w[i]! * r * r;
      g[i] = w[i]! * r;
    }
    return f;
  };
}

function inBox(x: Float64Array, lo: Float64Array, hi: Float64Array): boolean {
  return x.every((v, i) => v >= lo[i]! && v <= hi[i]!);
}

describe('minimizeBox', () => {
  it('finds the Rosenbrock minimum (1, 1) from the classic start (-1.2, 1)', () => {
    const r = minimizeBox(rosenbrock, f64(-1.2, 1), f64(-5, -5), f64(5, 5));
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
    expect(r.f).toBeLessThan(1e-8);
    expect(r.iterations).toBeLessThan(100);
  });

  it('finds the 10-dimensional Rosenbrock minimum', () => {
    const x0 = new Float64Array(10).fill(-0.5);
    const r = minimizeBox(rosenbrock, x0, new Float64Array(10).fill(-2), new Float64Array(10).fill(2), { maxIterations: 500 });
    for (const v of r.x) expect(v).toBeCloseTo(1, 3);
  });

  it('stops on the bound when the unconstrained Rosenbrock minimum lies outside the box', () => {
    // With x_0 ≤ 0.5 the minimizer of the 2-d Rosenbrock is x = (0.5, 0.25).
    const r = minimizeBox(rosenbrock, f64(-1, 2), f64(-2, -2), f64(0.5, 2));
    expect(r.x[0]).toBe(0.5);
    expect(r.x[1]).toBeCloseTo(0.25, 5);
    expect(r.converged).toBe(true);
  });

  it('solves a bounded quadratic exactly, with some bounds active and some not', () => {
    const c = f64(-1, 0.3, 2, 0.7, 5);
    const w = f64(1, 10, 0.1, 100, 3);
    const lo = new Float64Array(5).fill(0);
    const hi = new Float64Array(5).fill(1);
    const r = minimizeBox(quadratic(c, w), f64(0.5, 0.5, 0.5, 0.5, 0.5), lo, hi);
    expect(Array.from(r.x).map((v) => Number(v.toFixed(6)))).toEqual([0, 0.3, 1, 0.7, 1]);
    expect(r.converged).toBe(true);
  });

  it('never evaluates outside the box and returns the clamped minimizer (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 100, noNaN: true })), { minLength: 1, maxLength: 8 }),
        (spec) => {
          const n = spec.length;
          const c = Float64Array.from(spec.map((s) => s[0]));
          const w = Float64Array.from(spec.map((s) => s[1]));
          const lo = new Float64Array(n).fill(-1);
          const hi = new Float64Array(n).fill(1);
          const q = quadratic(c, w);
          let outside = false;
          const r = minimizeBox((x, g) => {
            if (!inBox(x, lo, hi)) outside = true;
            return q(x, g);
          }, new Float64Array(n).fill(0.1), lo, hi, { maxIterations: 500, gradTolerance: 1e-10, relTolerance: 0 });
          expect(outside).toBe(false);
          for (let i = 0; i < n; i++) expect(Math.abs(r.x[i]! - Math.min(1, Math.max(-1, c[i]!)))).toBeLessThan(1e-4);
        },
      ),
      { seed: 20261127, numRuns: 200 },
    );
  });

  it('accepts only steps that do not increase f, on random coupled quadratics with random boxes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n }),
            fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n }),
          ),
        ),
        ([n, gEntries, b]) => {
          // A = GGᵀ + 0.01 I, f = ½xᵀAx − bᵀx; runs capped at more and more iterations must not end higher.
          const A = new Float64Array(n * n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              let s = i === j ? 0.01 : 0;
              for (let k = 0; k < n; k++) s += gEntries[i * n + k]! * gEntries[j * n + k]!;
              A[i * n + j] = s;
            }
          const fg = (x: Float64Array, g: Float64Array): number => {
            let f = 0;
            for (let i = 0; i < n; i++) {
              let ax = 0;
              for (let j = 0; j < n; j++) ax += A[i * n + j]! * x[j]!;
              g[i] = ax - b[i]!;
              f += 0.5 * x[i]! * ax - b[i]! * x[i]!;
            }
            return f;
          };
          const lo = new Float64Array(n).fill(-0.5);
          const hi = new Float64Array(n).fill(0.7);
          const x0 = new Float64Array(n).fill(0.1);
          const f0 = fg(x0, new Float64Array(n));
          let previous = Infinity;
          for (const it of [1, 2, 3, 5, 8, 13, 50]) {
            const r = minimizeBox(fg, x0, lo, hi, { maxIterations: it });
            expect(r.f).toBeLessThanOrEqual(f0);
            expect(r.f).toBeLessThanOrEqual(previous + 1e-12 * Math.max(1, Math.abs(previous)));
            previous = r.f;
          }
        },
      ),
      { seed: 31, numRuns: 150 },
    );
  });

  it('projects a starting point that lies outside the box', () => {
    const r = minimizeBox(quadratic(f64(0.2), f64(1)), f64(7), f64(0), f64(1));
    expect(r.x[0]).toBeCloseTo(0.2, 6);
  });

  it('keeps a variable fixed when its lower and upper bounds are equal', () => {
    const r = minimizeBox(quadratic(f64(3, 3), f64(1, 1)), f64(0, 0.5), f64(0, 0.5), f64(1, 0.5));
    expect(r.x[0]).toBeCloseTo(1, 8);
    expect(r.x[1]).toBe(0.5);
  });

  it('handles zero variables by evaluating once', () => {
    const r = minimizeBox(() => 4, new Float64Array(0), new Float64Array(0), new Float64Array(0));
    expect(r).toMatchObject({ f: 4, iterations: 0, evaluations: 1, converged: true });
  });

  it('returns immediately at a stationary start', () => {
    const r = minimizeBox(quadratic(f64(0.5), f64(1)), f64(0.5), f64(0), f64(1));
    expect(r.iterations).toBe(0);
    expect(r.converged).toBe(true);
  });

  it('treats non-finite values as failed steps and still converges', () => {
    // f = (x − 0.9)² but NaN for x > 0.95: the unit first step overshoots into the NaN region.
    const fg = (x: Float64Array, g: Float64Array): number => {
      if (x[0]! > 0.95) return Number.NaN;
      g[0] = 2 * (x[0]! - 0.9);
      return (x[0]! - 0.9) ** 2;
    };
    const r = minimizeBox(fg, f64(0), f64(0), f64(10));
    expect(r.x[0]).toBeCloseTo(0.9, 5);
    expect(Number.isFinite(r.f)).toBe(true);
  });

  it('never accepts +Infinity and reports a non-finite start without moving', () => {
    const r = minimizeBox(() => Infinity, f64(0.3), f64(0), f64(1));
    expect(r).toMatchObject({ f: Infinity, iterations: 0, converged: false });
    expect(r.x[0]).toBe(0.3);
  });

  it('stops at maxIterations on an unbounded-below linear function and stays on the bound', () => {
    const r = minimizeBox((x, g) => {
      g[0] = -1;
      return -x[0]!;
    }, f64(0), f64(0), f64(1e6), { maxIterations: 5 });
    expect(r.x[0]).toBeLessThanOrEqual(1e6);
    expect(r.iterations).toBeLessThanOrEqual(5);
  });

  it('moves a linear function to the corner of the box', () => {
    const r = minimizeBox((x, g) => {
      g[0] = 1;
      g[1] = -2;
      return x[0]! - 2 * x[1]!;
    }, f64(0.5, 0.5), f64(0, 0), f64(1, 1));
    expect(Array.from(r.x)).toEqual([0, 1]);
    expect(r.converged).toBe(true);
  });
});

describe('minimizeBox against scipy L-BFGS-B', () => {
  const golden = JSON.parse(readFileSync(new URL('../fixtures/lbfgsb-golden.json', import.meta.url), 'utf8')) as {
    quadratic: { A: number[]; b: number[]; lower: number[]; upper: number[]; x: number[]; f: number }[];
    rosenbrock: { lower: number[]; upper: number[]; x0: number[]; x: number[]; f: number; scipyIterations: number }[];
  };

  it('solves coupled box-constrained quadratics (active set ≠ clamp of the free minimizer) to scipy’s solution', () => {
    for (const q of golden.quadratic) {
      const n = q.b.length;
      const fg = (x: Float64Array, g: Float64Array): number => {
        let f = 0;
        for (let i = 0; i < n; i++) {
          let ax = 0;
          for (let j = 0; j < n; j++) ax += q.A[i * n + j]! * x[j]!;
          g[i] = ax - q.b[i]!;
          f += 0.5 * x[i]! * ax - q.b[i]! * x[i]!;
        }
        return f;
      };
      const r = minimizeBox(fg, new Float64Array(n), Float64Array.from(q.lower), Float64Array.from(q.upper), { maxIterations: 1000, gradTolerance: 1e-10, relTolerance: 0 });
      expect(r.f).toBeLessThanOrEqual(q.f + 1e-9 * Math.abs(q.f));
      r.x.forEach((v, i) => expect(v).toBeCloseTo(q.x[i]!, 6));
    }
  });

  it('finds scipy’s constrained Rosenbrock minimizer on boxes that cut off (1, …, 1)', () => {
    for (const c of golden.rosenbrock) {
      const r = minimizeBox(rosenbrock, Float64Array.from(c.x0), Float64Array.from(c.lower), Float64Array.from(c.upper), { maxIterations: 2000, gradTolerance: 1e-10, relTolerance: 0 });
      expect(r.f).toBeLessThanOrEqual(c.f + 1e-9 * Math.max(1, Math.abs(c.f)));
      r.x.forEach((v, i) => expect(v).toBeCloseTo(c.x[i]!, 5));
      // Within a small factor of scipy's iteration count (25 vs 13 and 28 vs 22 when written).
      expect(r.iterations).toBeLessThanOrEqual(2 * c.scipyIterations + 5);
    }
  });
});
