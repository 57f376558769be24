/**
 * One fuzz request as data: which route, which ids (real ones from a fixture study, or
 * made up), query, headers, and a body with how it is encoded on the wire. `buildRequest`
 * turns it into bytes; `describeRequest` into the lines of a reproduction.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { objectFromEntries } from '../schema-arbitrary.js';
import type { LiveTarget } from './live-target.js';
import { describeJson, jsonText, RawJson, type FuzzJson } from './raw-json.js';

/** An id of the fixture study, resolved when the request is sent. */
export class FixtureRef {
  constructor(readonly kind: 'study' | 'pending-trial' | 'completed-trial' | 'failed-trial' | 'unknown-study' | 'unknown-trial') {}
}

export type Payload =
  | { kind: 'json'; value: FuzzJson }
  /** Bytes that are not (or not only) a JSON document: malformed text, an oversized body, a bomb. */
  | { kind: 'text'; text: string; label?: string };

export type Damage = 'none' | 'garbage' | 'truncate' | 'flip-byte' | 'trailing-garbage';

export type RequestCase = {
  /** The operation the case was generated from. */
  operationId: string;
  method: string;
  /** The spec's path template, `{name}` for each path parameter. */
  path: string;
  pathParams: Record<string, string | FixtureRef>;
  query: [string, string][];
  headers: Record<string, string>;
  payload?: Payload;
  /** `Content-Type` of the payload; absent: `application/json`; null: no header. */
  contentType?: string | null;
  /** `Content-Encoding`, with the payload compressed accordingly (unknown names leave it as is), then damaged. */
  encoding?: { name: string; damage: Damage };
  /** What makes the case odd, for reports (`valid` when nothing does). */
  label: string;
};

export type FixtureIds = { study: string; 'pending-trial': string; 'completed-trial': string; 'failed-trial': string };

/**
 * The fixture study's space: one parameter of each type (the in-process harness's
 * `mixedSpace`, repeated here so that the fuzz runner does not load the whole app).
 */
export const FIXTURE_SPACE = [
  { name: 'lr', type: 'float', low: 1e-5, high: 1e-1, log: true },
  { name: 'layers', type: 'int', low: 1, high: 8 },
  { name: 'batch', type: 'ordinal', values: [16, 32, 64, 128] },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
] as const;

/**
 * The fixture study that generated ids point at: the harness's mixed space, with a
 * completed, a failed and a pending trial. Re-created whenever a case may have changed it.
 */
export async function createFixture(target: LiveTarget, serial: number): Promise<FixtureIds> {
  const call = async (method: string, path: string, body: unknown) => {
    const answer = await target.send({ method, path, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
    if (answer.kind !== 'response' || answer.status >= 300) {
      throw new Error(`fixture set-up failed: ${method} ${path} → ${answer.kind === 'response' ? `${answer.status} ${answer.text}` : answer.kind}`);
    }
    return JSON.parse(answer.text) as { id: string; state: string; trials: { id: string }[] };
  };
  const study = await call('POST', '/v1/studies', { name: `fixture-${serial}`, parameters: FIXTURE_SPACE, objective: { goal: 'minimize' }, options: { seed: 1 } });
  // Another suite on the same server may have made this fixture and paused or completed it.
  if (study.state !== 'active') await call('PATCH', `/v1/studies/${study.id}`, { state: 'active' });
  const { trials } = await call('POST', `/v1/studies/${study.id}/suggest`, { count: 3 });
  const [completed, failed, pending] = trials.map((t) => t.id) as [string, string, string];
  await call('POST', `/v1/studies/${study.id}/observe`, { trialId: completed, value: 0.5 });
  await call('POST', `/v1/studies/${study.id}/observe`, { trialId: failed, failed: true, reason: 'fixture' });
  return { study: study.id, 'pending-trial': pending, 'completed-trial': completed, 'failed-trial': failed };
}

/** How reports name the fixture's ids. */
export const FIXTURE_LEGEND =
  '{study} is a study created with parameters ' +
  JSON.stringify(FIXTURE_SPACE) +
  ', objective {"goal":"minimize"}, options {"seed":1}; then suggest {"count":3} gave {completed-trial} (observed value 0.5), ' +
  '{failed-trial} (observed failed) and {pending-trial}.';

const UNKNOWN = { 'unknown-study': 'st_AAAAAAAAAAAAAAAA', 'unknown-trial': 'tr_AAAAAAAAAAAAAAAA' } as const;

function resolveRef(ref: FixtureRef, ids: FixtureIds | null): string {
  if (ref.kind === 'unknown-study' || ref.kind === 'unknown-trial') return UNKNOWN[ref.kind];
  return ids ? ids[ref.kind] : `{${ref.kind}}`;
}

/** `value` with every FixtureRef replaced by its id (or by `{kind}` when `ids` is null). */
function resolveJson(value: FuzzJson, ids: FixtureIds | null): FuzzJson {
  if (value instanceof FixtureRef) return resolveRef(value, ids);
  if (value instanceof RawJson || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolveJson(v, ids));
  const record = value as Record<string, FuzzJson>;
  return objectFromEntries(Object.keys(record).map((k) => [k, resolveJson(record[k], ids)]));
}

/** Whether the case needs the fixture's real ids. */
export function usesFixture(c: RequestCase): boolean {
  const has = (v: unknown): boolean =>
    v instanceof FixtureRef
      ? v.kind !== 'unknown-study' && v.kind !== 'unknown-trial'
      : v !== null && typeof v === 'object' && !(v instanceof RawJson) && Object.values(v).some(has);
  return has(c.pathParams) || (c.payload?.kind === 'json' && has(c.payload.value));
}

/**
 * Percent-encodes every UTF-8 byte but the unreserved characters (RFC 3986 §2.3). Unlike
 * `encodeURIComponent` it takes lone surrogates, which go out as U+FFFD.
 */
function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function concretePath(c: RequestCase, ids: FixtureIds | null, encode: (s: string) => string): string {
  const path = c.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = c.pathParams[name] ?? '';
    return v instanceof FixtureRef ? (ids ? encode(resolveRef(v, ids)) : `{${v.kind}}`) : encode(v);
  });
  const query = c.query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  return query ? `${path}?${query}` : path;
}

