import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NotPositiveDefiniteError,
  choleskyInPlace,
  choleskySolveInPlace,
  choleskyWithJitter,
  inverseFromCholesky,
  logDetFromCholesky,
  solveLowerInPlace,
  solveLowerMatrixInPlace,
  solveLowerTransposeInPlace,
} from '../../src/bo/cholesky.js';

/** A = G·Gᵀ + δI from a flat list of entries of G (n×n). */
function spd(n: number, g: number[], delta: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? delta : 0;
      for (let k = 0; k < n; k++) s += g[i * n + k]! * g[j * n + k]!;
      A[i * n + j] = s;
    }
  return A;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const matrices = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.tuple(fc.constant(n), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n })),
);

describe('cholesky', () => {
  it('factors a hand-checkable 2×2 matrix: [[4, 2], [2, 3]] = L·Lᵀ with L = [[2, 0], [1, √2]]', () => {
    const A = Float64Array.from([4, 2, 2, 3]);
    expect(choleskyInPlace(A, 2)).toBe(true);
    expect(Array.from(A)).toEqual([2, 0, 1, Math.SQRT2]);
    expect(logDetFromCholesky(A, 2)).toBeCloseTo(Math.log(8), 14);
  });

  it('reconstructs K = L·Lᵀ for random SPD matrices (property)', () => {
    fc.assert(
      fc.property(matrices, ([n, g]) => {
        const K = spd(n, g, 0.1);
        const { L, jitter } = choleskyWithJitter(K, n);
        expect(jitter).toBe(0);
        const R = new Float64Array(n * n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k < n; k++) s += L[i * n + k]! * L[j * n + k]!;
            R[i * n + j] = s;
          }
        expect(maxAbsDiff(R, K)).toBeLessThan(1e-12 * (1 + Math.max(...K.map(Math.abs))));
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it('solves K·x = b, L·x = b, Lᵀ·x = b and L·X = B consistently with each other (property)', () => {
    fc.assert(
      fc.property(matrices, ([n, g]) => {
        const K = spd(n, g, 0.5);
        const { L } = choleskyWithJitter(K, n);
        const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
        const x = choleskySolveInPlace(L, n, b.slice());
        const Kx = new Float64Array(n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Kx[i] = Kx[i]! + K[i * n + j]! * x[j]!;
        expect(maxAbsDiff(Kx, b)).toBeLessThan(1e-9);
        // Column-batched forward solve equals the vector one column by column.
        const B = new Float64Array(n * 2);
        for (let i = 0; i < n; i++) {
          B[i * 2] = b[i]!;
          B[i * 2 + 1] = -2 * b[i]!;
        }
        solveLowerMatrixInPlace(L, n, B, 2);
        const f = solveLowerInPlace(L, n, b.slice());
        for (let i = 0; i < n; i++) {
          expect(B[i * 2]).toBeCloseTo(f[i]!, 12);
          expect(B[i * 2 + 1]).toBeCloseTo(-2 * f[i]!, 12);
        }
        const back = solveLowerTransposeInPlace(L, n, f.slice());
        expect(maxAbsDiff(back, x)).toBeLessThan(1e-12 * (1 + Math.max(...x.map(Math.abs))));
      }),
      { seed: 2, numRuns: 200 },
    );
  });

  it('inverts K from its factor: K·K⁻¹ = I (property)', () => {
    fc.assert(
      fc.property(matrices, ([n, g]) => {
        const K = spd(n, g, 0.5);
        const { L } = choleskyWithJitter(K, n);
        const Kinv = inverseFromCholesky(L, n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k < n; k++) s += K[i * n + k]! * Kinv[k * n + j]!;
            expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-9);
            expect(Kinv[i * n + j]).toBe(Kinv[j * n + i]);
          }
      }),
      { seed: 3, numRuns: 100 },
    );
  });

  it('adds growing jitter to a rank-deficient matrix and reports it', () => {
    // All-ones 3×3: rank 1, positive semi-definite.
    const K = new Float64Array(9).fill(1);
    const { L, jitter } = choleskyWithJitter(K, 3);
    expect(jitter).toBeGreaterThan(0);
    expect(jitter).toBeLessThanOrEqual(1e-3);
    expect(L[0]).toBeCloseTo(Math.sqrt(1 + jitter), 12);
    expect(K[0]).toBe(1); // K is untouched
  });

  it('throws NotPositiveDefiniteError with a stable code for an indefinite matrix', () => {
    const K = Float64Array.from([1, 2, 2, 1]); // eigenvalues 3 and −1
    try {
      choleskyWithJitter(K, 2);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NotPositiveDefiniteError);
      expect((e as NotPositiveDefiniteError).code).toBe('BO_NOT_POSITIVE_DEFINITE');
      expect((e as NotPositiveDefiniteError).jitter).toBeCloseTo(1e-3, 12);
    }
  });

  it('rejects NaN entries instead of producing a NaN factor', () => {
    expect(choleskyInPlace(Float64Array.from([Number.NaN]), 1)).toBe(false);
    expect(() => choleskyWithJitter(Float64Array.from([1, Number.NaN, Number.NaN, 1]), 2)).toThrow(NotPositiveDefiniteError);
  });

  it('handles the empty matrix', () => {
    expect(choleskyWithJitter(new Float64Array(0), 0)).toEqual({ L: new Float64Array(0), jitter: 0 });
  });
});

describe('choleskyWithJitter in place', () => {
  it('retries with jitter from the original matrix when the output aliases the input', () => {
    const K = new Float64Array(9).fill(1);
    const expected = choleskyWithJitter(K.slice(), 3);
    const inPlace = choleskyWithJitter(K, 3, {}, K);
    expect(inPlace.L).toBe(K);
    expect(inPlace.jitter).toBe(expected.jitter);
    expect(Array.from(inPlace.L)).toEqual(Array.from(expected.L));
  });
});
