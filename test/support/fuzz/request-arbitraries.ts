/**
 * Fuzz requests generated from openapi.yaml, three families:
 *
 * - `validRequest`: every parameter and body valid against the contract; ids point at
 *   the fixture study most of the time; search spaces and stateless histories also obey
 *   the space rules, so the request reaches the engine.
 * - `mutatedRequest`: one such request with one thing wrong: a body mutation
 *   (request-mutations.ts), a path id that is too long or odd, a bad query value or an
 *   unknown one, a bad `Idempotency-Key`, or a method the path does not have.
 * - `transportRequest`: a body-taking operation with the wrong or odd `Content-Type`,
 *   malformed or oversized text, compressed bodies (sound, corrupt, truncated, bombs).
 *
 * `FuzzProfile` bounds sizes, so that `npm test` stays in milliseconds per suggestion.
 */
import fc from 'fast-check';
import { objectFromEntries, schemaArbitrary, type Schema } from '../schema-arbitrary.js';
import { mutation, applyMutation, describeMutation } from './request-mutations.js';
import { FIXTURE_SPACE, FixtureRef, type Damage, type Payload, type RequestCase } from './request-cases.js';
import { observedValue, pointAt, unitPoint, validSpace, type Parameter } from './search-space.js';
import type { Operation, ParameterSpec, Spec } from './spec-operations.js';

export type FuzzProfile = {
  /** Parameters of a generated valid space. */
  maxParameters: number;
  /** Values of an ordinal, choices of a categorical. */
  maxLevels: number;
  /** Observations and pending points of a stateless request. */
  maxObservations: number;
  /** `count` of a suggestion. */
  maxCount: number;
  /** Any other array. */
  maxItems: number;
};

/** `npm test`: a few parameters, a few levels, a handful of points: every suggestion takes milliseconds. */
export const CI_PROFILE: FuzzProfile = { maxParameters: 4, maxLevels: 5, maxObservations: 8, maxCount: 3, maxItems: 4 };
/** `npm run bench:fuzz`: bigger, still far from the limits. */
export const BENCH_PROFILE: FuzzProfile = { maxParameters: 12, maxLevels: 40, maxObservations: 40, maxCount: 16, maxItems: 12 };

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const withoutUndefined = (entries: [string, unknown][]) => objectFromEntries(entries.filter(([, v]) => v !== undefined));

const studyRef = fc.oneof(
  { arbitrary: fc.constant(new FixtureRef('study')), weight: 8 },
  { arbitrary: fc.constant(new FixtureRef('unknown-study')), weight: 1 },
);
const trialRef = fc.oneof(
  { arbitrary: fc.constantFrom(new FixtureRef('pending-trial'), new FixtureRef('completed-trial'), new FixtureRef('failed-trial')), weight: 6 },
  { arbitrary: fc.constant(new FixtureRef('unknown-trial')), weight: 1 },
);

/** Strings an HTTP header can carry as they are: printable ASCII, no outer spaces. */
const headerSafe = (s: string) => /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(s);

