/**
 * Metadata: a JSON object of the user's own on a study or a trial (a run's URL, a
 * checkpoint path, a git commit). It is stored, returned, exported and imported, and
 * never reaches a suggester: nothing in `domain/suggest/` or `bo/` reads it.
 *
 * NOTE: every write is a shallow merge (decision 0024): the keys sent replace those keys, the
 * others stay, and a key sent as `null` is removed (RFC 7396 at the top level). So a worker
 * can add `checkpoint` at each report without knowing what the launcher set at suggest
 * time, and a retry of the same write changes nothing.
 */
import { ProblemError, type FieldError } from './errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = Record<string, JsonValue>;
/** What a client sends: a value of `null` removes its key. */
export type MetadataPatch = Record<string, JsonValue>;

/** The bound on a study's or a trial's metadata: its JSON text, in UTF-8 bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;
/**
 * Objects and arrays within one another, the metadata object itself counting 1. Deeper
 * JSON overflows the stack of the recursive JSON.stringify (a fuzzer found it at 10,000).
 */
export const MAX_METADATA_DEPTH = 32;

/** Bytes of the metadata's JSON text (UTF-8), as stored and as exported. */
export function metadataBytes(metadata: Metadata): number {
  return Buffer.byteLength(JSON.stringify(metadata), 'utf8');
}

/** `current` with `patch` merged in: keys of `patch` win, `null` removes a key. Neither argument is changed. */
export function mergedMetadata(current: Metadata, patch: MetadataPatch | undefined): Metadata {
  if (patch === undefined) return current;
  const out: Metadata = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    // defineProperty, not `out[key] =`: a key `__proto__` is data here, never the prototype.
    if (value === null) delete out[key];
    else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** How deeply objects and arrays nest in `value` (a scalar is 0), counted without recursion and no further than `limit` + 1. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (depth > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** [] when the metadata is within its bounds (depth, then size); otherwise the error at `pointer`. */
export function metadataErrors(metadata: Metadata, pointer: string): FieldError[] {
  if (nestingDepth(metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH) {
    return [{ pointer, detail: `metadata nests objects and arrays more than ${MAX_METADATA_DEPTH} deep` }];
  }
  const bytes = metadataBytes(metadata);
  return bytes > MAX_METADATA_BYTES
    ? [{ pointer, detail: `metadata is ${bytes} bytes of JSON; at most ${MAX_METADATA_BYTES} (16 KiB) after merging` }]
    : [];
}

/** Throws METADATA_TOO_LARGE when the merged metadata is over its bounds. */
export function assertMetadataSize(metadata: Metadata, pointer = '#/metadata'): void {
  const errors = metadataErrors(metadata, pointer);
  if (errors.length > 0) throw new ProblemError('METADATA_TOO_LARGE', errors[0]!.detail, errors);
}

/** `patch` merged into `current`, checked against the bound. */
export function applyMetadata(current: Metadata, patch: MetadataPatch | undefined, pointer = '#/metadata'): Metadata {
  const merged = mergedMetadata(current, patch);
  if (merged !== current) assertMetadataSize(merged, pointer);
  return merged;
}

/** Whether two metadata objects have the same JSON text (key order included, as stored). */
export function sameMetadata(a: Metadata, b: Metadata): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
