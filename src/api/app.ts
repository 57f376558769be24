/**
 * The Express application factory. It never listens: `server.ts` does, and tests drive
 * the app in-process with supertest.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { adminKeys } from '../api-keys.js';
import type { Deps } from '../domain/deps.js';
import { ProblemError } from '../domain/errors.js';
import { closedPages, KeyRing, principalOf, requireKey, type Page } from './auth.js';
import { authorizationRouter } from './authorization.js';
import { problemHandler } from './problem.js';
import { createMetrics, routeNames, type Metrics } from './metrics.js';
import { rateLimiter, TokenBuckets, type RateLimit } from './rate-limit.js';
import { dashboardRouter } from './routes/dashboard.js';
import { exportRouter } from './routes/export.js';
import { healthRouter } from './routes/health.js';
import { metaRouter } from './routes/meta.js';
import { modelRouter } from './routes/model.js';
import { statelessRouter } from './routes/stateless.js';
import { securityHeaders } from './security-headers.js';
import { expressPaths, specForValidation } from './spec.js';
import { studiesRouter } from './routes/studies.js';
import { trialsRouter } from './routes/trials.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * An import's body: 10,000 rows of a 10-parameter space with a little metadata are about
 * 6 MiB of JSON. NOTE: decision 0024 has the measurement; only that route reads this much.
 */
export const MAX_IMPORT_BODY_BYTES = 16 * 1024 * 1024;
const IMPORT_PATH = /^\/v1\/studies\/[^/]+\/trials:import\/?$/;

export type AppOptions = {
  deps: Deps;
  logger: Logger;
  /** The API keys. When they are required, `/v1` and the closed pages need one. */
  keys?: KeyRing;
  /** Shorthand for `keys`: secrets that are admin keys, as in `API_KEYS`; when non-empty, keys are required. */
  apiKeys?: string[];
  /** Pages that stay open without a key although keys are required. */
  publicPages?: readonly Page[];
  /** A token bucket per key (per client address without one); off when absent. `now` is in ms, monotonic. */
  rateLimit?: RateLimit & { now?: () => number };
  /** Check every response against openapi.yaml too (tests turn it on; a mismatch is a 500). */
  validateResponses?: boolean;
  /** The built dashboard (dist/ui), served at `/` and `/ui/`; absent: no dashboard. */
  dashboardDir?: string;
  /** Shared with the suggester, which reports fit times and fallbacks; made here when absent. */
  metrics?: Metrics;
};

export function createApp(options: AppOptions): Express {
  const { deps, logger } = options;
  const metrics = options.metrics ?? createMetrics(deps.store, deps.clock);
  const keys = options.keys ?? (options.apiKeys?.length ? new KeyRing(adminKeys(options.apiKeys)) : undefined);
  const spec = specForValidation();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // The key's name (never the key) on each request's log line, once it is known.
      customProps: (req) => {
        const principal = principalOf(req);
        return principal ? { apiKey: principal.name } : {};
      },
    }),
  );
  app.use(securityHeaders());
  app.use(metrics.httpMiddleware);
  app.use(routeNames(expressPaths(spec)));
  // Probes answer before any key check or rate limit, and read no body.
  app.use(healthRouter(deps.store));
  // Who is calling, before the body is read: a request without a valid key gets 401, whatever its body.
  if (keys?.required) {
    app.use('/v1', requireKey(keys));
    const closed = closedPages(options.publicPages ?? []);
    if (closed.prefixes.length > 0) app.use(closed.prefixes, requireKey(keys));
    if (closed.root) app.all('/', requireKey(keys));
  }
  if (options.rateLimit) app.use(rateLimiter(new TokenBuckets(options.rateLimit, options.rateLimit.now)));
  // What the key allows, by operation and study: also before the body is read.
  if (keys?.required) app.use(authorizationRouter(deps, spec));
  // Only the methods whose operations take a body read one: the contract declares no body
  // for GET and DELETE, so one sent there is ignored rather than answered with an undocumented 400.
  const json = express.json({ limit: MAX_BODY_BYTES, strict: false });
  const importJson = express.json({ limit: MAX_IMPORT_BODY_BYTES, strict: false });
  app.use((req, res, next) => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return afterBodyRead(req, undefined, next);
    const parse = req.method === 'POST' && IMPORT_PATH.test(req.path) ? importJson : json;
    parse(req, res, (err?: unknown) => afterBodyRead(req, err, next));
  });
  app.use(metaRouter(metrics));
  if (options.dashboardDir !== undefined) app.use(dashboardRouter(options.dashboardDir));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: spec as never,
      validateRequests: { allErrors: true, discriminator: true },
      validateResponses: options.validateResponses ? { allErrors: true } : false,
      validateSecurity: false,
      ignorePaths: /^\/(healthz|readyz|openapi\.yaml|metrics|docs(\/.*)?|ui(\/.*)?)?$/,
    }),
  );
  app.use(studiesRouter(deps));
  app.use(trialsRouter(deps, metrics));
  app.use(exportRouter(deps));
  app.use(modelRouter(deps));
  app.use(statelessRouter(deps));
  app.use(() => {
    throw new ProblemError('NOT_FOUND');
  });
  app.use(problemHandler(logger));
  return app;
}

/**
 * A body refused before it was read (413 by its Content-Length, 415 by its Content-Encoding)
 * or left unread (a media type other than JSON, refused later by the validator with 415,
 * or a body on a method that takes none, ignored) is read to its end and dropped before the problem is sent. Answering at once and closing
 * while the client still sends resets the connection, and the client may see EPIPE or
 * ECONNRESET instead of the answer. The request timeout bounds how long this takes.
 */
function afterBodyRead(req: express.Request, err: unknown, next: (err?: unknown) => void): void {
  if (req.complete || req.destroyed) return next(err);
  const done = () => {
    req.off('end', done);
    req.off('close', done);
    next(err);
  };
  req.on('end', done);
  req.on('close', done);
  req.resume();
}
