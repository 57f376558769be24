import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEncoding, decode, designPoint, encode, encodedKey, paramsKey, snap, validateParams, type Encoding } from '../../src/bo/encoding.js';
import { InvariantError, NumericalError } from '../../src/bo/errors.js';
import { createRng } from '../../src/bo/rng.js';
import type { ParamSpec, Params, ParamValue } from '../../src/bo/search-space.js';
import { sobolSequence } from '../../src/bo/sobol.js';

const EPS = Number.EPSILON;

const space: ParamSpec[] = [
  { name: 'x', type: 'float', low: 0, high: 10 },
  { name: 'lr', type: 'float', low: 1e-3, high: 10, log: true },
  { name: 'n', type: 'int', low: 0, high: 4 },
  { name: 'width', type: 'int', low: 1, high: 8, log: true },
  { name: 'batch', type: 'ordinal', values: [1, 2, 4, 8] },
  { name: 'opt', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
];
const enc = createEncoding(space);
const valid: Params = { x: 2.5, lr: 0.1, n: 2, width: 1, batch: 4, opt: 'rmsprop' };

// ---- arbitraries ---------------------------------------------------------------

type Unnamed<T> = T extends ParamSpec ? Omit<T, 'name'> : never;

const specArb: fc.Arbitrary<Unnamed<ParamSpec>> = fc.oneof(
  fc
    .tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1e6, noNaN: true })))
    .map(([low, w]) => ({ type: 'float' as const, low, high: low + w })),
  fc
    .tuple(fc.double({ min: -8, max: 4, noNaN: true }), fc.double({ min: 0, max: 8, noNaN: true }))
    .map(([e, span]) => ({ type: 'float' as const, low: 10 ** e, high: Math.max(10 ** e, 10 ** (e + span)), log: true })),
  fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 })).map(([low, w]) => ({ type: 'int' as const, low, high: low + w })),
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1_000_000 })).map(([low, w]) => ({ type: 'int' as const, low, high: low + w, log: true })),
  fc
    .uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 6 })
    .map((vs) => ({ type: 'ordinal' as const, values: vs.sort((a, b) => a - b).map((v) => v / 8) })),
  fc.shuffledSubarray<ParamValue>(['a', 1, true, 'b', 2.5, false, '1'], { minLength: 1 }).map((choices) => ({ type: 'categorical' as const, choices })),
);

const spaceArb: fc.Arbitrary<ParamSpec[]> = fc
  .array(specArb, { minLength: 1, maxLength: 6 })
  .map((specs) => specs.map((s, i) => ({ ...s, name: `p${i}` }) as ParamSpec));

function valueArb(p: ParamSpec): fc.Arbitrary<ParamValue> {
  switch (p.type) {
    case 'float':
      return fc.double({ min: p.low, max: p.high, noNaN: true });
    case 'int':
      return fc.integer({ min: p.low, max: p.high });
    case 'ordinal':
      return fc.constantFrom(...p.values);
    case 'categorical':
      return fc.constantFrom(...p.choices);
  }
}

const pointArb: fc.Arbitrary<[ParamSpec[], Params]> = spaceArb.chain((s) =>
  fc.tuple(...s.map(valueArb)).map((vs) => [s, Object.fromEntries(s.map((p, i) => [p.name, vs[i]!]))] as [ParamSpec[], Params]),
);

/** Any finite coordinate: mostly inside [0, 1], sometimes far outside (categorical indices, overshoot). */
const coordArb = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -3, max: 9, noNaN: true }));
const vectorArb = (dim: number) => fc.array(coordArb, { minLength: dim, maxLength: dim });
/** Coordinates on a coarse grid, so that different vectors often decode equal. */
const gridVectorArb = (dim: number) =>
  fc.array(fc.constantFrom(-0.4, 0, 0.2, 0.25, 0.5, 0.75, 1, 1.6, 2), { minLength: dim, maxLength: dim });

function sameParams(e: Encoding, a: Params, b: Params): boolean {
  return e.params.every((p) => a[p.name] === b[p.name]);
}

// ---- tables --------------------------------------------------------------------

