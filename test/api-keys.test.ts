import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { KeyRing } from '../src/api/auth.js';
import { loadApiKeys, parseApiKeysFile, reloadApiKeys, sha256Hex } from '../src/api-keys.js';
import { startHarness, type Harness } from './support/harness.js';
import { startServer } from './support/server-process.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'posterior-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (name: string, secret: string, scopes: string[], studyPrefix?: string) => ({
  name,
  sha256: sha256Hex(secret),
  scopes,
  ...(studyPrefix === undefined ? {} : { studyPrefix }),
});

describe('API_KEYS_FILE', () => {
  test('each bad entry is named in one message, with what is wrong with it', () => {
    const text = JSON.stringify([
      entry('ok', 's1', ['read']),
      { name: 'short-digest', sha256: 'abc', scopes: ['read'] },
      entry('no-scopes', 's2', []),
      entry('bad-scope', 's3', ['read', 'delete']),
      { ...entry('typo', 's4', ['read']), studyprefix: 'team-a/' },
      entry('ok', 's5', ['write']),
      entry('same-key', 's1', ['admin']),
      entry('empty-prefix', 's6', ['read'], ''),
      'a string',
    ]);
    let message = '';
    try {
      parseApiKeysFile(text, 'keys.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n').map((l) => l.trim())).toEqual([
      'API_KEYS_FILE keys.json:',
      'entry 1 ("short-digest"): sha256 must be the 64 hex digits of the SHA-256 digest of the key (printf %s "$KEY" | sha256sum)',
      'entry 2 ("no-scopes"): scopes must be a non-empty array of "read", "write", "admin"',
      'entry 3 ("bad-scope"): scopes must be a non-empty array of "read", "write", "admin"',
      "entry 4 (\"typo\"): unknown field 'studyprefix' (the fields are name, sha256, scopes, studyPrefix)",
      "entry 5 (\"ok\"): name 'ok' is used twice",
      "entry 6 (\"same-key\"): sha256 is the digest of the same key as 'ok'",
      'entry 7 ("empty-prefix"): studyPrefix, when given, must be a non-empty string without control characters',
      'entry 8: must be an object {"name", "sha256", "scopes", "studyPrefix"?}',
    ]);
  });

  test('a file that is not a JSON array is refused as a whole', () => {
    expect(() => parseApiKeysFile('{"name": "x"}', 'k.json')).toThrow('API_KEYS_FILE k.json: must hold a JSON array of keys');
    expect(() => parseApiKeysFile('[{', 'k.json')).toThrow(/API_KEYS_FILE k\.json: not valid JSON/);
  });

  test('a key in the file may not repeat a key or a name of API_KEYS', () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([entry('dup', 'plain', ['read']), entry('API_KEYS[0]', 'other', ['read'])]));
    expect(() => loadApiKeys({ API_KEYS: 'plain', API_KEYS_FILE: file })).toThrow(
      /entry 0 \("dup"\): sha256 is the digest of the same key as 'API_KEYS\[0\]'[\s\S]*entry 1 \("API_KEYS\[0\]"\): name 'API_KEYS\[0\]' is used twice/,
    );
  });
});

describe('reloading the keys (SIGHUP)', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('a valid new file replaces the keys: a new key works and a removed one no longer does', async () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([entry('old', 'old-secret', ['read'])]));
    const env = { API_KEYS_FILE: file };
    const keys = new KeyRing(loadApiKeys(env), true);
    h = startHarness({ keys });
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer old-secret')).status).toBe(200);

    writeFileSync(file, JSON.stringify([entry('new', 'new-secret', ['read'])]));
    const logged: { level: string; obj: object; msg: string }[] = [];
    const log = {
      info: (obj: object, msg: string) => void logged.push({ level: 'info', obj, msg }),
      error: (obj: object, msg: string) => void logged.push({ level: 'error', obj, msg }),
    };
    expect(reloadApiKeys(env, (loaded) => keys.replace(loaded), log)).toBe(true);
    expect(logged).toEqual([{ level: 'info', obj: { file, keys: ['new'] }, msg: 'API keys reloaded' }]);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer new-secret')).status).toBe(200);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer old-secret')).status).toBe(401);
  });

  test('an invalid new file keeps the old keys and logs an error naming the bad entry', async () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([entry('old', 'old-secret', ['read'])]));
    const env = { API_KEYS_FILE: file };
    const keys = new KeyRing(loadApiKeys(env), true);
    h = startHarness({ keys });

    writeFileSync(file, JSON.stringify([entry('new', 'new-secret', ['sudo'])]));
    const errors: { obj: object; msg: string }[] = [];
    const log = { info: () => {}, error: (obj: object, msg: string) => void errors.push({ obj, msg }) };
    expect(reloadApiKeys(env, (loaded) => keys.replace(loaded), log)).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toBe('API keys not reloaded; the previous keys stay in use');
    expect(JSON.stringify(errors[0]!.obj)).toContain('entry 0 (\\"new\\"): scopes must be');
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer old-secret')).status).toBe(200);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer new-secret')).status).toBe(401);
  });

  test('emptying the file locks every key out; it does not open the API', async () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([entry('old', 'old-secret', ['admin'])]));
    const env = { API_KEYS_FILE: file };
    const keys = new KeyRing(loadApiKeys(env), true);
    h = startHarness({ keys });
    writeFileSync(file, '[]');
    expect(reloadApiKeys(env, (loaded) => keys.replace(loaded), { info: () => {}, error: () => {} })).toBe(true);
    expect((await h.request.get('/v1/studies')).status).toBe(401);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer old-secret')).status).toBe(401);
  });

  test('a running server reloads its key file on SIGHUP and keeps serving', async () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([entry('old', 'old-secret', ['read'])]));
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'p.db')}`, ENGINE_THREADS: '1', API_KEYS_FILE: file });
    let output = '';
    server.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const logged = async (msg: string) => {
      const deadline = Date.now() + 10_000;
      while (!output.includes(`"msg":"${msg}"`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(output).toContain(`"msg":"${msg}"`);
    };
    const status = async (secret: string) =>
      (await fetch(`${server.url}/v1/studies`, { headers: { Authorization: `Bearer ${secret}` } })).status;
    try {
      expect(await status('old-secret')).toBe(200);
      writeFileSync(file, JSON.stringify([entry('new', 'new-secret', ['read'])]));
      server.child.kill('SIGHUP');
      await logged('API keys reloaded');
      expect(await status('new-secret')).toBe(200);
      expect(await status('old-secret')).toBe(401);
      // A bad file now: the server keeps the keys it has, says so at error level, and keeps running.
      writeFileSync(file, '[{"name": "broken"}]');
      server.child.kill('SIGHUP');
      await logged('API keys not reloaded; the previous keys stay in use');
      expect(output).toMatch(/"level":50,[^\n]*entry 0 \(\\"broken\\"\): sha256 must be/);
      expect(await status('new-secret')).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  }, 60_000);
});
