/**
 * The server as the fuzz tests run it: the production composition (`src/server.ts`: SQLite
 * file, migrations, engine threads) with every response checked against openapi.yaml, as
 * the in-process harness does, so a response that breaks the contract is a 500.
 *
 * NOTE: a separate process, not the in-process harness: some inputs spin the event loop
 * forever (issue 10), and only a process the test can kill lets a request's timeout fail
 * the case instead of freezing the suite.
 *
 * Errors are logged as JSON lines on stdout with the request's `X-Request-Id`, which the
 * fuzzer reads to say what a 500 was.
 */
import { pino } from 'pino';
import { createApp } from '../../../src/api/app.js';
import { createMetrics } from '../../../src/api/metrics.js';
import { GpSuggester } from '../../../src/domain/gp-suggester.js';
import { KeyedMutex } from '../../../src/domain/keyed-mutex.js';
import { PreparedSuggestions } from '../../../src/domain/prepared-suggestions.js';
import { openDatabase } from '../../../src/storage/database.js';
import { applyMigrations } from '../../../src/storage/migrator.js';
import { SqliteStore } from '../../../src/storage/sqlite-store.js';
import { createEnginePool } from '../../../src/workers/engine-pool.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'error' });

const db = openDatabase(databaseUrl);
applyMigrations(db);
const store = new SqliteStore(db);
const clock = { now: () => Date.now() };
const metrics = createMetrics(store, clock);
const pool = createEnginePool({ threads: Number(process.env.ENGINE_THREADS ?? 1) });
const app = createApp({
  deps: {
    store,
    clock,
    suggester: new GpSuggester({ metrics, log: logger, engine: pool.run }),
    studyLocks: new KeyedMutex(),
    prepared: new PreparedSuggestions(),
  },
  logger,
  validateResponses: true,
  metrics,
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  // Printed whatever the log level: the parent waits for it.
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
