/**
 * The mutation layer: a valid JSON body and a mutation plan give an invalid (or odd)
 * body. A plan is plain data (which kind, which location by index, what to put there),
 * so a failing body shrinks by shrinking the valid body and the plan separately.
 */
import fc from 'fast-check';
import { objectFromEntries } from '../schema-arbitrary.js';
import { NASTY_STRINGS } from './interesting-values.js';
import { describeJson, RawJson, type FuzzJson } from './raw-json.js';

type Path = (string | number)[];

export type Mutation =
  | { kind: 'wrong-type'; at: number; value: FuzzJson }
  | { kind: 'drop-field'; at: number }
  | { kind: 'extra-field'; at: number; key: string; value: FuzzJson }
  | { kind: 'rename-key'; at: number; key: string }
  /** In an array of objects when the body has one and `anyArray` is false. */
  | { kind: 'non-object-item'; at: number; value: FuzzJson; anyArray: boolean }
  | { kind: 'odd-number'; at: number; value: number | RawJson }
  | { kind: 'odd-string'; at: number; value: string }
  | { kind: 'deep-nesting'; at: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'big-array'; at: number; length: number }
  | { kind: 'whole-body'; value: FuzzJson };

/** Values of every JSON type, for a field of another one. */
const ANY_TYPE: FuzzJson[] = [null, true, false, 0, -1, 1.5, '', '1', 'true', [], [1], {}, { a: 1 }, [[]]];
/** Array items that are not objects (issue 10: `"parameters": ["true"]` was a 500). */
const NON_OBJECTS: FuzzJson[] = ['true', 1, null, [], true, '', [[]], 0, 'float'];
/** Number tokens at or past the edges of binary64, as JSON text. */
const ODD_NUMBERS: (number | RawJson)[] = [
  1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 1.0000000000000002, 2 ** 53 + 2, -0, 0,
  new RawJson('1e309'), new RawJson('-1e309'), new RawJson('1e-400'), new RawJson('-0'), new RawJson('-0.0'),
  new RawJson('123456789012345678901234567890'), new RawJson('1E+308'), new RawJson('0.1e1'), new RawJson('4.9e-324'),
  new RawJson('1.00000000000000011102230246251565404236316680908203125'),
];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('wrong-type' as const), at: fc.nat(), value: fc.constantFrom(...ANY_TYPE) }),
  fc.record({ kind: fc.constant('drop-field' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extra-field' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 8 })),
    value: fc.constantFrom(...ANY_TYPE),
  }),
  fc.record({ kind: fc.constant('rename-key' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype', '', '\u0000', 'x'.repeat(300)) }),
  fc.record({ kind: fc.constant('non-object-item' as const), at: fc.nat(), value: fc.constantFrom(...NON_OBJECTS), anyArray: fc.boolean() }),
  fc.record({ kind: fc.constant('odd-number' as const), at: fc.nat(), value: fc.constantFrom(...ODD_NUMBERS) }),
  fc.record({
    kind: fc.constant('odd-string' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.constantFrom(...NASTY_STRINGS),
      fc.constantFrom(65, 129, 201, 256, 2001, 100_000, 900_000).map((n) => 'a'.repeat(n)),
    ),
  }),
  fc.record({ kind: fc.constant('deep-nesting' as const), at: fc.nat(), depth: fc.constantFrom(64, 1000, 10_000, 100_000), shape: fc.constantFrom('array' as const, 'object' as const) }),
  fc.record({ kind: fc.constant('big-array' as const), at: fc.nat(), length: fc.constantFrom(101, 1001, 5001, 20_000, 200_000) }),
  fc.record({ kind: fc.constant('whole-body' as const), value: fc.constantFrom<FuzzJson>(null, 0, 'x', [], [{}], true, new RawJson('1e309'), new RawJson('"\\u0000"')) }),
);

/** A copy of `value` with `m` applied. */
export function applyMutation(value: FuzzJson, m: Mutation): FuzzJson {
  if (m.kind === 'whole-body') return m.value;
  const root = clone(value);
  const nodes = locations(root);
  const pick = <T>(list: T[]): T | undefined => (list.length === 0 ? undefined : list[m.at % list.length]);
  const objects = nodes.filter((n) => isObject(n.value));
  const arrays = nodes.filter((n) => Array.isArray(n.value));
  const objectArrays = arrays.filter((n) => (n.value as FuzzJson[]).some(isObject));
  const fields = nodes.filter((n) => n.path.length > 0 && typeof n.path[n.path.length - 1] === 'string');
  switch (m.kind) {
    case 'wrong-type':
      return replaceAt(root, pick(nodes.filter((n) => n.path.length > 0))?.path ?? [], m.value);
    case 'drop-field': {
      const target = pick(fields);
      if (!target) return root;
      const parent = getAt(root, target.path.slice(0, -1)) as Record<string, unknown>;
      delete parent[target.path[target.path.length - 1] as string];
      return root;
    }
    case 'extra-field': {
      const target = pick(objects);
      if (!target) return root;
      Object.defineProperty(target.value, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      return root;
    }
    case 'rename-key': {
      const target = pick(fields);
      if (!target) return root;
      const key = target.path[target.path.length - 1] as string;
      const parentPath = target.path.slice(0, -1);
      const parent = getAt(root, parentPath) as Record<string, unknown>;
      const renamed = objectFromEntries(Object.keys(parent).map((k) => [k === key ? m.key : k, parent[k]]));
      return replaceAt(root, parentPath, renamed);
    }
    case 'non-object-item': {
      const target = pick(m.anyArray || objectArrays.length === 0 ? arrays : objectArrays);
      if (!target) return root;
      const list = target.value as FuzzJson[];
      if (list.length === 0) list.push(m.value);
      else list[m.at % list.length] = m.value;
      return root;
    }
    case 'odd-number': {
      const numbers = nodes.filter((n) => typeof n.value === 'number');
      return replaceAt(root, (pick(numbers) ?? pick(nodes))?.path ?? [], m.value);
    }
    case 'odd-string': {
      const strings = nodes.filter((n) => typeof n.value === 'string');
      return replaceAt(root, (pick(strings) ?? pick(nodes))?.path ?? [], m.value);
    }
    case 'deep-nesting': {
      const open = m.shape === 'array' ? '[' : '{"a":';
      const close = m.shape === 'array' ? ']' : '}';
      const nested = new RawJson(`${open.repeat(m.depth)}1${close.repeat(m.depth)}`, `${open}…${m.depth} nested ${m.shape}s…1…${close}`);
      return replaceAt(root, pick(nodes.filter((n) => n.path.length > 0))?.path ?? [], nested);
    }
    case 'big-array': {
      const target = pick(arrays);
      const item = target && (target.value as FuzzJson[]).length > 0 ? (target.value as FuzzJson[])[0] : 1;
      const text = describeJson(item, Infinity);
      const big = new RawJson(`[${Array.from({ length: m.length }, () => text).join(',')}]`, `[…${m.length} × ${text.length > 80 ? `${text.slice(0, 80)}…` : text}…]`);
      return replaceAt(root, target?.path ?? [], big);
    }
  }
}

/** A short description of a mutation as applied to `value`, for reports. */
export function describeMutation(value: FuzzJson, m: Mutation): string {
  if (m.kind === 'whole-body') return `whole body replaced by ${describeJson(m.value)}`;
  const nodes = locations(clone(value));
  const at = (list: { path: Path }[]) => (list.length === 0 ? '(nowhere)' : pointer((list[m.at % list.length] as { path: Path }).path));
  const fields = nodes.filter((n) => n.path.length > 0 && typeof n.path[n.path.length - 1] === 'string');
  switch (m.kind) {
    case 'wrong-type':
      return `wrong type at ${at(nodes.filter((n) => n.path.length > 0))}: ${describeJson(m.value)}`;
    case 'drop-field':
      return `field ${at(fields)} removed`;
    case 'extra-field':
      return `extra field ${JSON.stringify(m.key)} in ${at(nodes.filter((n) => isObject(n.value)))}`;
    case 'rename-key':
      return `key ${at(fields)} renamed to ${JSON.stringify(m.key.length > 40 ? `${m.key.slice(0, 40)}…` : m.key)}`;
    case 'non-object-item': {
      const arrays = nodes.filter((n) => Array.isArray(n.value));
      const objectArrays = arrays.filter((n) => (n.value as FuzzJson[]).some(isObject));
      return `non-object item ${describeJson(m.value)} in ${at(m.anyArray || objectArrays.length === 0 ? arrays : objectArrays)}`;
    }
    case 'odd-number': {
      const numbers = nodes.filter((n) => typeof n.value === 'number');
      return `number ${m.value instanceof RawJson ? m.value.text : describeJson(m.value)} at ${at(numbers.length > 0 ? numbers : nodes)}`;
    }
    case 'odd-string': {
      const strings = nodes.filter((n) => typeof n.value === 'string');
      return `string ${describeJson(m.value, 20)} at ${at(strings.length > 0 ? strings : nodes)}`;
    }
    case 'deep-nesting':
      return `${m.depth} nested ${m.shape}s at ${at(nodes.filter((n) => n.path.length > 0))}`;
    case 'big-array':
      return `array of ${m.length} items at ${at(nodes.filter((n) => Array.isArray(n.value)))}`;
  }
}

/** A plain JSON object; class instances (RawJson, fixture references) are leaves. */
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

function clone(value: FuzzJson): FuzzJson {
  if (Array.isArray(value)) return value.map(clone);
  if (isObject(value)) return objectFromEntries(Object.keys(value).map((k) => [k, clone(value[k])]));
  return value;
}

/** Every node of the value with its path, the root first. */
function locations(value: FuzzJson, path: Path = []): { path: Path; value: FuzzJson }[] {
  const here = [{ path, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => locations(v, [...path, i]))];
  if (isObject(value)) return [...here, ...Object.keys(value).flatMap((k) => locations(value[k], [...path, k]))];
  return here;
}

function getAt(root: FuzzJson, path: Path): FuzzJson {
  return path.reduce<FuzzJson>((node, key) => (node as Record<string | number, FuzzJson>)[key], root);
}

function replaceAt(root: FuzzJson, path: Path, value: FuzzJson): FuzzJson {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, FuzzJson>;
  const key = path[path.length - 1] as string | number;
  Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  return root;
}

const pointer = (path: Path) => `#/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
