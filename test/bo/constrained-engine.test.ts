import { describe, expect, it } from 'vitest';
import { suggestConstrained, type ConstrainedEngineInput } from '../../src/bo/constrained-engine.js';
import { EngineError } from '../../src/bo/engine.js';
import { standardizedConstraint } from '../../src/bo/outcome-models.js';
import type { Params } from '../../src/bo/search-space.js';

const space = [{ name: 'x', type: 'float' as const, low: 0, high: 1 }, { name: 'y', type: 'float' as const, low: 0, high: 1 }];
/** Minimize (x − 0.9)² + (y − 0.9)² subject to latency = 10 (x + y) ≤ 10: the optimum lies on x + y = 1. */
const values = (p: Params) => ({ loss: ((p.x as number) - 0.9) ** 2 + ((p.y as number) - 0.9) ** 2, latency: 10 * ((p.x as number) + (p.y as number)) });
const grid = [0.1, 0.35, 0.6, 0.85].flatMap((x) => [0.15, 0.4, 0.65, 0.9].map((y) => ({ params: { x, y }, values: values({ x, y }) })));

function input(over: Partial<ConstrainedEngineInput> = {}): ConstrainedEngineInput {
  return {
    space, objective: { name: 'loss', goal: 'minimize' }, constraints: [{ name: 'latency', op: '<=', bound: 10 }],
    observations: grid, pending: [], count: 1, seed: 7, ...over,
  };
}

describe('standardizedConstraint', () => {
  it('maps values and bound by the same affine map, flipped for >=', () => {
    const le = standardizedConstraint([1, 2, 3], { name: 'c', op: '<=', bound: 2.5 });
    const sd = Math.sqrt(2 / 3);
    expect(Array.from(le.y)).toEqual([-1 / sd, 0, 1 / sd]);
    expect(le.bound).toBeCloseTo(0.5 / sd, 14);
    const ge = standardizedConstraint([1, 2, 3], { name: 'c', op: '>=', bound: 2.5 });
    expect(ge.y[0]).toBeCloseTo(1 / sd, 14);
    expect(ge.bound).toBeCloseTo(-0.5 / sd, 14);
  });
});

describe('suggestConstrained', () => {
  it('suggests a point the constraint GP believes feasible, near the constrained optimum', () => {
    const out = suggestConstrained(input());
    const s = out.suggestions[0]!;
    const p = s.params as { x: number; y: number };
    expect(s.source).toBe('gp-constrained-logei');
    expect(s.probabilityFeasible).toBeGreaterThan(0.2);
    expect(p.x + p.y).toBeLessThan(1.15);
    expect(p.x + p.y).toBeGreaterThan(0.7);
    expect(Object.keys(out.hyperparameters).sort()).toEqual(['latency', 'loss']);
    expect(out.work.feasibleObservations).toBe(grid.filter((o) => o.values.latency <= 10).length);
  });

  it('without a feasible observation looks for the feasible set (P(feasible) alone)', () => {
    const infeasible = grid.filter((o) => o.values.latency > 10);
    const out = suggestConstrained(input({ observations: infeasible }));
    expect(out.work.feasibleObservations).toBe(0);
    const p = out.suggestions[0]!.params as { x: number; y: number };
    // Below every observed x + y (all above 1), where the latency GP predicts the least.
    expect(p.x + p.y).toBeLessThan(Math.min(...infeasible.map((o) => (o.params.x) + (o.params.y))));
    expect(out.suggestions[0]!.probabilityFeasible).toBeGreaterThan(0.1);
  });

  it('is deterministic per seed and gives distinct batch points, none observed or pending', () => {
    const pending = [{ x: 0.45, y: 0.45 }];
    const a = suggestConstrained(input({ count: 3, pending }));
    const b = suggestConstrained(input({ count: 3, pending }));
    expect(a.suggestions).toEqual(b.suggestions);
    const keys = a.suggestions.map((s) => JSON.stringify(s.params));
    expect(new Set(keys).size).toBe(3);
    expect(keys).not.toContain(JSON.stringify(pending[0]));
  });

  it('warm-starts from its own hyperparameters and keeps them when nothing changed', () => {
    const first = suggestConstrained(input());
    const again = suggestConstrained(input({ previous: first.hyperparameters }));
    expect(again.work.fitted).toBe(false);
    expect(again.suggestions).toEqual(first.suggestions);
  });

  it.each([
    ['no constraint', input({ constraints: [] }), /at least one constraint/],
    ['a missing constrained outcome', input({ observations: [{ params: { x: 0.1, y: 0.2 }, values: { loss: 1 } }] }), /no finite value for latency/],
    ['a constraint on the objective itself', input({ constraints: [{ name: 'loss', op: '<=', bound: 1 }] }), /distinct/],
    ['params outside the space', input({ observations: [{ params: { x: 2, y: 0 }, values: { loss: 1, latency: 1 } }] }), /observation 0/],
  ])('refuses %s as invalid-input', (_what, bad, message) => {
    expect(() => suggestConstrained(bad)).toThrow(EngineError);
    expect(() => suggestConstrained(bad)).toThrow(message);
  });
});
