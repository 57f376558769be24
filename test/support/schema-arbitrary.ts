/**
 * JSON Schema → fast-check arbitrary, for the subset openapi.yaml uses: `type` (one or a
 * list), `enum`, `const`, `oneOf` (with or without a `discriminator`), `properties`,
 * `required`, `additionalProperties` (false or a schema), `minProperties`, `items`, `minItems`,
 * `maxItems`, `minimum`, `maximum`, `minLength`, `maxLength` and local `$ref`s. Every
 * value it generates is valid against the schema; a keyword outside that subset throws,
 * so a contract that grows past it is noticed instead of silently fuzzed less.
 *
 * Sizes are capped (`maxItems`, `maxExtraKeys`, unbounded string lengths), and a named
 * schema can be replaced (`overrides`, keyed by its `$ref`) where the contract alone is
 * too loose to reach deeper code, e.g. a search space that also obeys the space's rules.
 */
import fc from 'fast-check';
import { interestingDouble, interestingInteger, interestingString } from './fuzz/interesting-values.js';

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: Schema[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  /** Only `date-time` (RFC 3339), the one format a request body uses. */
  format?: string;
};

/** Keywords that describe a schema without constraining its values. */
const ANNOTATIONS = new Set(['description', 'default', 'examples', 'title']);
const KEYWORDS = new Set([
  '$ref', 'type', 'enum', 'const', 'oneOf', 'discriminator', 'properties', 'required', 'additionalProperties',
  'minProperties', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'minLength', 'maxLength', 'format',
]);

export type SchemaArbitraryOptions = {
  /** The document local `$ref`s point into (`#/components/schemas/X`). */
  root: unknown;
  /** Longest array generated, whatever the schema allows. Default 4. */
  maxItems?: number;
  /** Most keys generated for an `additionalProperties` schema. Default 3. */
  maxExtraKeys?: number;
  /** Longest string when the schema sets no `maxLength`. Default 32. */
  maxStringLength?: number;
  /** Replacements for named schemas, by `$ref`. */
  overrides?: Record<string, fc.Arbitrary<unknown>>;
};

/** An object with exactly these own keys, `__proto__` included (a literal or `Object.fromEntries` would set the prototype). */
export function objectFromEntries(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Resolves a local `$ref` such as `#/components/schemas/Parameter`. */
export function resolveRef(root: unknown, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
  let node = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`$ref ${ref} does not resolve`);
    node = (node as Record<string, unknown>)[key];
  }
  return node as Schema;
}

/** An arbitrary of values valid against `schema`. */
export function schemaArbitrary(schema: Schema, options: SchemaArbitraryOptions): fc.Arbitrary<unknown> {
  const maxItems = options.maxItems ?? 4;
  const maxExtraKeys = options.maxExtraKeys ?? 3;
  const maxStringLength = options.maxStringLength ?? 32;
  const byRef = new Map<string, fc.Arbitrary<unknown>>();

  const build = (s: Schema, where: string): fc.Arbitrary<unknown> => {
    for (const key of Object.keys(s)) {
      if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`schema keyword '${key}' at ${where} is not supported`);
    }
    if (s.$ref !== undefined) {
      const override = options.overrides?.[s.$ref];
      if (override) return override;
      let arb = byRef.get(s.$ref);
      if (!arb) {
        // The contract has no recursive schema; a cycle would recurse here and fail loudly.
        arb = build(resolveRef(options.root, s.$ref), s.$ref);
        byRef.set(s.$ref, arb);
      }
      return arb;
    }
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum !== undefined) return fc.constantFrom(...s.enum);
    if (s.oneOf !== undefined) {
      if (s.discriminator) checkDiscriminator(s, options.root, where);
      return fc.oneof(...s.oneOf.map((branch, i) => build(branch, `${where}/oneOf/${i}`)));
    }
    const types = Array.isArray(s.type) ? s.type : s.type !== undefined ? [s.type] : [];
    if (types.length === 0) throw new Error(`schema at ${where} has no type, const, enum, oneOf or $ref`);
    const arbs = types.map((t) => typed(t, s, where));
    return arbs.length === 1 ? (arbs[0] as fc.Arbitrary<unknown>) : fc.oneof(...arbs);
  };

  const typed = (type: string, s: Schema, where: string): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return interestingInteger(s.minimum, s.maximum);
      case 'number':
        return interestingDouble(s.minimum, s.maximum);
      case 'string':
        if (s.format !== undefined) {
          if (s.format !== 'date-time') throw new Error(`string format '${s.format}' at ${where} is not supported`);
          // Every millisecond of years 1970 to 2100, as toISOString writes it (RFC 3339, UTC).
          return fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }).map((ms) => new Date(ms).toISOString());
        }
        return interestingString(s.minLength ?? 0, s.maxLength ?? Math.max(maxStringLength, s.minLength ?? 0));
      case 'array': {
        if (!s.items) throw new Error(`array schema at ${where} has no items`);
        const minLength = s.minItems ?? 0;
        return fc.array(build(s.items, `${where}/items`), { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? maxItems, maxItems)) });
      }
      case 'object': {
        // An object of too few keys is drawn again (a PATCH body of optional fields: at least one).
        const minProperties = s.minProperties ?? 0;
        return object(s, where).filter((o) => Object.keys(o as object).length >= minProperties);
      }
      default:
        throw new Error(`type '${type}' at ${where} is not supported`);
    }
  };

  const object = (s: Schema, where: string): fc.Arbitrary<unknown> => {
    const properties = s.properties ?? {};
    const record = fc.record(
      Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, build(v, `${where}/properties/${k}`)])),
      { requiredKeys: s.required ?? [] },
    );
    const extra = s.additionalProperties;
    if (extra === undefined || typeof extra === 'boolean') return record.map((r) => objectFromEntries(Object.entries(r)));
    const extraEntries = fc.uniqueArray(fc.tuple(interestingString(0, maxStringLength), build(extra, `${where}/additionalProperties`)), {
      maxLength: maxExtraKeys,
      selector: ([k]) => k,
    });
    return fc
      .tuple(record, extraEntries)
      .map(([r, entries]) => objectFromEntries([...entries.filter(([k]) => !(k in properties)), ...Object.entries(r)]));
  };

  return build(schema, '#');
}

/** Every `oneOf` branch must fix the discriminator with a `const`, so a generated branch carries its own name. */
function checkDiscriminator(s: Schema, root: unknown, where: string): void {
  const property = s.discriminator?.propertyName as string;
  s.oneOf?.forEach((branch, i) => {
    const resolved = branch.$ref ? resolveRef(root, branch.$ref) : branch;
    if (resolved.properties?.[property]?.const === undefined || !resolved.required?.includes(property)) {
      throw new Error(`oneOf branch ${i} at ${where} does not fix the discriminator '${property}' with a required const`);
    }
  });
}