describe('createEncoding', () => {
  it('gives one dimension per parameter with categorical flags, choice counts and cell widths', () => {
    expect(enc.dim).toBe(6);
    expect(Array.from(enc.isCategorical)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(Array.from(enc.nChoices)).toEqual([0, 0, 0, 0, 0, 3]);
    expect(Array.from(enc.steps)).toEqual([0, 0, 1 / 5, 1 / 8, 1 / 4, 0]);
  });

  it.each<[string, ParamSpec[]]>([
    ['a duplicate name', [{ name: 'a', type: 'int', low: 0, high: 1 }, { name: 'a', type: 'int', low: 0, high: 1 }]],
    ['low above high', [{ name: 'a', type: 'float', low: 2, high: 1 }]],
    ['a range wider than a double', [{ name: 'a', type: 'float', low: -1e308, high: 1e308 }]],
    ['a log float reaching 0', [{ name: 'a', type: 'float', low: 0, high: 1, log: true }]],
    ['a log int starting at 0', [{ name: 'a', type: 'int', low: 0, high: 9, log: true }]],
    ['a fractional int bound', [{ name: 'a', type: 'int', low: 0.5, high: 9 }]],
    ['ordinal values out of order', [{ name: 'a', type: 'ordinal', values: [1, 3, 2] }]],
    ['no ordinal values', [{ name: 'a', type: 'ordinal', values: [] }]],
    ['a repeated choice', [{ name: 'a', type: 'categorical', choices: ['x', 'x'] }]],
    ['no choices', [{ name: 'a', type: 'categorical', choices: [] }]],
  ])('rejects a space with %s', (_, bad) => {
    expect(() => createEncoding(bad)).toThrow(RangeError);
  });
});

describe('encode', () => {
  it.each<[string, ParamValue, number]>([
    ['x', 2.5, 0.25], // (2.5 - 0) / 10
    ['lr', 0.1, 0.5], // log10: -1 is halfway between -3 and 1
    ['n', 0, 0.1], // cells [-0.5, 4.5] / 5: centre of the first
    ['n', 2, 0.5],
    ['n', 4, 0.9],
    ['width', 1, Math.LN2 / Math.log(17)], // (ln 1 - ln 0.5) / (ln 8.5 - ln 0.5)
    ['batch', 4, 0.625], // index 2 on [-0.5, 3.5]: 2.5 / 4
    ['opt', 'rmsprop', 2], // the index
  ])('maps %s = %s to %f', (name, value, expected) => {
    const i = space.findIndex((p) => p.name === name);
    expect(encode(enc, { ...valid, [name]: value })[i]).toBeCloseTo(expected, 14);
  });

  it('refuses params that validateParams rejects', () => {
    expect(() => encode(enc, { ...valid, n: 2.5 })).toThrow(RangeError);
    expect(() => encode(enc, { ...valid, opt: 'adagrad' })).toThrow(RangeError);
  });
});

describe('decode', () => {
  it.each<[string, number, ParamValue]>([
    ['x', 0, 0],
    ['x', 1, 10],
    ['x', -0.3, 0], // clamped
    ['lr', 0, 1e-3], // the ends exactly, despite exp(ln v)
    ['lr', 1, 10],
    ['lr', 7, 10],
    ['n', 0, 0],
    ['n', 0.19, 0],
    ['n', 0.21, 1],
    ['n', 1, 4],
    ['width', 0, 1],
    ['width', 1, 8],
    ['batch', 0.24, 1],
    ['batch', 0.26, 2],
    ['batch', 0.99, 8],
    ['opt', -3, 'adam'],
    ['opt', 1.4, 'sgd'],
    ['opt', 1.6, 'rmsprop'],
    ['opt', 99, 'rmsprop'],
  ])('maps %s at x = %f to %s', (name, xi, expected) => {
    const x = encode(enc, valid);
    x[space.findIndex((p) => p.name === name)] = xi;
    expect(decode(enc, x)[name]).toBe(expected);
  });

  it('rejects a vector of the wrong length as a bug, and non-finite coordinates as a numerical failure', () => {
    expect(() => decode(enc, [0.5])).toThrow(InvariantError);
    expect(() => decode(enc, [NaN, 0, 0, 0, 0, 0])).toThrow(NumericalError);
  });
});

describe('snap', () => {
  it('moves discrete coordinates to their value and clamps float coordinates', () => {
    // n: 0.33 → value 1 → (1 + 0.5) / 5; width: 0.0001 → value 1 → ln 2 / ln 17;
    // batch: 0.55 → index 2 → 0.625; opt: 1.6 → 2.
    const [x, lr, n, width, batch, opt] = snap(enc, [1.3, -0.2, 0.33, 0.0001, 0.55, 1.6]);
    expect([x, lr, n, batch, opt]).toEqual([1, 0, 0.3, 0.625, 2]);
    expect(width).toBeCloseTo(Math.LN2 / Math.log(17), 15);
  });
});

describe('paramsKey', () => {
  it('ignores property order and the sign of zero', () => {
    const reordered = Object.fromEntries(Object.entries(valid).reverse());
    expect(paramsKey(enc, reordered)).toBe(paramsKey(enc, valid));
    const s = createEncoding([{ name: 'a', type: 'float', low: -1, high: 1 }]);
    expect(paramsKey(s, { a: -0 })).toBe(paramsKey(s, { a: 0 }));
  });

  it('tells apart choices that differ only in type', () => {
    const s = createEncoding([{ name: 'c', type: 'categorical', choices: [1, '1', true] }]);
    expect(new Set([1, '1', true].map((c) => paramsKey(s, { c }))).size).toBe(3);
  });

  it('refuses invalid params', () => {
    expect(() => paramsKey(enc, { ...valid, extra: 1 })).toThrow(RangeError);
  });
});

describe('validateParams', () => {
  it('accepts a valid point', () => {
    expect(validateParams(enc, valid)).toEqual([]);
  });

  it.each<[string, Params, string, RegExp]>([
    ['a missing parameter', { x: 1, lr: 0.1, n: 2, width: 1, batch: 4 }, '/opt', /missing/],
    ['a string for a float', { ...valid, x: '1' }, '/x', /finite number/],
    ['a float out of range', { ...valid, lr: 20 }, '/lr', /\[0\.001, 10\]/],
    ['a fractional int', { ...valid, n: 1.5 }, '/n', /integer/],
    ['an int out of range', { ...valid, n: 5 }, '/n', /\[0, 4\]/],
    ['an ordinal value not in values', { ...valid, batch: 3 }, '/batch', /one of 1, 2, 4, 8/],
    ['an ordinal value as a string', { ...valid, batch: '4' }, '/batch', /one of/],
    ['an unknown choice', { ...valid, opt: 'adagrad' }, '/opt', /one of "adam", "sgd", "rmsprop"/],
    ['an unknown name', { ...valid, momentum: 0.9 }, '/momentum', /not a parameter/],
  ])('reports %s at its JSON pointer', (_, params, pointer, message) => {
    const errors = validateParams(enc, params);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.pointer).toBe(pointer);
    expect(errors[0]!.message).toMatch(message);
  });

  it('reports non-finite numbers, escapes pointers and lists every problem', () => {
    const s = createEncoding([
      { name: 'a/b', type: 'float', low: 0, high: 1 },
      { name: 'm~n', type: 'int', low: 0, high: 1 },
    ]);
    expect(validateParams(s, { 'a/b': NaN, 'm~n': Infinity }).map((e) => e.pointer)).toEqual(['/a~1b', '/m~0n']);
  });

  it('rejects something that is not an object at the root pointer', () => {
    expect(validateParams(enc, [] as unknown as Params)).toEqual([{ pointer: '', message: expect.any(String) }]);
  });
});

