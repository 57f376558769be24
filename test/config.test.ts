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
  });
});

test('API_KEYS is a comma-separated list; blanks are ignored', () => {
  expect(loadConfig({ API_KEYS: ' a, b ,,c' }).apiKeys).toEqual(['a', 'b', 'c']);
});

test('every bad setting is reported at start-up, all at once', () => {
  expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' })).toThrow(
    /PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL/,
  );
});
