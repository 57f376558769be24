import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/bo/engine.js';
import { inferredReference, suggestMultiObjective, type MultiObjectiveEngineInput } from '../../src/bo/multi-objective-engine.js';
import type { Params } from '../../src/bo/search-space.js';

const space = [{ name: 'x', type: 'float' as const, low: 0, high: 1 }, { name: 'y', type: 'float' as const, low: 0, high: 1 }];
/** Two conflicting objectives (loss falls with x, cost rises with it) and a memory outcome. */
const values = (p: Params) => {
  const x = p.x as number;
  const y = p.y as number;
  return { loss: (1 - x) ** 2 + (y - 0.5) ** 2, cost: x + 0.2 * (y - 0.5) ** 2, memory: 10 * y };
};
const grid = [0.05, 0.35, 0.65, 0.95].flatMap((x) => [0.1, 0.4, 0.7].map((y) => ({ params: { x, y }, values: values({ x, y }) })));

function input(over: Partial<MultiObjectiveEngineInput> = {}): MultiObjectiveEngineInput {
  return {
    space, objectives: [{ name: 'loss', goal: 'minimize' }, { name: 'cost', goal: 'minimize' }],
    observations: grid, pending: [], count: 1, seed: 3, ...over,
  };
}

describe('inferredReference', () => {
  const front = [[0, 3], [1, 2], [2, 0]];
  it.each([
    ['front-nadir-margin', [-0.2, -0.3]],
    ['front-nadir', [0, 0]],
  ] as const)('%s of the front (0,3), (1,2), (2,0) is %j (maximization)', (rule, expected) => {
    const r = inferredReference(front, front, 2, rule);
    expect(r[0]).toBeCloseTo(expected[0], 14);
    expect(r[1]).toBeCloseTo(expected[1], 14);
  });
  it('takes one sd below a front of a single point', () => {
    expect(inferredReference([[1, 1]], [[1, 1]], 2, 'front-nadir-margin')).toEqual([0.9, 0.9]);
  });
  it('is the median of the feasible observations under the median rule', () => {
    expect(inferredReference([[2, 2]], [[2, 2], [0, 1], [1, 0]], 2, 'median')).toEqual([1, 1]);
  });
});

describe('suggestMultiObjective', () => {
  it('with two objectives suggests by log EHVI, with each objective predicted in its own units', () => {
    const out = suggestMultiObjective(input());
    const s = out.suggestions[0]!;
    expect(s.source).toBe('gp-log-ehvi');
    expect(Number.isFinite(s.acquisition)).toBe(true);
    const truth = values(s.params);
    expect(Math.abs(s.predictions!.loss!.mean - truth.loss)).toBeLessThan(3 * s.predictions!.loss!.std + 0.1);
    expect(Math.abs(s.predictions!.cost!.mean - truth.cost)).toBeLessThan(3 * s.predictions!.cost!.std + 0.1);
    expect(Object.keys(out.hyperparameters).sort()).toEqual(['cost', 'loss']);
  });

  it('is deterministic per seed and gives distinct batch points, none observed or pending', () => {
    const pending = [{ x: 0.5, y: 0.5 }];
    const a = suggestMultiObjective(input({ count: 3, pending }));
    expect(suggestMultiObjective(input({ count: 3, pending })).suggestions).toEqual(a.suggestions);
    const keys = a.suggestions.map((s) => JSON.stringify(s.params));
    expect(new Set(keys).size).toBe(3);
    for (const o of [...grid.map((g) => g.params), ...pending]) expect(keys).not.toContain(JSON.stringify(o));
  });

  it('with a constraint reports P(feasible) and prefers the feasible side', () => {
    const out = suggestMultiObjective(input({ constraints: [{ name: 'memory', op: '<=', bound: 5 }], count: 2 }));
    for (const s of out.suggestions) {
      expect(s.probabilityFeasible).toBeGreaterThan(0.3);
      expect(s.params.y as number).toBeLessThan(0.6);
    }
    expect(Object.keys(out.hyperparameters).sort()).toEqual(['cost', 'loss', 'memory']);
  });

  it('maps a reference point given in objective units, and suggests inside the box it bounds', () => {
    const out = suggestMultiObjective(input({ reference: { loss: 0.3, cost: 0.9 } }));
    const p = out.suggestions[0]!.params as { x: number; y: number };
    // The box needs loss < 0.3 and cost < 0.9: x between about 0.45 and 0.9.
    expect(p.x).toBeGreaterThan(0.35);
    expect(p.x).toBeLessThan(0.95);
  });

  it.each([
    ['one observation', grid.slice(0, 1)],
    ['two observations with equal values', [grid[0]!, { params: { x: 0.5, y: 0.5 }, values: grid[0]!.values }]],
  ])('suggests from %s (a front of one point: the reference one sd below it)', (_what, observations) => {
    const out = suggestMultiObjective(input({ observations }));
    expect(Number.isFinite(out.suggestions[0]!.acquisition)).toBe(true);
  });

  it('with three objectives uses ParEGO', () => {
    const out = suggestMultiObjective(input({ objectives: [{ name: 'loss', goal: 'minimize' }, { name: 'cost', goal: 'minimize' }, { name: 'memory', goal: 'minimize' }] }));
    expect(out.suggestions[0]!.source).toBe('gp-parego');
  });

  it.each([
    ['one objective', input({ objectives: [{ name: 'loss', goal: 'minimize' }] }), /several objectives/],
    ['a reference for no objective', input({ reference: { speed: 1 } }), /not an objective/],
    ['a missing objective value', input({ observations: [{ params: { x: 0.1, y: 0.1 }, values: { loss: 1 } }] }), /no finite value for cost/],
  ])('refuses %s as invalid-input', (_what, bad, message) => {
    expect(() => suggestMultiObjective(bad)).toThrow(EngineError);
    expect(() => suggestMultiObjective(bad)).toThrow(message);
  });
});