describe('designPoint', () => {
  it('maps uniforms to values: linear, log-uniform, cell by cell and choice by choice', () => {
    expect(designPoint(enc, [0.25, 0.5, 0.5, 0, 0.99, 0.999])).toEqual({ x: 2.5, lr: expect.closeTo(0.1, 12), n: 2, width: 1, batch: 8, opt: 'rmsprop' });
  });

  it('rejects a vector with one uniform per parameter missing', () => {
    expect(() => designPoint(enc, [0.5])).toThrow(RangeError);
  });

  it('spreads a Sobol design evenly over cells, choices and decades', () => {
    const n = 1024;
    const counts = new Map<string, number>();
    const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const u of sobolSequence(enc.dim, n, createRng(4))) {
      const p = designPoint(enc, u);
      bump(`n=${p.n}`);
      bump(`batch=${p.batch}`);
      bump(`opt=${p.opt}`);
      bump(`lr decade ${Math.floor(Math.log10(p.lr as number))}`);
      if (p.width === 1) bump('width=1');
    }
    const near = (key: string, expected: number) => expect(Math.abs((counts.get(key) ?? 0) - expected), key).toBeLessThan(0.1 * expected);
    for (const v of [0, 1, 2, 3, 4]) near(`n=${v}`, n / 5);
    for (const v of [1, 2, 4, 8]) near(`batch=${v}`, n / 4);
    for (const v of ['adam', 'sgd', 'rmsprop']) near(`opt=${v}`, n / 3);
    for (const d of [-3, -2, -1, 0]) near(`lr decade ${d}`, n / 4);
    near('width=1', n * (Math.log(3) / Math.log(17))); // its log cell: (ln 1.5 - ln 0.5) / (ln 8.5 - ln 0.5)
  });
});

