import { describe, expect, it } from 'vitest';
import {
  activeParameters, activeParams, activityProblems, conditionalParamsProblems, conditionProblems, flatSpace, imputedParams, type ConditionalParamSpec,
} from '../../src/bo/conditional-space.js';
import { createEncoding, validateParams } from '../../src/bo/encoding.js';

/** optimizer ∈ {sgd, adam}; momentum only for sgd, beta2 only for adam; layers 1..3 with width3 only for 3 layers. */
const space: ConditionalParamSpec[] = [
  { name: 'optimizer', type: 'categorical', choices: ['sgd', 'adam'] },
  { name: 'momentum', type: 'float', low: 0, high: 0.99, when: { parameter: 'optimizer', in: ['sgd'] } },
  { name: 'beta2', type: 'float', low: 0.9, high: 0.9999, when: { parameter: 'optimizer', in: ['adam'] } },
  { name: 'layers', type: 'int', low: 1, high: 3 },
  { name: 'width3', type: 'ordinal', values: [32, 64, 128], when: { parameter: 'layers', in: [3] } },
  { name: 'dropout3', type: 'float', low: 0, high: 0.5, when: { parameter: 'width3', in: [128] } },
];

describe('conditionProblems', () => {
  it('finds none in a valid space with a chain (dropout3 ← width3 ← layers)', () => {
    expect(conditionProblems(space)).toEqual([]);
  });

  it.each<[string, ConditionalParamSpec[], string, RegExp]>([
    ['an unknown parent', [{ name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'b', in: [1] } }], '/parameters/0/when/parameter', /not a parameter/],
    ['a parameter conditioned on itself', [{ name: 'a', type: 'int', low: 0, high: 1, when: { parameter: 'a', in: [1] } }], '/parameters/0/when/parameter', /itself/],
    ['a float parent', [{ name: 'f', type: 'float', low: 0, high: 1 }, { name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'f', in: [0.5] } }], '/parameters/1/when/parameter', /categorical, ordinal or int/],
    ['an empty "in"', [{ name: 'c', type: 'categorical', choices: ['x'] }, { name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'c', in: [] } }], '/parameters/1/when/in', /never be active/],
    ['a choice the categorical parent lacks', [{ name: 'c', type: 'categorical', choices: ['x', 'y'] }, { name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'c', in: ['y', 'z'] } }], '/parameters/1/when/in/1', /cannot take "z"/],
    ['an int value out of range', [{ name: 'n', type: 'int', low: 1, high: 3 }, { name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'n', in: [4] } }], '/parameters/1/when/in/0', /cannot take 4/],
    ['a non-integer for an int parent', [{ name: 'n', type: 'int', low: 1, high: 3 }, { name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'n', in: [1.5] } }], '/parameters/1/when/in/0', /cannot take 1.5/],
    ['a value the ordinal parent lacks', [{ name: 'o', type: 'ordinal', values: [1, 2] }, { name: 'a', type: 'float', low: 0, high: 1, when: { parameter: 'o', in: [3] } }], '/parameters/1/when/in/0', /cannot take 3/],
  ])('reports %s with a pointer', (_what, bad, pointer, message) => {
    const problems = conditionProblems(bad);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.pointer).toBe(pointer);
    expect(problems[0]!.message).toMatch(message);
  });

  it('reports a cycle of three once, at its first parameter, naming the loop', () => {
    const cyclic: ConditionalParamSpec[] = [
      { name: 'x', type: 'float', low: 0, high: 1 },
      { name: 'a', type: 'int', low: 0, high: 2, when: { parameter: 'c', in: [1] } },
      { name: 'b', type: 'int', low: 0, high: 2, when: { parameter: 'a', in: [1] } },
      { name: 'c', type: 'int', low: 0, high: 2, when: { parameter: 'b', in: [1] } },
      { name: 'd', type: 'float', low: 0, high: 1, when: { parameter: 'c', in: [2] } },
    ];
    expect(conditionProblems(cyclic)).toEqual([{ pointer: '/parameters/1/when/parameter', message: 'the conditions form a cycle: "a" → "c" → "b" → "a"' }]);
  });
});