/** Body arbitraries for the contract's schemas, with the overrides that keep requests meaningful. */
export function bodyOverrides(spec: Spec, profile: FuzzProfile): Record<string, fc.Arbitrary<unknown>> {
  const root = spec.document;
  const schema = (name: string, maxItems = profile.maxItems) => schemaArbitrary(ref(name), { root, maxItems });
  const space = validSpace(spec, { maxParameters: profile.maxParameters, maxLevels: profile.maxLevels });
  const anySpace = fc.oneof(
    { arbitrary: space, weight: 3 },
    { arbitrary: fc.array(schema('Parameter', profile.maxLevels), { minLength: 0, maxLength: profile.maxParameters }), weight: 1 },
  );
  const fixturePoint = unitPoint(FIXTURE_SPACE.length).map((u) => pointAt(FIXTURE_SPACE as unknown as Parameter[], u));
  const count = fc.integer({ min: 1, max: profile.maxCount });
  const stateless = fc
    .record({
      parameters: space,
      objective: schema('Objective'),
      observations: fc.array(fc.tuple(unitPoint(profile.maxParameters), observedValue), { maxLength: profile.maxObservations }),
      pending: optional(fc.array(unitPoint(profile.maxParameters), { maxLength: 3 })),
      count: optional(count),
      seed: optional(fc.integer({ min: 0, max: 4294967295 })),
      initialTrials: optional(fc.integer({ min: 1, max: 8 })),
    })
    .map((r) =>
      withoutUndefined([
        ['parameters', r.parameters],
        ['objective', r.objective],
        ['observations', r.observations.map(([u, value]) => objectFromEntries([['params', pointAt(r.parameters, u)], ['value', value]]))],
        ['pending', r.pending?.map((u) => pointAt(r.parameters, u))],
        ['count', r.count],
        ['seed', r.seed],
        ['initialTrials', r.initialTrials],
      ]),
    );
  return {
    '#/components/schemas/StudyCreate': fc
      .record({ name: schemaArbitrary({ type: 'string', minLength: 1, maxLength: 200 }, { root }), parameters: anySpace, objective: schema('Objective'), options: optional(schema('StudyOptions')) })
      .map((r) => withoutUndefined(Object.entries(r))),
    '#/components/schemas/StatelessSuggestRequest': stateless,
    '#/components/schemas/SuggestRequest': fc.record({ count: optional(count) }).map((r) => withoutUndefined(Object.entries(r))),
    '#/components/schemas/ObserveValue': fc.record({ trialId: trialRef, value: observedValue }),
    '#/components/schemas/ObserveFailure': fc
      .record({ trialId: trialRef, failed: fc.constant(true), reason: optional(schemaArbitrary({ type: 'string', maxLength: 2000 }, { root })) })
      .map((r) => withoutUndefined(Object.entries(r))),
    '#/components/schemas/ObserveExternal': fc.record({
      params: fc.oneof({ arbitrary: fixturePoint, weight: 3 }, { arbitrary: schemaArbitrary({ type: 'object', additionalProperties: ref('ParamValue') }, { root }), weight: 1 }),
      value: observedValue,
    }),
  };
}

function paramArbitrary(p: ParameterSpec, spec: Spec): fc.Arbitrary<string | FixtureRef> {
  if (p.in === 'path' && p.name === 'studyId') return fc.oneof({ arbitrary: studyRef, weight: 6 }, { arbitrary: schemaArbitrary(p.schema, { root: spec.document }).map(String), weight: 1 });
  if (p.in === 'path' && p.name === 'trialId') return fc.oneof({ arbitrary: trialRef, weight: 6 }, { arbitrary: schemaArbitrary(p.schema, { root: spec.document }).map(String), weight: 1 });
  const value = schemaArbitrary(p.schema, { root: spec.document }).map(String);
  return p.in === 'header' ? value.filter(headerSafe) : value;
}

type Parts = { pathParams: Record<string, string | FixtureRef>; query: [string, string][]; headers: Record<string, string>; body: unknown };

/**
 * Parameters a valid request leaves out: a `cursor` is valid only as a `nextCursor` the
 * server handed out (any other string is rightly a 422), so made-up ones belong to the
 * mutated requests.
 */
const OPAQUE = new Set(['cursor']);

