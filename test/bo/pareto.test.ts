import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  dominates, hypervolume, isFeasible, maximizedObjectives, nonDominatedIndices, paretoFrontIndices, type Objective, type OutcomeConstraint,
} from '../../src/bo/pareto.js';

describe('isFeasible', () => {
  const constraints: OutcomeConstraint[] = [
    { name: 'latency', op: '<=', bound: 20 },
    { name: 'recall', op: '>=', bound: 0.9 },
  ];
  it.each<[Record<string, number>, boolean, string]>([
    [{ latency: 20, recall: 0.9 }, true, 'both bounds hold with equality'],
    [{ latency: 20.001, recall: 0.95 }, false, 'latency above its bound'],
    [{ latency: 5, recall: 0.89 }, false, 'recall below its bound'],
    [{ latency: 5 }, false, 'a constrained outcome is missing'],
    [{ latency: Number.NaN, recall: 1 }, false, 'a constrained outcome is NaN'],
  ])('%j is feasible = %s (%s)', (values, expected, _why) => {
    expect(isFeasible(values, constraints)).toBe(expected);
  });
  it('holds for every trial when there are no constraints', () => {
    expect(isFeasible({}, [])).toBe(true);
  });
});

describe('dominates (maximization)', () => {
  it.each([
    [[2, 2], [1, 1], true],
    [[2, 1], [1, 1], true],
    [[1, 1], [1, 1], false],
    [[2, 0], [1, 1], false],
    [[1, 1], [2, 2], false],
  ])('%j ≻ %j is %s', (a, b, expected) => {
    expect(dominates(a, b)).toBe(expected);
  });
});

describe('nonDominatedIndices and paretoFrontIndices', () => {
  it('keeps the hand-picked front of six points, equal points both', () => {
    // maximization: (4,1), (3,3), (1,4), (3,3) are non-dominated; (2,2) and (0,0) are dominated by (3,3).
    const points = [[4, 1], [2, 2], [3, 3], [1, 4], [0, 0], [3, 3]];
    expect(nonDominatedIndices(points)).toEqual([0, 2, 3, 5]);
  });

  it('applies the goals and drops infeasible trials before filtering', () => {
    const objectives: Objective[] = [{ name: 'loss', goal: 'minimize' }, { name: 'accuracy', goal: 'maximize' }];
    const constraints: OutcomeConstraint[] = [{ name: 'ms', op: '<=', bound: 10 }];
    const trials = [
      { loss: 0.1, accuracy: 0.9, ms: 50 }, // best on both, but infeasible
      { loss: 0.2, accuracy: 0.8, ms: 5 },
      { loss: 0.3, accuracy: 0.85, ms: 5 },
      { loss: 0.3, accuracy: 0.7, ms: 5 }, // dominated by trial 1
      { loss: 0.25, accuracy: 0.8, ms: 9 }, // dominated by trial 1
    ];
    expect(paretoFrontIndices(trials, objectives, constraints)).toEqual([1, 2]);
    expect(maximizedObjectives(trials[1]!, objectives)).toEqual([-0.2, 0.8]);
  });

  it('answers the best feasible trial for one objective', () => {
    const trials = [{ y: 3 }, { y: 1 }, { y: 2 }];
    expect(paretoFrontIndices(trials, [{ name: 'y', goal: 'minimize' }], [])).toEqual([1]);
  });

  it('no point of the front dominates another, and every other point is dominated by one of it (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { maxLength: 25 }), (points) => {
        const front = nonDominatedIndices(points);
        for (const i of front) for (const j of front) expect(dominates(points[i]!, points[j]!)).toBe(false);
        for (let i = 0; i < points.length; i++) if (!front.includes(i)) expect(front.some((j) => dominates(points[j]!, points[i]!))).toBe(true);
      }),
      { seed: 16, numRuns: 200 },
    );
  });
});

describe('hypervolume', () => {
  it('is 11 for (1,4), (3,3), (4,1) above (0,0), by hand: 1·4 + 2·3 + 1·1', () => {
    expect(hypervolume([[1, 4], [3, 3], [4, 1]], [0, 0])).toBe(11);
  });

  it('ignores dominated points, duplicates and points not strictly above the reference', () => {
    expect(hypervolume([[1, 4], [3, 3], [4, 1], [2, 2], [3, 3], [5, -1], [-1, 9]], [0, 0])).toBe(11);
    expect(hypervolume([[0, 5]], [0, 0])).toBe(0);
    expect(hypervolume([], [0, 0])).toBe(0);
  });

  it('takes the reference into account: (1,4), (3,3), (4,1) above (1, 1) is 0 + 2·2 + 0 = 4', () => {
    expect(hypervolume([[1, 4], [3, 3], [4, 1]], [1, 1])).toBe(4);
  });

  it('is the length above the reference for one objective', () => {
    expect(hypervolume([[2], [5], [3]], [1])).toBe(4);
  });

  it('is 8 + 1·1·3 + … for three boxes in 3-D, by inclusion–exclusion', () => {
    // A = [0,2]³ (8), B = [0,3]×[0,1]×[0,1] (3), C = [0,1]×[0,1]×[0,4] (4);
    // A∩B = 2·1·1 = 2, A∩C = 1·1·2 = 2, B∩C = 1·1·1 = 1, A∩B∩C = 1·1·1 = 1 → 8 + 3 + 4 − 2 − 2 − 1 + 1 = 11.
    expect(hypervolume([[2, 2, 2], [3, 1, 1], [1, 1, 4]], [0, 0, 0])).toBe(11);
  });

  it('equals the Monte-Carlo-free grid count on integer points in 3-D (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { maxLength: 12 }), (points) => {
        let cells = 0;
        for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let c = 0; c < 4; c++) {
          if (points.some((p) => p[0] > a && p[1] > b && p[2] > c)) cells++;
        }
        expect(hypervolume(points, [0, 0, 0])).toBe(cells);
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  it('refuses four objectives and mismatched shapes', () => {
    expect(() => hypervolume([[1, 1, 1, 1]], [0, 0, 0, 0])).toThrow(/1 to 3/);
    expect(() => hypervolume([[1, 1]], [0, 0, 0])).toThrow(/objectives/);
  });
});
