import { describe, expect, it } from 'vitest';
import { branchProjection, suggestConditional, type ConditionalEngineInput } from '../../src/bo/conditional-engine.js';
import { activityProblems, flatSpace, type ConditionalParamSpec } from '../../src/bo/conditional-space.js';
import { createEncoding, encode } from '../../src/bo/encoding.js';
import { EngineError } from '../../src/bo/engine.js';
import type { Params } from '../../src/bo/search-space.js';

const space: ConditionalParamSpec[] = [
  { name: 'optimizer', type: 'categorical', choices: ['sgd', 'adam'] },
  { name: 'lr', type: 'float', low: 0, high: 1 },
  { name: 'momentum', type: 'float', low: 0, high: 1, when: { parameter: 'optimizer', in: ['sgd'] } },
  { name: 'beta', type: 'float', low: 0, high: 1, when: { parameter: 'optimizer', in: ['adam'] } },
];
const f = (p: Params) => (p.optimizer === 'sgd' ? 0.3 + ((p.lr as number) - 0.2) ** 2 + ((p.momentum as number) - 0.9) ** 2 : ((p.lr as number) - 0.7) ** 2 + ((p.beta as number) - 0.5) ** 2);
const points: Params[] = [
  { optimizer: 'sgd', lr: 0.1, momentum: 0.2 }, { optimizer: 'sgd', lr: 0.6, momentum: 0.8 }, { optimizer: 'sgd', lr: 0.9, momentum: 0.5 },
  { optimizer: 'adam', lr: 0.2, beta: 0.1 }, { optimizer: 'adam', lr: 0.5, beta: 0.9 }, { optimizer: 'adam', lr: 0.9, beta: 0.3 },
];
const input = (over: Partial<ConditionalEngineInput> = {}): ConditionalEngineInput => ({
  space, goal: 'minimize', observations: points.map((params) => ({ params, value: f(params) })), pending: [], count: 1, seed: 5, ...over,
});

describe('branchProjection', () => {
  it('sets the inactive branch to its imputed value and leaves the active one alone', () => {
    const enc = createEncoding(flatSpace(space));
    const project = branchProjection(space, enc);
    const x = encode(enc, { optimizer: 'adam', lr: 0.4, momentum: 0.7, beta: 0.6 });
    expect(Array.from(project(x))).toEqual(Array.from(encode(enc, { optimizer: 'adam', lr: 0.4, momentum: 0, beta: 0.6 })));
    // Cached by the parent's coordinate: the other branch projects the other way.
    const y = encode(enc, { optimizer: 'sgd', lr: 0.4, momentum: 0.7, beta: 0.6 });
    expect(Array.from(project(y))).toEqual(Array.from(encode(enc, { optimizer: 'sgd', lr: 0.4, momentum: 0.7, beta: 0 })));
  });
});

describe('suggestConditional', () => {
  it('suggests exactly the active parameters of a branch, batch points distinct and new', () => {
    const out = suggestConditional(input({ count: 3 }));
    const keys = new Set<string>();
    for (const s of out.suggestions) {
      expect(activityProblems(space, s.params)).toEqual([]);
      keys.add(JSON.stringify(s.params));
    }
    expect(keys.size).toBe(3);
    for (const p of points) expect(keys.has(JSON.stringify(p))).toBe(false);
  });

  it('is deterministic per seed', () => {
    expect(suggestConditional(input()).suggestions).toEqual(suggestConditional(input()).suggestions);
  });

  it.each([
    ['a cycle in the space', input({ space: [{ name: 'a', type: 'int', low: 0, high: 1, when: { parameter: 'b', in: [1] } }, { name: 'b', type: 'int', low: 0, high: 1, when: { parameter: 'a', in: [1] } }] }), /cycle/],
    ['an observation with an inactive parameter', input({ observations: [{ params: { optimizer: 'sgd', lr: 0.5, momentum: 0.5, beta: 0.5 }, value: 1 }] }), /inactive/],
    ['an observation missing an active parameter', input({ observations: [{ params: { optimizer: 'adam', lr: 0.5 }, value: 1 }] }), /missing/],
  ])('refuses %s as invalid-input', (_what, bad, message) => {
    expect(() => suggestConditional(bad)).toThrow(EngineError);
    expect(() => suggestConditional(bad)).toThrow(message);
  });
});
