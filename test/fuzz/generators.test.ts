/**
 * The fuzzer's own parts, without a server: the schema generator, the mutation layer,
 * the JSON writer, adjacent doubles, and how failures are grouped into signatures.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { objectFromEntries, schemaArbitrary } from '../support/schema-arbitrary.js';
import { nextUp, ulpsAbove } from '../support/fuzz/interesting-values.js';
import { causeOf, normalizeMessage } from '../support/fuzz/oracle.js';
import { jsonText, RawJson } from '../support/fuzz/raw-json.js';
import { applyMutation, type Mutation } from '../support/fuzz/request-mutations.js';
import { fitsSpace, pointAt, validSpace } from '../support/fuzz/search-space.js';
import { loadSpec } from '../support/fuzz/spec-operations.js';
import { FUZZ_SEED } from '../support/fuzz/settings.js';

const spec = loadSpec();
const root = spec.document;
const params = { seed: FUZZ_SEED, numRuns: 200 };

describe('adjacent doubles', () => {
  test.each([
    [1, 1.0000000000000002],
    [0, 5e-324],
    [-0, 5e-324],
    [-5e-324, -0],
    [Number.MAX_VALUE, Infinity],
    [-1, -0.9999999999999999],
  ])('the double after %d is %d', (x, next) => {
    expect(Object.is(nextUp(x), next)).toBe(true);
  });

  test('three steps above 1 is 1 + 3 ε', () => {
    expect(ulpsAbove(1, 3)).toBe(1 + 3 * Number.EPSILON);
  });
});

describe('the JSON writer', () => {
  test('writes __proto__ as an own key, raw number tokens verbatim, and -0 as -0', () => {
    const body = objectFromEntries([['__proto__', 1], ['x', new RawJson('1e309')], ['z', -0]]);
    expect(jsonText(body)).toBe('{"__proto__":1,"x":1e309,"z":-0}');
    expect(Object.keys(JSON.parse(jsonText(body)))).toEqual(['__proto__', 'x', 'z']);
  });
});

describe('the schema generator', () => {
  test('a Parameter is one of the four kinds, with the required fields of its kind and no others', () => {
    const required = { float: ['name', 'type', 'low', 'high'], int: ['name', 'type', 'low', 'high'], ordinal: ['name', 'type', 'values'], categorical: ['name', 'type', 'choices'] };
    const allowed = { float: [...required.float, 'log', 'gridPoints'], int: [...required.int, 'log', 'gridPoints'], ordinal: required.ordinal, categorical: required.categorical };
    fc.assert(
      fc.property(schemaArbitrary({ $ref: '#/components/schemas/Parameter' }, { root }), (value) => {
        const p = value as { type: keyof typeof required; name: string };
        expect(Object.keys(required)).toContain(p.type);
        for (const key of required[p.type]) expect(p).toHaveProperty(key);
        for (const key of Object.keys(p)) expect(allowed[p.type]).toContain(key);
        expect([...p.name].length).toBeGreaterThanOrEqual(1);
        expect([...p.name].length).toBeLessThanOrEqual(128);
        if (p.type === 'int') expect(Number.isInteger((p as unknown as { low: number }).low)).toBe(true);
      }),
      params,
    );
  });

  test('integers and arrays keep their bounds (StudyOptions, SuggestRequest)', () => {
    fc.assert(
      fc.property(schemaArbitrary({ $ref: '#/components/schemas/StudyOptions' }, { root }), (value) => {
        const o = value as { seed?: number; initialTrials?: number; leaseSeconds?: number };
        if (o.seed !== undefined) expect(o.seed >= 0 && o.seed <= 4294967295 && Number.isInteger(o.seed)).toBe(true);
        if (o.initialTrials !== undefined) expect(o.initialTrials >= 1 && o.initialTrials <= 1000).toBe(true);
        if (o.leaseSeconds !== undefined) expect(o.leaseSeconds >= 1 && o.leaseSeconds <= 2592000).toBe(true);
      }),
      params,
    );
  });

  test('a keyword outside the supported subset fails loudly', () => {
    expect(() => schemaArbitrary({ type: 'string', pattern: '^a' } as never, { root })).toThrow(/keyword 'pattern'/);
  });

  test('every request body schema of the contract is within the supported subset', () => {
    for (const op of spec.operations) if (op.requestBody) expect(() => schemaArbitrary(op.requestBody!.schema, { root })).not.toThrow();
  });
});

describe('valid spaces', () => {
  test('obey the space rules: distinct names, low < high, ascending levels, distinct choices, and points decode inside', () => {
    fc.assert(
      fc.property(validSpace(spec, { maxParameters: 4, maxLevels: 5 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }), (space, u) => {
        expect(new Set(space.map((p) => p.name)).size).toBe(space.length);
        for (const p of space) {
          if (p.type === 'float' || p.type === 'int') {
            expect(p.low < p.high && Number.isFinite(p.low) && Number.isFinite(p.high)).toBe(true);
            if (p.log) expect(p.low).toBeGreaterThan(0);
          }
          if (p.type === 'ordinal') expect(p.values.every((v, i) => i === 0 || v > (p.values[i - 1] as number))).toBe(true);
        }
        expect(fitsSpace(space, pointAt(space, u))).toBeNull();
      }),
      params,
    );
  });
});

describe('the mutation layer', () => {
  const body = { name: 'a', parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: { goal: 'minimize' } };
  test.each<[string, Mutation, string]>([
    ['a non-object item', { kind: 'non-object-item', at: 0, value: 'true', anyArray: false }, '{"name":"a","parameters":["true"],"objective":{"goal":"minimize"}}'],
    ['a dropped field', { kind: 'drop-field', at: 0 }, '{"parameters":[{"name":"x","type":"float","low":0,"high":1}],"objective":{"goal":"minimize"}}'],
    ['a raw number token', { kind: 'odd-number', at: 1, value: new RawJson('1e309') }, '{"name":"a","parameters":[{"name":"x","type":"float","low":0,"high":1e309}],"objective":{"goal":"minimize"}}'],
    ['a renamed key', { kind: 'rename-key', at: 0, key: '__proto__' }, '{"__proto__":"a","parameters":[{"name":"x","type":"float","low":0,"high":1}],"objective":{"goal":"minimize"}}'],
  ])('applies %s and leaves the original alone', (_name, m, expected) => {
    const before = JSON.stringify(body);
    expect(jsonText(applyMutation(body, m))).toBe(expected);
    expect(JSON.stringify(body)).toBe(before);
  });
});

describe('failure signatures', () => {
  test.each([
    ['InternalServerError: /response/suggestions/0/prediction/mean must be number (status 500)', 'response breaks the contract in /response/suggestions/N'],
    ['InternalServerError: /response/suggestions/1/acquisition must be number, /response/suggestions/3/prediction/std must be number', 'response breaks the contract in /response/suggestions/N'],
    ['Error: incorrect header check (status 400, code Z_DATA_ERROR)', 'unmapped Error with status 400'],
    ['Error: unexpected end of file (status 400, code Z_BUF_ERROR)', 'unmapped Error with status 400'],
    ['RangeError: invalid params: "__proto__" is missing', 'RangeError: invalid params: Q is missing'],
    ['RangeError: search space: parameter "" " has a range wider than a double can hold', 'RangeError: search space: parameter Q has a range wider than a double can hold'],
  ])('%s is grouped as "%s"', (logged, cause) => {
    expect(causeOf(logged)).toBe(cause);
  });

  test('ids, numbers and quoted text are blanked', () => {
    expect(normalizeMessage("no study st_AAAAAAAAAAAAAAAA with 'x' at 1.5e-3")).toBe('no study st_… with Q at N');
  });
});
