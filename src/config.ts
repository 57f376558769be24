import { PAGES, type Page } from './api/auth.js';
import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from './api/http-server.js';
import type { RateLimit } from './api/rate-limit.js';
import { keysRequired, loadApiKeys } from './api-keys.js';
import type { ApiKey } from './domain/access.js';
import { DEFAULT_LIMITS, type Limits } from './domain/limits.js';
import { DEFAULT_ENGINE_NICENESS, DEFAULT_STATELESS_QUEUE, defaultEngineThreads } from './workers/engine-pool.js';
import { DEFAULT_MODEL_CACHE_BYTES } from './workers/model-cache.js';

/** The environment, parsed once and validated at start-up: a bad value stops the server with a clear message. */

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** From `API_KEYS` (admin keys) and `API_KEYS_FILE` (scoped keys); digests only. */
  apiKeys: ApiKey[];
  /** Whether `/v1` needs a key: when either key setting is set, even if the file lists none. */
  authRequired: boolean;
  /** Pages open without a key although keys are required. */
  publicPages: Page[];
  http: HttpTimeouts;
  /** Per-key (or per-address) token bucket; null when off. */
  rateLimit: RateLimit | null;
  /** Worker threads that run the GP engine. */
  engineThreads: number;
  /** The engine threads' budget for warm models, in bytes, all threads together. */
  modelCacheBytes: number;
  /** Nice value of the engine threads, 0..19 (Linux only: elsewhere it is ignored). */
  engineNiceness: number;
  /** Stateless engine calls that may wait for a thread before ENGINE_BUSY. */
  engineStatelessQueue: number;
  /** One more engine thread, for light studies only (workers/engine-pool.ts, LIGHT_CALL_MS). */
  engineExpressThread: boolean;
  /** Check every response against openapi.yaml (a mismatch is a 500): for tests and the fuzzer. */
  validateResponses: boolean;
  /** Bounds on what one request may ask for (domain/limits.ts). */
  limits: Limits;
};