function validParts(op: Operation, spec: Spec, profile: FuzzProfile): fc.Arbitrary<Parts> {
  const of = (where: ParameterSpec['in']) => op.parameters.filter((p) => p.in === where && !OPAQUE.has(p.name));
  const pathParams = fc.record(Object.fromEntries(of('path').map((p) => [p.name, paramArbitrary(p, spec)])));
  // A required parameter is always there; an optional one sometimes.
  const maybe = (p: ParameterSpec) => {
    const present = paramArbitrary(p, spec).map((v) => [p.name, v as string] as [string, string]);
    return p.required ? present : fc.option(present, { nil: undefined });
  };
  const query = fc.tuple(...of('query').map(maybe));
  const headers = fc.tuple(...of('header').map(maybe));
  const bodySchema = op.requestBody?.schema;
  const bodyArb = bodySchema
    ? schemaArbitrary(bodySchema, { root: spec.document, maxItems: profile.maxItems, overrides: bodyOverrides(spec, profile) })
    : fc.constant(undefined);
  const body = op.requestBody && !op.requestBody.required ? optional(bodyArb) : bodyArb;
  return fc.record({ pathParams, query, headers, body }).map((r) => ({
    pathParams: r.pathParams,
    query: r.query.filter((q): q is [string, string] => q !== undefined),
    headers: Object.fromEntries(r.headers.filter((h): h is [string, string] => h !== undefined)),
    body: r.body,
  }));
}

const toCase = (op: Operation, parts: Parts, label: string, payload?: Payload): RequestCase => ({
  operationId: op.operationId,
  method: op.method,
  path: op.path,
  pathParams: parts.pathParams,
  query: parts.query,
  headers: parts.headers,
  ...(payload ? { payload } : parts.body !== undefined ? { payload: { kind: 'json' as const, value: parts.body } } : {}),
  label,
});

/** A request valid against the contract. */
export function validRequest(op: Operation, spec: Spec, profile: FuzzProfile): fc.Arbitrary<RequestCase> {
  return validParts(op, spec, profile).map((parts) => toCase(op, parts, 'valid'));
}

const ODD_IDS = fc.oneof(
  fc.constantFrom(65, 100, 1000, 8000).map((n) => 'a'.repeat(n)),
  fc.constantFrom('__proto__', 'constructor', '\u0000', '%', '..', ' ', 'st_\u202e', '😀', 'a/b', '?x=1', '#'),
);
const ODD_QUERY_VALUES = ['abc', '0', '-1', '1001', '1.5', '1e3', '', ' ', 'null', '[]', 'x'.repeat(300), '\u0000', 'pending,completed', '100000000000000000000'];
const ODD_HEADERS = ['k'.repeat(256), 'k'.repeat(4000), '', 'ü'];

/** A valid request with one thing wrong. */
export function mutatedRequest(op: Operation, spec: Spec, profile: FuzzProfile): fc.Arbitrary<RequestCase> {
  const parts = validParts(op, spec, profile);
  const options: fc.WeightedArbitrary<RequestCase>[] = [];
  if (op.requestBody) {
    // The body is where most input is: most mutations go there.
    const body = fc.tuple(parts, mutation).map(([p, m]) => {
      const base = p.body ?? {};
      return toCase(op, p, `body: ${describeMutation(base, m)}`, { kind: 'json', value: applyMutation(base, m) });
    });
    options.push({ arbitrary: body, weight: 6 });
  }
  const pathNames = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (pathNames.length > 0) {
    const path = fc.tuple(parts, fc.constantFrom(...pathNames), ODD_IDS).map(([p, name, id]) =>
      toCase(op, { ...p, pathParams: { ...p.pathParams, [name]: id } }, `path ${name}: ${id.length > 40 ? `${id.length} characters` : JSON.stringify(id)}`),
    );
    options.push({ arbitrary: path, weight: 2 });
  }
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const query = fc
    .tuple(parts, fc.constantFrom(...queryNames, 'unknownParameter', '__proto__'), fc.constantFrom(...ODD_QUERY_VALUES), fc.boolean())
    .map(([p, name, value, repeat]) =>
      toCase(op, { ...p, query: [...p.query, [name, value], ...(repeat ? [[name, '1'] as [string, string]] : [])] }, `query ${name}=${JSON.stringify(value.slice(0, 20))}${repeat ? ' (repeated)' : ''}`),
    );
  options.push({ arbitrary: query, weight: 1 });
  if (op.parameters.some((p) => p.in === 'header')) {
    const header = fc.tuple(parts, fc.constantFrom(...ODD_HEADERS)).map(([p, v]) =>
      toCase(op, { ...p, headers: { ...p.headers, 'Idempotency-Key': v } }, `Idempotency-Key of ${v.length} characters`),
    );
    options.push({ arbitrary: header, weight: 1 });
  }
  const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !spec.operations.some((o) => o.path === op.path && o.method === m));
  if (others.length > 0) {
    const method = fc.tuple(parts, fc.constantFrom(...others)).map(([p, m]) => ({ ...toCase(op, p, `method ${m}`), method: m }));
    options.push({ arbitrary: method, weight: 1 });
  }
  return fc.oneof(...options);
}

