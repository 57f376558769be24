/**
 * The values a fuzzer should try more often than chance would: doubles at the edges of
 * the format, adjacent doubles, and strings that break naive code (prototype keys,
 * control characters, lone surrogates, CSV formulas, the longest allowed).
 */
import fc from 'fast-check';

/** The next representable double above `x` (IEEE 754 binary64; x finite). */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/** `x` moved up by `steps` representable doubles. */
export function ulpsAbove(x: number, steps: number): number {
  let y = x;
  for (let i = 0; i < steps; i++) y = nextUp(y);
  return y;
}

/** Doubles that JSON can carry and that sit at an edge of binary64 or of common code. */
export const EDGE_DOUBLES: readonly number[] = [
  0, -0, 1, -1, 0.5, 0.1, 1e-5, 1e-1, 2, 10, 100, 1000, 1.0000000000000002, 0.9999999999999999,
  Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 1e-300, 1e300, -1e300,
  1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON,
  Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 31, 2 ** 32, 4294967295,
];

/** Integers at an edge: safe-integer limits, 32-bit limits, and doubles that are integers but not safe. */
export const EDGE_INTEGERS: readonly number[] = EDGE_DOUBLES.filter((x) => Number.isInteger(x));

/** A double, biased to the edges, within [min, max] when they are given. */
export function interestingDouble(min?: number, max?: number): fc.Arbitrary<number> {
  const lo = min ?? -Number.MAX_VALUE;
  const hi = max ?? Number.MAX_VALUE;
  const edges = EDGE_DOUBLES.filter((x) => x >= lo && x <= hi);
  const arbs: fc.WeightedArbitrary<number>[] = [
    { arbitrary: fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }), weight: 3 },
    { arbitrary: fc.double({ min: Math.max(lo, -1000), max: Math.min(hi, 1000), noNaN: true }), weight: 3 },
  ];
  if (edges.length > 0) arbs.push({ arbitrary: fc.constantFrom(...edges), weight: 3 });
  return fc.oneof(...arbs).filter((x) => x >= lo && x <= hi);
}

/** An integer, biased to the edges, within [min, max] when they are given. */
export function interestingInteger(min?: number, max?: number): fc.Arbitrary<number> {
  const lo = min ?? -Number.MAX_VALUE;
  const hi = max ?? Number.MAX_VALUE;
  const safeLo = Math.max(lo, Number.MIN_SAFE_INTEGER);
  const safeHi = Math.min(hi, Number.MAX_SAFE_INTEGER);
  const edges = [...EDGE_INTEGERS, ...(min !== undefined ? [min] : []), ...(max !== undefined ? [max] : [])].filter(
    (x) => x >= lo && x <= hi,
  );
  const arbs: fc.WeightedArbitrary<number>[] = [
    { arbitrary: fc.integer({ min: Math.max(safeLo, -100), max: Math.min(safeHi, 100) }), weight: 4 },
    // Bounded directly: filtering the whole safe range hangs generation on a narrow range
    // deep in a body, where fast-check's bias towards small values fades.
    { arbitrary: fc.integer({ min: safeLo, max: safeHi }), weight: 1 },
  ];
  if (edges.length > 0) arbs.push({ arbitrary: fc.constantFrom(...edges), weight: 2 });
  return fc.oneof(...arbs);
}

/** Keys that mean something to a plain JavaScript object. */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** Strings that have broken parsers, object maps, loggers and CSV writers elsewhere. */
export const NASTY_STRINGS: readonly string[] = [
  ...PROTOTYPE_KEYS,
  '\u0000', 'a\u0000b', '\u0001\u001f\u007f', '\n', '\r\n', '\t', ' ', '\u2028\u2029', '\ud800', '\udfff',
  '\ufeff', '😀', 'ﬁ', 'e\u0301', 'ß', 'İ', '\u202e', '%00', '%', '../..', '/', '\\', '"', "'", '`',
  '=cmd|\' /C calc\'!A0', '+1', '-1', '@SUM(1)', 'a,b', 'params.x', 'x.y', 'NaN', 'Infinity', 'null', 'true',
  '1e309', '0x10', '$ref', '#/x', '<script>', '{}', '[]',
];

/** A string of `minLength`..`maxLength` code points, biased to nasty ones and to the bounds. */
export function interestingString(minLength = 0, maxLength = 64): fc.Arbitrary<string> {
  const fits = (s: string) => {
    const n = [...s].length;
    return n >= minLength && n <= maxLength;
  };
  const nasty = NASTY_STRINGS.filter(fits);
  const prototypeKeys = PROTOTYPE_KEYS.filter(fits);
  const arbs: fc.WeightedArbitrary<string>[] = [
    { arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 12) }), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', minLength, maxLength: Math.min(maxLength, minLength + 8) }), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, minLength + 4) }), weight: 1 },
    { arbitrary: fc.constantFrom('x', 'ab').map((c) => c.repeat(maxLength).slice(0, maxLength)), weight: 1 },
  ];
  if (nasty.length > 0) arbs.push({ arbitrary: fc.constantFrom(...nasty), weight: 3 });
  if (prototypeKeys.length > 0) arbs.push({ arbitrary: fc.constantFrom(...prototypeKeys), weight: 2 });
  return fc.oneof(...arbs).filter(fits);
}