/** Environment variable, bounds and field of each limit, all integers. */
const LIMIT_VARIABLES: { name: string; key: keyof Limits; min: number; max: number }[] = [
  { name: 'LIMIT_PARAMETERS', key: 'parameters', min: 1, max: 1000 },
  { name: 'LIMIT_LEVELS', key: 'levels', min: 2, max: 100_000 },
  { name: 'LIMIT_STATELESS_OBSERVATIONS', key: 'statelessObservations', min: 0, max: 5000 },
  { name: 'LIMIT_SUGGEST_COUNT', key: 'suggestCount', min: 1, max: 64 },
  { name: 'LIMIT_MODEL_OBSERVATIONS', key: 'modelObservations', min: 10, max: 100_000 },
  { name: 'LIMIT_IMPORT_TRIALS', key: 'importTrials', min: 1, max: 10_000 },
  { name: 'ENGINE_DEADLINE_MS', key: 'engineDeadlineMs', min: 100, max: 600_000 },
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaultThreads: number = defaultEngineThreads()): Config {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be an integer 0..65535, got '${env.PORT}'`);
  const databaseUrl = env.DATABASE_URL ?? 'sqlite:./data/posterior.db';
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be a sqlite: or postgres:// URL, got '${databaseUrl.replace(/:[^:@/]*@/, ':***@')}'`);
  }
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);
  let apiKeys: ApiKey[] = [];
  try {
    apiKeys = loadApiKeys(env);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const publicPages = listSetting(env.PUBLIC_PAGES);
  for (const page of publicPages) {
    if (!(PAGES as readonly string[]).includes(page)) problems.push(`PUBLIC_PAGES lists '${page}'; the pages are ${PAGES.join(', ')}`);
  }
  const headersTimeout = seconds(env, 'HTTP_HEADERS_TIMEOUT_S', DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs, problems);
  const requestTimeout = seconds(env, 'HTTP_REQUEST_TIMEOUT_S', DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs, problems);
  const keepAliveTimeout = seconds(env, 'HTTP_KEEP_ALIVE_TIMEOUT_S', DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs, problems);
  if (requestTimeout < headersTimeout) {
    problems.push(`HTTP_REQUEST_TIMEOUT_S (${requestTimeout / 1000}) must be at least HTTP_HEADERS_TIMEOUT_S (${headersTimeout / 1000})`);
  }
  const rateLimit = rateLimitSetting(env, problems);
  const engineThreads = Number(env.ENGINE_THREADS ?? defaultThreads);
  if (!Number.isInteger(engineThreads) || engineThreads < 1 || engineThreads > 64) {
    problems.push(`ENGINE_THREADS must be an integer 1..64, got '${env.ENGINE_THREADS}'`);
  }
  const cacheMb = Number(env.ENGINE_MODEL_CACHE_MB ?? DEFAULT_MODEL_CACHE_BYTES / 2 ** 20);
  if (!Number.isInteger(cacheMb) || cacheMb < 1 || cacheMb > 65536) {
    problems.push(`ENGINE_MODEL_CACHE_MB must be an integer 1..65536, got '${env.ENGINE_MODEL_CACHE_MB}'`);
  }
  const engineNiceness = Number(env.ENGINE_NICENESS ?? DEFAULT_ENGINE_NICENESS);
  if (!Number.isInteger(engineNiceness) || engineNiceness < 0 || engineNiceness > 19) {
    problems.push(`ENGINE_NICENESS must be an integer 0..19, got '${env.ENGINE_NICENESS}'`);
  }
  const validate = env.VALIDATE_RESPONSES ?? '0';
  if (validate !== '0' && validate !== '1') problems.push(`VALIDATE_RESPONSES must be 0 or 1, got '${validate}'`);
  const express = env.ENGINE_EXPRESS_THREAD ?? '1';
  if (express !== '0' && express !== '1') problems.push(`ENGINE_EXPRESS_THREAD must be 0 or 1, got '${express}'`);
  const engineStatelessQueue = Number(env.ENGINE_STATELESS_QUEUE ?? DEFAULT_STATELESS_QUEUE);
  if (!Number.isInteger(engineStatelessQueue) || engineStatelessQueue < 0 || engineStatelessQueue > 10_000) {
    problems.push(`ENGINE_STATELESS_QUEUE must be an integer 0..10000, got '${env.ENGINE_STATELESS_QUEUE}'`);
  }
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const { name, key, min, max } of LIMIT_VARIABLES) {
    const value = Number(env[name] ?? DEFAULT_LIMITS[key]);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be an integer ${min}..${max}, got '${env[name]}'`);
    else limits[key] = value;
  }
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl,
    logLevel,
    apiKeys,
    authRequired: keysRequired(env),
    publicPages: publicPages as Page[],
    http: { headersTimeoutMs: headersTimeout, requestTimeoutMs: requestTimeout, keepAliveTimeoutMs: keepAliveTimeout },
    rateLimit,
    engineThreads,
    modelCacheBytes: cacheMb * 2 ** 20,
    engineNiceness,
    engineStatelessQueue,
    engineExpressThread: express !== '0',
    validateResponses: validate === '1',
    limits,
  };
}

const listSetting = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

/** A duration setting in seconds (fractions allowed), returned in milliseconds. */
function seconds(env: NodeJS.ProcessEnv, name: string, defaultMs: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return defaultMs;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0.01 || s > 3600) {
    problems.push(`${name} must be a number of seconds from 0.01 to 3600, got '${raw}'`);
    return defaultMs;
  }
  return Math.round(s * 1000);
}

function rateLimitSetting(env: NodeJS.ProcessEnv, problems: string[]): RateLimit | null {
  if (!env.RATE_LIMIT_RPS) {
    if (env.RATE_LIMIT_BURST) problems.push('RATE_LIMIT_BURST needs RATE_LIMIT_RPS');
    return null;
  }
  const rps = Number(env.RATE_LIMIT_RPS);
  if (!Number.isFinite(rps) || rps <= 0 || rps > 1e6) {
    problems.push(`RATE_LIMIT_RPS must be a number of requests per second above 0, got '${env.RATE_LIMIT_RPS}'`);
    return null;
  }
  const burst = Number(env.RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(rps)));
  if (!Number.isInteger(burst) || burst < 1 || burst > 1e6) {
    problems.push(`RATE_LIMIT_BURST must be an integer of at least 1, got '${env.RATE_LIMIT_BURST}'`);
    return null;
  }
  return { rps, burst };
}