const CONTENT_TYPES: (string | null)[] = [
  null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
  'application/json; charset=latin1', 'application/json; charset=utf-8', 'application/merge-patch+json', 'application/problem+json',
  'APPLICATION/JSON', 'application/json;;', '*/*', 'application/xml', 'application/json, text/plain', 'application/octet-stream',
];
const MALFORMED: string[] = ['{', '{"a":', '[1,]', "{'a':1}", 'NaN', '', ' ', '\ufeff{}', '{"a":1}{"b":2}', 'nul', '"unterminated', '{"a":1,"a":2}', '\u0000', '1e309'];
const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-gzip', 'GZIP', 'compress', 'zstd', 'gzip, gzip', 'gzip, deflate', ''];
const DAMAGES: Damage[] = ['none', 'garbage', 'truncate', 'flip-byte', 'trailing-garbage'];

/** A body-taking (or, sometimes, a bodiless) operation sent with odd bytes, types or encodings. */
export function transportRequest(op: Operation, spec: Spec, profile: FuzzProfile): fc.Arbitrary<RequestCase> {
  const parts = validParts(op, spec, profile);
  const payload = fc.oneof(
    { arbitrary: parts.map((p): Payload | null => (p.body === undefined ? null : { kind: 'json', value: p.body })), weight: 4 },
    { arbitrary: fc.constantFrom(...MALFORMED).map((text): Payload => ({ kind: 'text', text })), weight: 2 },
    {
      arbitrary: fc.constantFrom(1024 * 1024 + 1, 3 * 1024 * 1024).map((n): Payload => ({ kind: 'text', text: `${' '.repeat(n - 2)}{}`, label: `${n} bytes: spaces, then {}` })),
      weight: 1,
    },
  );
  const encoding = fc.option(fc.record({ name: fc.constantFrom(...ENCODINGS), damage: fc.constantFrom(...DAMAGES) }), { nil: undefined, freq: 2 });
  const contentType = fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined, freq: 2 });
  return fc.tuple(parts, payload, encoding, contentType).map(([p, body, enc, ct]) => {
    const sent: Payload = body ?? { kind: 'json', value: {} };
    const label = [
      sent.kind === 'text' ? `body ${sent.label ?? JSON.stringify(sent.text)}` : 'valid body',
      ct === undefined ? '' : `content-type ${ct === null ? 'absent' : ct}`,
      enc ? `content-encoding ${JSON.stringify(enc.name)} (${enc.damage})` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return { ...toCase(op, p, label, sent), ...(ct === undefined ? {} : { contentType: ct }), ...(enc ? { encoding: enc } : {}) };
  });
}

/** The operations of the contract under `/v1`, where requests carry input. */
export const v1Operations = (spec: Spec) => spec.operations.filter((op) => op.path.startsWith('/v1/'));

/**
 * One arbitrary over every `/v1` operation, those with a request body four times as
 * likely: they take most of the input, and most of the bugs.
 */
export function overOperations(spec: Spec, make: (op: Operation) => fc.Arbitrary<RequestCase>): fc.Arbitrary<RequestCase> {
  return fc.oneof(...v1Operations(spec).map((op) => ({ arbitrary: make(op), weight: op.requestBody ? 4 : 1 })));
}
