/**
 * The API keys, from two settings that may both be set:
 * - `API_KEYS`: comma-separated secrets, each an `admin` key with no study prefix;
 * - `API_KEYS_FILE`: a JSON array of named keys with scopes and an optional study-name
 *   prefix, each given by the SHA-256 digest of its secret, never the secret itself.
 *
 * Only digests leave this module. A bad entry stops the server at start-up with a message
 * naming it; on SIGHUP the file is read again, and a bad file keeps the keys in use.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SCOPES, type ApiKey, type Scope } from './domain/access.js';

const FIELDS = ['name', 'sha256', 'scopes', 'studyPrefix'];
const MAX_NAME_LENGTH = 100;
const HEX_DIGEST = /^[0-9a-f]{64}$/i;
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const sha256Hex = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** `API_KEYS`, blanks ignored. */
export function keysFromList(list: string | undefined): ApiKey[] {
  return adminKeys(
    (list ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k.length > 0),
  );
}

/** Secrets as admin keys without prefix; the n-th (from 0) is named `API_KEYS[n]` in logs and rate limits. */
export function adminKeys(secrets: string[]): ApiKey[] {
  return secrets.map((secret, i) => ({ name: `API_KEYS[${i}]`, sha256: sha256Hex(secret), scopes: ['admin'] }));
}

/** The keys of an `API_KEYS_FILE`'s text; throws one error that lists every bad entry. */
export function parseApiKeysFile(text: string, source: string, taken: ApiKey[] = []): ApiKey[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`API_KEYS_FILE ${source}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(json)) throw new Error(`API_KEYS_FILE ${source}: must hold a JSON array of keys`);
  const problems: string[] = [];
  const keys: ApiKey[] = [];
  const names = new Map(taken.map((k) => [k.name, k.name]));
  const digests = new Map(taken.map((k) => [k.sha256, k.name]));
  json.forEach((entry: unknown, i) => {
    const { key, errors } = keyEntry(entry);
    const name = (entry as { name?: unknown } | null)?.name;
    const label = `entry ${i}${validName(name) ? ` ("${name}")` : ''}`;
    if (key) {
      if (names.has(key.name)) errors.push(`name '${key.name}' is used twice`);
      const same = digests.get(key.sha256);
      if (same !== undefined) errors.push(`sha256 is the digest of the same key as '${same}'`);
      names.set(key.name, key.name);
      digests.set(key.sha256, key.name);
    }
    problems.push(...errors.map((e) => `${label}: ${e}`));
    if (key && errors.length === 0) keys.push(key);
  });
  if (problems.length > 0) throw new Error(`API_KEYS_FILE ${source}:\n    ${problems.join('\n    ')}`);
  return keys;
}

/** One entry: the key when its fields are usable (it may still have errors), and every error found. */
function keyEntry(entry: unknown): { key: ApiKey | undefined; errors: string[] } {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return { key: undefined, errors: ['must be an object {"name", "sha256", "scopes", "studyPrefix"?}'] };
  }
  const e = entry as Record<string, unknown>;
  const errors: string[] = [];
  for (const field of Object.keys(e)) {
    if (!FIELDS.includes(field)) errors.push(`unknown field '${field}' (the fields are ${FIELDS.join(', ')})`);
  }
  const name = e.name;
  const nameOk = validName(name);
  if (!nameOk) errors.push(`name must be a string of 1 to ${MAX_NAME_LENGTH} characters without control characters`);
  const digest = e.sha256;
  const digestOk = typeof digest === 'string' && HEX_DIGEST.test(digest);
  if (!digestOk) errors.push('sha256 must be the 64 hex digits of the SHA-256 digest of the key (printf %s "$KEY" | sha256sum)');
  const scopes = e.scopes;
  const scopesOk =
    Array.isArray(scopes) && scopes.length > 0 && scopes.every((s) => (SCOPES as readonly unknown[]).includes(s));
  if (!scopesOk) errors.push(`scopes must be a non-empty array of ${SCOPES.map((s) => `"${s}"`).join(', ')}`);
  const prefix = e.studyPrefix;
  const prefixOk =
    prefix === undefined ||
    (typeof prefix === 'string' && prefix.length > 0 && !CONTROL.test(prefix) && !LONE_SURROGATE.test(prefix));
  if (!prefixOk) errors.push('studyPrefix, when given, must be a non-empty string without control characters');
  if (!(nameOk && digestOk && scopesOk && prefixOk)) return { key: undefined, errors };
  const key: ApiKey = { name, sha256: digest.toLowerCase(), scopes: [...new Set(scopes as Scope[])] };
  if (prefix !== undefined) key.studyPrefix = prefix;
  return { key, errors };
}

const validName = (name: unknown): name is string =>
  typeof name === 'string' && name.length > 0 && name.length <= MAX_NAME_LENGTH && !CONTROL.test(name);

/** Whether `/v1` needs a key: fixed at start-up. With `API_KEYS_FILE` set it does, even while the file lists no key. */
export function keysRequired(env: NodeJS.ProcessEnv): boolean {
  return keysFromList(env.API_KEYS).length > 0 || Boolean(env.API_KEYS_FILE);
}

/** Every configured key, those of `API_KEYS` first; throws with a message naming each bad entry. */
export function loadApiKeys(env: NodeJS.ProcessEnv): ApiKey[] {
  const listed = keysFromList(env.API_KEYS);
  const file = env.API_KEYS_FILE;
  if (!file) return listed;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`API_KEYS_FILE ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return [...listed, ...parseApiKeysFile(text, file, listed)];
}

type ReloadLog = { info(obj: object, msg: string): void; error(obj: object, msg: string): void };

/**
 * What SIGHUP does: reads the keys again and hands them to `replace`. A file that does not
 * load leaves the keys in use as they are, is logged at error level, and returns false.
 */
export function reloadApiKeys(env: NodeJS.ProcessEnv, replace: (keys: ApiKey[]) => void, log: ReloadLog): boolean {
  let keys: ApiKey[];
  try {
    keys = loadApiKeys(env);
  } catch (err) {
    log.error({ file: env.API_KEYS_FILE, problem: (err as Error).message }, 'API keys not reloaded; the previous keys stay in use');
    return false;
  }
  replace(keys);
  log.info({ file: env.API_KEYS_FILE ?? null, keys: keys.map((k) => k.name) }, 'API keys reloaded');
  return true;
}
