/**
 * Search spaces that obey the rules of `src/domain/search-space-rules.ts` as well as the
 * schema, but are as odd as those allow: names such as `__proto__` or control
 * characters, float ranges a few representable doubles wide or as wide as a double can
 * go, unsafe-looking integers, mixed-type choices. Generated from the contract's
 * `Parameter` schema and then repaired, so that they shrink like any schema value.
 *
 * Points in a space are generated as unit coordinates and decoded at run time, so a
 * scenario can hold "a point of the space" before the space exists.
 */
import fc from 'fast-check';
import { objectFromEntries, schemaArbitrary } from '../schema-arbitrary.js';
import { EDGE_DOUBLES, interestingDouble, ulpsAbove } from './interesting-values.js';
import type { Spec } from './spec-operations.js';

export type Parameter =
  | { name: string; type: 'float'; low: number; high: number; log?: boolean }
  | { name: string; type: 'int'; low: number; high: number; log?: boolean }
  | { name: string; type: 'ordinal'; values: number[] }
  | { name: string; type: 'categorical'; choices: (number | string | boolean)[] };

export type SpaceLimits = { maxParameters: number; maxLevels: number };

/** A float range: ordinary, a few doubles wide, from edge values, or wider than a double can hold (high − low overflows). */
function floatBounds(): fc.Arbitrary<{ low: number; high: number }> {
  const widest = fc.tuple(fc.constantFrom(-Number.MAX_VALUE, -1e308, -1e300, 0), fc.constantFrom(Number.MAX_VALUE, 1e308, 1e300, 1));
  return fc.oneof(
    { arbitrary: widest.map(([low, high]) => ({ low, high })), weight: 1 },
    { arbitrary: fc.tuple(interestingDouble(-1e6, 1e6), fc.double({ min: 1e-6, max: 1e3, noNaN: true })).map(([low, span]) => ({ low, high: low + span })), weight: 4 },
    { arbitrary: fc.tuple(fc.constantFrom(...EDGE_DOUBLES), fc.integer({ min: 1, max: 3 })).map(([low, k]) => ({ low, high: ulpsAbove(low, k) })), weight: 3 },
    { arbitrary: fc.tuple(interestingDouble(), interestingDouble()).map(([a, b]) => ({ low: Math.min(a, b), high: Math.max(a, b) })), weight: 2 },
  );
}

/** A valid search space of 1..`maxParameters` parameters with distinct names. */
export function validSpace(spec: Spec, limits: SpaceLimits): fc.Arbitrary<Parameter[]> {
  const name = schemaArbitrary({ $ref: '#/components/schemas/ParameterName' }, { root: spec.document }) as fc.Arbitrary<string>;
  const float = fc
    .record({ name, bounds: floatBounds(), log: fc.option(fc.boolean(), { nil: undefined }) })
    .map(({ name, bounds, log }) => objectFromEntries([['name', name], ['type', 'float'], ['low', bounds.low], ['high', bounds.high], ...(log === undefined ? [] : [['log', log] as [string, unknown]])]));
  const parameter = schemaArbitrary(
    { $ref: '#/components/schemas/Parameter' },
    { root: spec.document, maxItems: limits.maxLevels, overrides: { '#/components/schemas/FloatParameter': float } },
  ) as fc.Arbitrary<Parameter>;
  return fc.array(parameter, { minLength: 1, maxLength: limits.maxParameters }).map(repairSpace).filter((s): s is Parameter[] => s !== null);
}

/** The space with every rule satisfied; null when a parameter cannot be repaired. */
function repairSpace(space: Parameter[]): Parameter[] | null {
  const seen = new Set<string>();
  const out: Parameter[] = [];
  for (const p of space) {
    let name = p.name;
    for (let k = 2; seen.has(name); k++) name = `${p.name.slice(0, 120)}~${k}`;
    seen.add(name);
    const fixed = repairParameter({ ...p, name } as Parameter);
    if (!fixed) return null;
    out.push(objectFromEntries(Object.entries(fixed)) as Parameter);
  }
  return out;
}