/** The codings a payload is compressed with; other names in `Content-Encoding` leave it as is. */
const CODECS = new Map<string, (b: Buffer) => Buffer>([
  ['gzip', (b) => gzipSync(b)],
  ['x-gzip', (b) => gzipSync(b)],
  ['deflate', (b) => deflateSync(b)],
  ['br', (b) => brotliCompressSync(b)],
]);

function payloadBytes(c: RequestCase, ids: FixtureIds | null): Buffer | undefined {
  if (!c.payload) return undefined;
  const text = c.payload.kind === 'json' ? jsonText(resolveJson(c.payload.value, ids)) : c.payload.text;
  let bytes: Buffer = Buffer.from(text, 'utf8');
  if (!c.encoding) return bytes;
  const codec = CODECS.get(c.encoding.name.trim().toLowerCase());
  if (codec) bytes = codec(bytes);
  switch (c.encoding.damage) {
    case 'none':
      return bytes;
    case 'garbage':
      return Buffer.from('this is not compressed data at all, nope');
    case 'truncate':
      return bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
    case 'flip-byte': {
      const copy = Buffer.from(bytes);
      const i = Math.min(copy.length - 1, 10);
      copy[i] = (copy[i] as number) ^ 0xff;
      return copy;
    }
    case 'trailing-garbage':
      return Buffer.concat([bytes, Buffer.from('garbage')]);
  }
}

export type BuiltRequest = { method: string; path: string; headers: Record<string, string>; body?: Buffer };

/** The request as sent, with the fixture's ids and the request id. */
export function buildRequest(c: RequestCase, ids: FixtureIds | null, requestId: string): BuiltRequest {
  const headers: Record<string, string> = { ...c.headers, 'x-request-id': requestId };
  const body = payloadBytes(c, ids);
  if (body !== undefined && c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  if (c.encoding) headers['content-encoding'] = c.encoding.name;
  return { method: c.method, path: concretePath(c, ids, percentEncode), headers, ...(body ? { body } : {}) };
}

/** The request as a reproduction shows it: fixture ids as `{kind}`, long values by their label. */
export function describeRequest(c: RequestCase): string[] {
  const lines = [`${c.method} ${concretePath(c, null, percentEncode)}`];
  const headers: Record<string, string> = { ...c.headers };
  if (c.payload && c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  if (c.encoding) {
    const compressed = CODECS.has(c.encoding.name.trim().toLowerCase());
    const how = c.encoding.damage === 'none' ? (compressed ? '' : ' (body sent as is)') : ` (body ${compressed ? 'compressed' : 'sent as is'}, then damaged: ${c.encoding.damage})`;
    headers['content-encoding'] = `${JSON.stringify(c.encoding.name)}${how}`;
  }
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v.length > 100 ? `${v.slice(0, 100)}…(${v.length} chars)` : v}`);
  if (c.payload?.kind === 'json') lines.push(describeJson(resolveJson(c.payload.value, null)));
  else if (c.payload) lines.push(c.payload.label ?? (c.payload.text.length > 300 ? `${JSON.stringify(c.payload.text.slice(0, 300))}…` : JSON.stringify(c.payload.text)));
  return lines;
}
