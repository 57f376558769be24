import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/bo/rng.js';
import { createSobolGenerator, SOBOL_MAX_DIM, sobolDirectionNumbers, sobolSequence } from '../../src/bo/sobol.js';

type Golden = {
  full: { d: number; n: number; points: number[][] }[];
  sampled: { d: number; n: number; picks: [number, number, number][] }[];
};
const golden = JSON.parse(readFileSync(new URL('../fixtures/sobol.json', import.meta.url), 'utf8')) as Golden;

const PYTHON = '/usr/bin/python3';

/** Direction integers m_j = v_j / 2^(32 - j) of dimension d. */
function directionIntegers(d: number, count: number): number[] {
  const v = sobolDirectionNumbers(d);
  return Array.from({ length: count }, (_, i) => v[i]! / 2 ** (31 - i));
}

/** True when floor(x · 2^k) over the points is a permutation of 0..2^k-1. */
function isBalanced(values: number[], k: number): boolean {
  const seen = new Uint8Array(2 ** k);
  for (const x of values) {
    const cell = Math.floor(x * 2 ** k);
    if (cell < 0 || cell >= seen.length || seen[cell]) return false;
    seen[cell] = 1;
  }
  return values.length === seen.length;
}

describe('sobolDirectionNumbers', () => {
  it('gives m_j = 1 in dimension 0 (van der Corput)', () => {
    expect(directionIntegers(0, 32)).toEqual(new Array(32).fill(1));
  });

  it('follows the recurrence by hand in dimension 1 (polynomial x + 1: m_j = 2 m_{j-1} xor m_{j-1})', () => {
    expect(directionIntegers(1, 6)).toEqual([1, 3, 5, 15, 17, 51]);
  });

  it('gives odd m_j below 2^j in every tabulated dimension', () => {
    const bad: string[] = [];
    for (let d = 0; d < SOBOL_MAX_DIM; d++) {
      directionIntegers(d, 32).forEach((mj, i) => {
        if (mj % 2 !== 1 || mj >= 2 ** (i + 1)) bad.push(`m_{${d},${i + 1}} = ${mj}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('rejects dimensions outside the table', () => {
    expect(() => sobolDirectionNumbers(-1)).toThrow(RangeError);
    expect(() => sobolDirectionNumbers(SOBOL_MAX_DIM)).toThrow(RangeError);
  });
});

describe('unscrambled Sobol', () => {
  it("starts (0, 0), (1/2, 1/2), (3/4, 1/4), (1/4, 3/4) in two dimensions", () => {
    const g = createSobolGenerator(2, null);
    expect([0, 1, 2, 3].map(() => Array.from(g.next()))).toEqual([
      [0, 0],
      [0.5, 0.5],
      [0.75, 0.25],
      [0.25, 0.75],
    ]);
  });

  it.each(golden.full.map((c) => [c.d, c.n, c] as const))(
    "matches scipy's Sobol(%i, scramble=False) on all of the first %i points",
    (d, n, c) => {
      const g = createSobolGenerator(d, null);
      const ours = Array.from({ length: n }, () => Array.from(g.next()));
      expect(ours).toEqual(c.points);
    },
  );

  it.each(golden.sampled.map((c) => [c.d, c.n, c] as const))(
    "matches scipy's Sobol(%i, scramble=False) at sampled coordinates of the first %i points",
    (d, n, c) => {
      const byIndex = new Map<number, [number, number][]>();
      for (const [i, j, x] of c.picks) byIndex.set(i, [...(byIndex.get(i) ?? []), [j, x]]);
      const g = createSobolGenerator(d, null);
      let checked = 0;
      for (let i = 0; i < n; i++) {
        const x = g.next();
        for (const [j, expected] of byIndex.get(i) ?? []) {
          expect(x[j], `point ${i}, dimension ${j}`).toBe(expected);
          checked++;
        }
      }
      expect(checked).toBe(c.picks.length);
    },
  );

  it('rejects dimensions it has no direction numbers for', () => {
    expect(() => createSobolGenerator(0, null)).toThrow(RangeError);
    expect(() => createSobolGenerator(SOBOL_MAX_DIM + 1, null)).toThrow(RangeError);
  });
});

describe('sobolSequence (scrambled)', () => {
  it('hits every interval of width 2^-k once per coordinate with 2^k points, for every k up to 10', () => {
    for (const dim of [1, 7, 40]) {
      const points = sobolSequence(dim, 1024, createRng(dim));
      for (let k = 0; k <= 10; k++) {
        for (let d = 0; d < dim; d++) {
          expect(isBalanced(points.slice(0, 2 ** k).map((x) => x[d]!), k), `dim ${dim}, k ${k}, coordinate ${d}`).toBe(true);
        }
      }
    }
  });

  it('stays balanced in the last tabulated dimensions', () => {
    const points = sobolSequence(SOBOL_MAX_DIM, 256, createRng(5));
    for (let d = SOBOL_MAX_DIM - 16; d < SOBOL_MAX_DIM; d++) {
      expect(isBalanced(points.map((x) => x[d]!), 8)).toBe(true);
    }
  });

  it('keeps the first two coordinates a (0, m, 2)-net: every 2^-a × 2^-(m-a) box holds one of 2^m points', () => {
    const m = 8;
    const points = sobolSequence(2, 2 ** m, createRng(17));
    for (let a = 0; a <= m; a++) {
      const seen = new Set<string>();
      for (const x of points) seen.add(`${Math.floor(x[0]! * 2 ** a)},${Math.floor(x[1]! * 2 ** (m - a))}`);
      expect(seen.size, `boxes 2^-${a} × 2^-${m - a}`).toBe(2 ** m);
    }
  });

  it('gives the same points for the same seed and different points for another', () => {
    const a = sobolSequence(5, 64, createRng(1));
    const b = sobolSequence(5, 64, createRng(1));
    const c = sobolSequence(5, 64, createRng(2));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('does not start at the origin and keeps every coordinate in [0, 1)', () => {
    const points = sobolSequence(6, 300, createRng(3));
    expect(Array.from(points[0]!).some((x) => x !== 0)).toBe(true);
    for (const x of points) for (const v of x) expect(v >= 0 && v < 1).toBe(true);
  });

  it('fills coordinates beyond the table from the rng, deterministically', () => {
    const dim = SOBOL_MAX_DIM + 3;
    const a = sobolSequence(dim, 16, createRng(8));
    const b = sobolSequence(dim, 16, createRng(8));
    expect(a).toEqual(b);
    expect(a.every((x) => x.length === dim)).toBe(true);
    expect(isBalanced(a.map((x) => x[SOBOL_MAX_DIM - 1]!), 4)).toBe(true);
    const extra = a.flatMap((x) => Array.from(x.subarray(SOBOL_MAX_DIM)));
    expect(extra.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(extra).size).toBe(extra.length);
  });

  it('returns no points for count 0 and rejects bad arguments', () => {
    expect(sobolSequence(3, 0, createRng(1))).toEqual([]);
    expect(() => sobolSequence(0, 4, createRng(1))).toThrow(RangeError);
    expect(() => sobolSequence(2, -1, createRng(1))).toThrow(RangeError);
    expect(() => sobolSequence(2, 1.5, createRng(1))).toThrow(RangeError);
  });
});

describe('sobol-directions.ts', () => {
  const hasScipy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import scipy']).status === 0;
  it.skipIf(!hasScipy)('is what scripts/generate-sobol-directions.py writes from the scipy table', () => {
    const script = fileURLToPath(new URL('../../scripts/generate-sobol-directions.py', import.meta.url));
    const run = spawnSync(PYTHON, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
