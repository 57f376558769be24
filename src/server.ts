/**
 * Composition root: config → database → migrations → app → listen, and signals.
 * The only module with process-wide effects.
 */
import { pino } from 'pino';
import { createApp } from './api/app.js';
import { KeyRing } from './api/auth.js';
import { createHttpServer } from './api/http-server.js';
import { createMetrics } from './api/metrics.js';
import { reloadApiKeys } from './api-keys.js';
import { loadConfig } from './config.js';
import { GpSuggester } from './domain/suggest/gp-suggester.js';
import { StudySuggester } from './domain/suggest/study-suggester.js';
import { KeyedMutex } from './domain/keyed-mutex.js';
import { PreparedSuggestions } from './domain/suggest/prepared-suggestions.js';
import { openStore } from './storage/open-store.js';
import { DEFAULT_DASHBOARD_DIR } from './api/routes/dashboard.js';
import { StudyModels } from './domain/study-model.js';
import { createEnginePool } from './workers/engine-pool.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel, base: { service: 'posterior' } });

const { store, studyLock, applied, location, close: closeStore } = await openStore(config.databaseUrl, logger);
if (applied.length > 0) logger.info({ applied }, 'migrations applied');

const clock = { now: () => Date.now() };
const metrics = createMetrics(store, clock);
const pool = createEnginePool({
  threads: config.engineThreads,
  modelCacheBytes: config.modelCacheBytes,
  niceness: config.engineNiceness,
  statelessQueue: config.engineStatelessQueue,
  expressThread: config.engineExpressThread,
});
const studyLocks = new KeyedMutex();
const keys = new KeyRing(config.apiKeys, config.authRequired);
const app = createApp({
  deps: {
    store,
    clock,
    suggester: new StudySuggester(new GpSuggester({ metrics, log: logger, engine: pool.run, forget: pool.forget, limits: config.limits })),
    studyLocks,
    ...(studyLock ? { studyLock } : {}),
    prepared: new PreparedSuggestions(),
    models: new StudyModels(pool.view, config.limits),
    limits: config.limits,
  },
  logger,
  keys,
  publicPages: config.publicPages,
  ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
  metrics,
  validateResponses: config.validateResponses,
  dashboardDir: DEFAULT_DASHBOARD_DIR,
});

const server = createHttpServer(app, config.http);
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      host: config.host,
      port,
      database: location,
      auth: config.authRequired,
      keys: config.apiKeys.map((k) => k.name),
      publicPages: config.publicPages,
      rateLimit: config.rateLimit,
      engineThreads: config.engineThreads,
    },
    'listening',
  );
});

// SIGHUP re-reads API_KEYS_FILE; a file that does not load keeps the keys in use (logged).
process.on('SIGHUP', () => reloadApiKeys(process.env, (loaded) => keys.replace(loaded), logger));

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Stop accepting connections, let in-flight requests finish, then close the database.
  server.close(() => {
    // Background preparations may still be computing: let them finish before the pool goes.
    void studyLocks
      .drain()
      .then(() => pool.close())
      .then(() => closeStore())
      .finally(() => {
        logger.info('stopped');
        process.exit(0);
      });
  });
  server.closeIdleConnections();
  setTimeout(() => {
    logger.warn('in-flight requests did not finish in 10 s; exiting');
    process.exit(1);
  }, 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