describe('activeParameters and activityProblems', () => {
  it.each([
    [{ optimizer: 'sgd', layers: 1 }, ['optimizer', 'momentum', 'layers']],
    [{ optimizer: 'adam', layers: 3, width3: 64 }, ['optimizer', 'beta2', 'layers', 'width3']],
    [{ optimizer: 'adam', layers: 3, width3: 128 }, ['optimizer', 'beta2', 'layers', 'width3', 'dropout3']],
    // A chain breaks where a parent is inactive, whatever value it was given.
    [{ optimizer: 'sgd', layers: 2, width3: 128 }, ['optimizer', 'momentum', 'layers']],
  ])('%j activates %j', (params, expected) => {
    expect([...activeParameters(space, params)]).toEqual(expected);
  });

  it('points at a missing active parameter and at a given inactive one', () => {
    expect(activityProblems(space, { optimizer: 'sgd', beta2: 0.99, layers: 3 })).toEqual([
      { pointer: '/momentum', message: '"momentum" is active here and missing' },
      { pointer: '/beta2', message: '"beta2" is inactive here ("optimizer" is "sgd") and must be left out' },
      { pointer: '/width3', message: '"width3" is active here and missing' },
    ]);
    expect(activityProblems(space, { optimizer: 'sgd', momentum: 0.9, layers: 1 })).toEqual([]);
  });
});

describe('imputation', () => {
  it('fills every inactive parameter with its fixed value, and activeParams takes them out again', () => {
    const params = { optimizer: 'adam', beta2: 0.99, layers: 2 };
    const flat = imputedParams(space, params);
    expect(flat).toEqual({ optimizer: 'adam', momentum: 0, beta2: 0.99, layers: 2, width3: 32, dropout3: 0 });
    expect(validateParams(createEncoding(flatSpace(space)), flat)).toEqual([]);
    expect(activeParams(space, flat)).toEqual(params);
  });

  it('maps two points of one branch that differ only in inactive values to the same flat point', () => {
    const a = activeParams(space, { optimizer: 'sgd', momentum: 0.5, beta2: 0.91, layers: 1, width3: 64, dropout3: 0.1 });
    const b = activeParams(space, { optimizer: 'sgd', momentum: 0.5, beta2: 0.95, layers: 1, width3: 128, dropout3: 0.4 });
    expect(imputedParams(space, a)).toEqual(imputedParams(space, b));
  });
});

describe('activeParameters on a refused space', () => {
  it('ends a cycle inactive instead of recursing forever', () => {
    const cyclic: ConditionalParamSpec[] = [
      { name: 'a', type: 'int', low: 0, high: 2, when: { parameter: 'b', in: [1] } },
      { name: 'b', type: 'int', low: 0, high: 2, when: { parameter: 'a', in: [1] } },
    ];
    expect([...activeParameters(cyclic, { a: 1, b: 1 })]).toEqual([]);
  });
});

describe('conditionalParamsProblems', () => {
  it.each<[string, Record<string, unknown>, { pointer: string; message: RegExp }[]]>([
    ['a valid point', { optimizer: 'adam', beta2: 0.99, layers: 1 }, []],
    ['a value out of range for an active parameter', { optimizer: 'sgd', momentum: 2, layers: 1 }, [{ pointer: '/momentum', message: /\[0, 0.99\]/ }]],
    ['an inactive parameter and an unknown name', { optimizer: 'sgd', momentum: 0.5, beta2: 0.95, layers: 1, colour: 'red' }, [
      { pointer: '/beta2', message: /inactive/ }, { pointer: '/colour', message: /not a parameter/ },
    ]],
    ['a missing active parameter, reported once', { optimizer: 'adam', layers: 1 }, [{ pointer: '/beta2', message: /missing/ }]],
  ])('%s', (_what, params, expected) => {
    const problems = conditionalParamsProblems(space, params as never);
    expect(problems.map((p) => p.pointer)).toEqual(expected.map((e) => e.pointer));
    problems.forEach((p, i) => expect(p.message).toMatch(expected[i]!.message));
  });
});
