/**
 * An in-process app on a fresh temporary SQLite file, with responses checked against
 * openapi.yaml and a clock the test moves by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/api/app.js';
import type { KeyRing, Page } from '../../src/api/auth.js';
import { createMetrics, type Metrics } from '../../src/api/metrics.js';
import type { RateLimit } from '../../src/api/rate-limit.js';
import type { EngineInput } from '../../src/bo/engine.js';
import { GpSuggester } from '../../src/domain/suggest/gp-suggester.js';
import { StudySuggester } from '../../src/domain/suggest/study-suggester.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/domain/limits.js';
import type { Engine, ModelViewer, Store } from '../../src/domain/ports.js';
import { inProcessEngine, inProcessViewer } from '../../src/workers/in-process-engine.js';
import { StudyModels } from '../../src/domain/study-model.js';
import { KeyedMutex } from '../../src/domain/keyed-mutex.js';
import { PreparedSuggestions } from '../../src/domain/suggest/prepared-suggestions.js';
import type { Deps } from '../../src/domain/deps.js';
import type { Suggester } from '../../src/domain/suggest/suggester.js';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { applyMigrations } from '../../src/storage/sqlite/migrator.js';
import { sqliteStore } from '../../src/storage/sqlite/store.js';

export type Harness = {
  request: ReturnType<typeof supertest>;
  /** The app itself, for tests that listen on a real socket. */
  app: Express;
  clock: { now(): number; advance(ms: number): void };
  db: SqliteDatabase;
  store: Store;
  metrics: Metrics;
  deps: Deps;
  warnings: { obj: object; msg: string }[];
  /** The app's log lines at info and above, parsed, when started with `captureLogs`. */
  logs: Record<string, unknown>[];
  close(): void;
};

export type HarnessOptions = {
  apiKeys?: string[];
  /** Scoped keys; takes the place of `apiKeys`. */
  keys?: KeyRing;
  publicPages?: Page[];
  /** A token bucket per key or address, on the harness clock. */
  rateLimit?: RateLimit;
  captureLogs?: boolean;
  suggester?: Suggester;
  engine?: Engine;
  viewer?: ModelViewer;
  /** Check every response against openapi.yaml (default true). */
  validateResponses?: boolean;
  /** A built dashboard to serve (dist/ui or a test's own build). */
  dashboardDir?: string;
  limits?: Partial<Limits>;
};

export function startHarness(options: HarnessOptions = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'posterior-test-'));
  const db = openDatabase(`sqlite:${join(dir, 'test.db')}`);
  applyMigrations(db);
  const store = sqliteStore(db);
  let t = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) };
  const metrics = createMetrics(store, clock);
  const warnings: { obj: object; msg: string }[] = [];
  const log = { warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) };
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const suggester = options.suggester ?? new StudySuggester(new GpSuggester({ metrics, log, engine: options.engine ?? inProcessEngine, limits }));
  const deps: Deps = { store, clock, suggester, studyLocks: new KeyedMutex(), prepared: new PreparedSuggestions(), models: new StudyModels(options.viewer ?? inProcessViewer, limits), limits };
  const logs: Record<string, unknown>[] = [];
  const logger = options.captureLogs
    ? pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = createApp({
    deps,
    logger,
    apiKeys: options.apiKeys,
    ...(options.keys ? { keys: options.keys } : {}),
    ...(options.publicPages ? { publicPages: options.publicPages } : {}),
    ...(options.rateLimit ? { rateLimit: { ...options.rateLimit, now: clock.now } } : {}),
    validateResponses: options.validateResponses ?? true,
    metrics,
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
  });
  return {
    request: supertest(app),
    app,
    clock,
    db,
    store,
    metrics,
    deps,
    warnings,
    logs,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A space with one parameter of each type. */
export const mixedSpace = [
  { name: 'lr', type: 'float', low: 1e-5, high: 1e-1, log: true },
  { name: 'layers', type: 'int', low: 1, high: 8 },
  { name: 'batch', type: 'ordinal', values: [16, 32, 64, 128] },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
];

export function studyBody(overrides: Record<string, unknown> = {}) {
  return { name: 'mnist', parameters: mixedSpace, objective: { goal: 'minimize' }, options: { seed: 7 }, ...overrides };
}

/**
 * The real engine, recording every input it is given; with `delayMs`, it answers
 * asynchronously after that long, as the worker pool does.
 */
export function recordingEngine(delayMs?: number): { calls: EngineInput[]; engine: Engine } {
  const calls: EngineInput[] = [];
  const engine: Engine =
    delayMs === undefined
      ? (input, call) => {
          calls.push(input);
          return inProcessEngine(input, call);
        }
      : async (input, call) => {
          calls.push(input);
          await new Promise((r) => setTimeout(r, delayMs));
          return inProcessEngine(input, call);
        };
  return { calls, engine };
}
