import { expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';

test('defaults serve on 127.0.0.1:8080 with the embedded SQLite file and no auth', () => {
  expect(loadConfig({}, 1)).toEqual({
    port: 8080,
    host: '127.0.0.1',
    databaseUrl: 'sqlite:./data/posterior.db',
    logLevel: 'info',
    apiKeys: [],
    engineThreads: 1,
    modelCacheBytes: 256 * 2 ** 20,
    engineNiceness: 10,
    engineStatelessQueue: 8,
    limits: { parameters: 100, levels: 1000, statelessObservations: 5000, suggestCount: 64, modelObservations: 1000, engineDeadlineMs: 5000 },
  });
});

test('each limit is read from its variable, and one out of range stops the start with its name', () => {
  const config = loadConfig({ LIMIT_PARAMETERS: '20', LIMIT_LEVELS: '50', LIMIT_SUGGEST_COUNT: '8', ENGINE_DEADLINE_MS: '2500', ENGINE_STATELESS_QUEUE: '0' }, 1);
  expect(config.limits).toMatchObject({ parameters: 20, levels: 50, suggestCount: 8, engineDeadlineMs: 2500 });
  expect(config.engineStatelessQueue).toBe(0);
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

test('API_KEYS is a comma-separated list; blanks are ignored', () => {
  expect(loadConfig({ API_KEYS: ' a, b ,,c' }).apiKeys).toEqual(['a', 'b', 'c']);
});

test('every bad setting is reported at start-up, all at once', () => {
  expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' })).toThrow(
    /PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL/,
  );
});