// ---- properties ----------------------------------------------------------------

describe('properties', () => {
  const runs = { seed: 42, numRuns: 400 };

  it('decode(encode(p)) = p: exactly for discrete values, to a few ulps for floats, always in bounds', () => {
    fc.assert(
      fc.property(pointArb, ([s, params]) => {
        const e = createEncoding(s);
        const back = decode(e, encode(e, params));
        expect(validateParams(e, back)).toEqual([]);
        for (const p of s) {
          const v = params[p.name] as number;
          const w = back[p.name] as number;
          if (p.type !== 'float') expect(w).toBe(v);
          else if (p.log) expect(Math.abs(w - v)).toBeLessThanOrEqual(1e-12 * v);
          else expect(Math.abs(w - v)).toBeLessThanOrEqual(4 * EPS * (Math.abs(p.low) + Math.abs(p.high)));
        }
      }),
      runs,
    );
  });

  it('decode yields a valid point for any finite vector, categorical indices included', () => {
    fc.assert(
      fc.property(spaceArb.chain((s) => fc.tuple(fc.constant(s), vectorArb(s.length))), ([s, x]) => {
        const e = createEncoding(s);
        expect(validateParams(e, decode(e, x))).toEqual([]);
      }),
      runs,
    );
  });

  it('snap is idempotent and does not change what a vector decodes to', () => {
    fc.assert(
      fc.property(spaceArb.chain((s) => fc.tuple(fc.constant(s), vectorArb(s.length))), ([s, x]) => {
        const e = createEncoding(s);
        const once = snap(e, x);
        expect(snap(e, once)).toEqual(once);
        expect(sameParams(e, decode(e, once), decode(e, x))).toBe(true);
      }),
      runs,
    );
  });

  it('paramsKey and snap agree exactly when decoded points are equal', () => {
    fc.assert(
      fc.property(spaceArb.chain((s) => fc.tuple(fc.constant(s), gridVectorArb(s.length), gridVectorArb(s.length))), ([s, x1, x2]) => {
        const e = createEncoding(s);
        const [p1, p2] = [decode(e, x1), decode(e, x2)];
        const equal = sameParams(e, p1, p2);
        expect(paramsKey(e, p1) === paramsKey(e, p2)).toBe(equal);
        expect(Array.from(snap(e, x1)).every((v, i) => Object.is(v, snap(e, x2)[i]))).toBe(equal);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('encodedKey(x) is paramsKey(decode(x)) for any finite vector', () => {
    fc.assert(
      fc.property(spaceArb.chain((s) => fc.tuple(fc.constant(s), fc.oneof(vectorArb(s.length), gridVectorArb(s.length)))), ([s, x]) => {
        const e = createEncoding(s);
        expect(encodedKey(e, x)).toBe(paramsKey(e, decode(e, x)));
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it('designPoint yields a valid point for any uniforms in [0, 1), the same one every time', () => {
    fc.assert(
      fc.property(
        spaceArb.chain((s) => fc.tuple(fc.constant(s), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: s.length, maxLength: s.length }))),
        ([s, u]) => {
          const e = createEncoding(s);
          const p = designPoint(e, u);
          expect(validateParams(e, p)).toEqual([]);
          expect(designPoint(createEncoding(s), u)).toEqual(p);
        },
      ),
      runs,
    );
  });
});