function repairParameter(p: Parameter): Parameter | null {
  switch (p.type) {
    case 'float':
    case 'int': {
      let { low, high } = p;
      if (p.type === 'int') {
        low = Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, low));
        high = Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, high));
      }
      if (low > high) [low, high] = [high, low];
      if (low === high) high = p.type === 'int' ? low + 1 : ulpsAbove(low, 1);
      if (!Number.isFinite(high) || (p.type === 'int' && !Number.isSafeInteger(high))) return null;
      const log = p.log === true && low <= 0 ? false : p.log;
      return { ...p, low, high, ...(log === undefined ? {} : { log }) };
    }
    case 'ordinal': {
      const values = [...new Set(p.values.map((v) => (Object.is(v, -0) ? 0 : v)))].sort((a, b) => a - b);
      return { ...p, values: values.length > 0 ? values : [0] };
    }
    case 'categorical': {
      const seen = new Set<string>();
      const choices = p.choices.filter((c) => {
        const key = `${typeof c}:${String(c)}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return { ...p, choices: choices.length > 0 ? choices : ['only'] };
    }
  }
}

/** Unit coordinates of a point: one number in [0, 1] per parameter (extra ones are ignored). */
export const unitPoint = (dims: number): fc.Arbitrary<number[]> =>
  fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.5)), { minLength: dims, maxLength: dims });

/** The parameters at unit coordinates `u` of `space`: bounds included, levels by index. */
export function pointAt(space: Parameter[], u: number[]): Record<string, number | string | boolean> {
  return objectFromEntries(
    space.map((p, i) => {
      const t = Math.min(1, Math.max(0, u[i] ?? 0.5));
      switch (p.type) {
        case 'float': {
          const x = p.low + t * (p.high - p.low);
          return [p.name, Number.isFinite(x) ? Math.min(p.high, Math.max(p.low, x)) : t < 0.5 ? p.low : p.high];
        }
        case 'int':
          return [p.name, Math.min(p.high, Math.max(p.low, Math.round(p.low + t * (p.high - p.low))))];
        case 'ordinal':
          return [p.name, p.values[Math.min(p.values.length - 1, Math.floor(t * p.values.length))] as number];
        case 'categorical':
          return [p.name, p.choices[Math.min(p.choices.length - 1, Math.floor(t * p.choices.length))] as number | string | boolean];
      }
    }),
  ) as Record<string, number | string | boolean>;
}

/** Whether `params` is a point of `space`: every name, nothing else, each value allowed. */
export function fitsSpace(space: Parameter[], params: Record<string, unknown>): string | null {
  const keys = Object.keys(params);
  if (keys.length !== space.length) return `has ${keys.length} parameters, the space ${space.length}`;
  for (const p of space) {
    if (!Object.prototype.hasOwnProperty.call(params, p.name)) return `lacks ${JSON.stringify(p.name)}`;
    const v = params[p.name];
    const bad = (why: string) => `${JSON.stringify(p.name)} = ${JSON.stringify(v)} ${why}`;
    switch (p.type) {
      case 'float':
        if (typeof v !== 'number' || !(v >= p.low && v <= p.high)) return bad(`is outside [${p.low}, ${p.high}]`);
        break;
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < p.low || v > p.high) return bad(`is not an integer in [${p.low}, ${p.high}]`);
        break;
      case 'ordinal':
        if (!p.values.includes(v as number)) return bad('is not one of the values');
        break;
      case 'categorical':
        if (!p.choices.some((c) => c === v)) return bad('is not one of the choices');
        break;
    }
  }
  return null;
}

/** An objective value: mostly ordinary, sometimes near the ends of the double range. */
export const observedValue: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.double({ min: -100, max: 100, noNaN: true }), weight: 6 },
  { arbitrary: fc.constantFrom(0, -0, 1e300, -1e300, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-300), weight: 2 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);
