import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { sha256Hex } from '../src/api-keys.js';
import { loadConfig } from '../src/config.js';

test('defaults serve on 127.0.0.1:8080 with the embedded SQLite file and no auth', () => {
  expect(loadConfig({}, 1)).toEqual({
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: 'sqlite:./data/posterior.db',
    logLevel: 'info',
    apiKeys: [],
    authRequired: false,
    publicPages: [],
    http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
    rateLimit: null,
    engineThreads: 1,
    modelCacheBytes: 256 * 2 ** 20,
    engineNiceness: 10,
    engineStatelessQueue: 8,
    engineExpressThread: true,
    validateResponses: false,
    limits: { parameters: 100, levels: 1000, statelessObservations: 5000, suggestCount: 64, modelObservations: 20_000, engineDeadlineMs: 5000, importTrials: 10_000 },
  });
});

test('each limit is read from its variable, and one out of range stops the start with its name', () => {
  const config = loadConfig({ LIMIT_PARAMETERS: '20', LIMIT_LEVELS: '50', LIMIT_SUGGEST_COUNT: '8', ENGINE_DEADLINE_MS: '2500', ENGINE_STATELESS_QUEUE: '0' }, 1);
  expect(config.limits).toMatchObject({ parameters: 20, levels: 50, suggestCount: 8, engineDeadlineMs: 2500 });
  expect(config.engineStatelessQueue).toBe(0);
  expect(loadConfig({ ENGINE_EXPRESS_THREAD: '0' }, 1).engineExpressThread).toBe(false);
  expect(() => loadConfig({ ENGINE_EXPRESS_THREAD: 'yes' }, 1)).toThrow(/ENGINE_EXPRESS_THREAD/);
  expect(() => loadConfig({ LIMIT_SUGGEST_COUNT: '65' }, 1)).toThrow(/LIMIT_SUGGEST_COUNT/);
  expect(() => loadConfig({ ENGINE_DEADLINE_MS: 'soon' }, 1)).toThrow(/ENGINE_DEADLINE_MS/);
  expect(() => loadConfig({ LIMIT_MODEL_OBSERVATIONS: '1.5' }, 1)).toThrow(/LIMIT_MODEL_OBSERVATIONS/);
});

test('ENGINE_NICENESS sets the engine threads\' nice value, 0..19', () => {
  expect(loadConfig({ ENGINE_NICENESS: '0' }, 1).engineNiceness).toBe(0);
  expect(() => loadConfig({ ENGINE_NICENESS: '20' }, 1)).toThrow(/ENGINE_NICENESS/);
  expect(() => loadConfig({ ENGINE_NICENESS: '-5' }, 1)).toThrow(/ENGINE_NICENESS/);
});

test('ENGINE_MODEL_CACHE_MB sets the engine threads\' model cache', () => {
  expect(loadConfig({ ENGINE_MODEL_CACHE_MB: '64' }, 1).modelCacheBytes).toBe(64 * 2 ** 20);
  expect(() => loadConfig({ ENGINE_MODEL_CACHE_MB: '0' }, 1)).toThrow(/ENGINE_MODEL_CACHE_MB/);
});

test('API_KEYS is a comma-separated list of admin keys, kept as digests; blanks are ignored', () => {
  const config = loadConfig({ API_KEYS: ' a, b ,,c' });
  expect(config.apiKeys).toEqual([
    { name: 'API_KEYS[0]', sha256: sha256Hex('a'), scopes: ['admin'] },
    { name: 'API_KEYS[1]', sha256: sha256Hex('b'), scopes: ['admin'] },
    { name: 'API_KEYS[2]', sha256: sha256Hex('c'), scopes: ['admin'] },
  ]);
  expect(config.authRequired).toBe(true);
  // The SHA-256 of "a", as `printf %s a | sha256sum` prints it.
  expect(sha256Hex('a')).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
});

test('API_KEYS_FILE adds scoped keys to those of API_KEYS, and requires keys even when it lists none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'posterior-config-'));
  try {
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([{ name: 'worker', sha256: sha256Hex('w').toUpperCase(), scopes: ['read', 'write'], studyPrefix: 'team-a/' }]));
    const config = loadConfig({ API_KEYS: 'a', API_KEYS_FILE: file });
    expect(config.apiKeys.map((k) => k.name)).toEqual(['API_KEYS[0]', 'worker']);
    expect(config.apiKeys[1]).toEqual({ name: 'worker', sha256: sha256Hex('w'), scopes: ['read', 'write'], studyPrefix: 'team-a/' });
    writeFileSync(file, '[]');
    expect(loadConfig({ API_KEYS_FILE: file })).toMatchObject({ apiKeys: [], authRequired: true });
    expect(() => loadConfig({ API_KEYS_FILE: join(dir, 'missing.json') })).toThrow(/API_KEYS_FILE .*missing\.json: cannot be read \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PUBLIC_PAGES opens metrics, docs or dashboard; another name is refused', () => {
  expect(loadConfig({ PUBLIC_PAGES: 'metrics, docs' }, 1).publicPages).toEqual(['metrics', 'docs']);
  expect(() => loadConfig({ PUBLIC_PAGES: 'metrics,admin' }, 1)).toThrow(/PUBLIC_PAGES lists 'admin'/);
});

test('HTTP timeouts are seconds, fractions allowed; the request timeout may not be shorter than the headers timeout', () => {
  expect(loadConfig({ HTTP_HEADERS_TIMEOUT_S: '2.5', HTTP_REQUEST_TIMEOUT_S: '20', HTTP_KEEP_ALIVE_TIMEOUT_S: '65' }, 1).http).toEqual({
    headersTimeoutMs: 2_500,
    requestTimeoutMs: 20_000,
    keepAliveTimeoutMs: 65_000,
  });
  expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_S: '40' }, 1)).toThrow(/HTTP_REQUEST_TIMEOUT_S \(30\) must be at least HTTP_HEADERS_TIMEOUT_S \(40\)/);
  expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_S: '0' }, 1)).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_S/);
});

test('RATE_LIMIT_RPS turns the rate limit on, with a burst of one second of requests unless RATE_LIMIT_BURST says otherwise', () => {
  expect(loadConfig({ RATE_LIMIT_RPS: '2.5' }, 1).rateLimit).toEqual({ rps: 2.5, burst: 3 });
  expect(loadConfig({ RATE_LIMIT_RPS: '0.2' }, 1).rateLimit).toEqual({ rps: 0.2, burst: 1 });
  expect(loadConfig({ RATE_LIMIT_RPS: '10', RATE_LIMIT_BURST: '40' }, 1).rateLimit).toEqual({ rps: 10, burst: 40 });
  expect(() => loadConfig({ RATE_LIMIT_RPS: '-1' }, 1)).toThrow(/RATE_LIMIT_RPS/);
  expect(() => loadConfig({ RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '1.5' }, 1)).toThrow(/RATE_LIMIT_BURST/);
  expect(() => loadConfig({ RATE_LIMIT_BURST: '5' }, 1)).toThrow(/RATE_LIMIT_BURST needs RATE_LIMIT_RPS/);
});

test('every bad setting is reported at start-up, all at once', () => {
  expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' })).toThrow(
    /PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL/,
  );
});
