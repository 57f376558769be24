/**
 * Prometheus metrics (prom-client) on a registry of the app's own, so that several apps
 * in one process (the tests) do not share series.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock, EngineMetrics, Store } from '../domain/ports.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Metrics = EngineMetrics & {
  registry: Registry;
  /**
   * Times every request, labelled by route template (never the raw URL: ids would explode
   * the series): the template of the handler that answered, else the one `routeNames` gave.
   */
  httpMiddleware: RequestHandler;
  observeSuggestion(seconds: number, source: string): void;
  /** One intermediate report, by the decision it got. */
  countReport(decision: 'continue' | 'stop'): void;
};

export function createMetrics(store: Store, clock: Clock): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'posterior_' });
  const http = new Histogram({
    name: 'posterior_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const suggestion = new Histogram({
    name: 'posterior_suggestion_duration_seconds',
    help: 'Time to compute and store one suggest request, by the source of its first trial',
    labelNames: ['source'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const engineCall = new Histogram({
    name: 'posterior_engine_call_duration_seconds',
    help: 'Time of one GP engine call (fit, conditioning, acquisition), including the wait for a worker thread',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const fits = new Counter({
    name: 'posterior_gp_hyperparameter_fits_total',
    help: 'GP engine calls by whether they fitted the hyperparameters or kept the stored ones',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const factorRows = new Counter({
    name: 'posterior_gp_factor_rows_total',
    help: 'Rows of the Cholesky factor, reused from the cached model or computed',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const reports = new Counter({
    name: 'posterior_trial_reports_total',
    help: 'Intermediate reports of running trials, by the decision they got (continue or stop)',
    labelNames: ['decision'],
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'posterior_suggestion_fallbacks_total',
    help: 'Suggestions that fell back to a random point, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  stateGauges(registry, store, clock);

  return {
    registry,
    httpMiddleware: (req, res, next) => {
      const end = http.startTimer();
      res.on('finish', () => end({ method: req.method, route: routeTemplate(req, res), status: String(res.statusCode) }));
      next();
    },
    observeSuggestion: (seconds, source) => suggestion.observe({ source }, seconds),
    countReport: (decision) => reports.inc({ decision }),
    observeEngineCall: (seconds, work) => {
      engineCall.observe(seconds);
      fits.inc({ outcome: work.fitted ? 'fitted' : 'kept' });
      factorRows.inc({ outcome: 'reused' }, work.reusedRows);
      factorRows.inc({ outcome: 'computed' }, work.rows - work.reusedRows);
    },
    countFallback: (reason) => fallbacks.inc({ reason }),
  };
}

/**
 * Names each request on a path of the contract with that path's template, before anything
 * can refuse it: a 401, 400, 415 or 422 answered by the key check, the body parser or the
 * validator, which run before any handler, is then counted under its route, not under
 * `unmatched`. Like authorization.ts, it is a router built from the spec, so a request is
 * named exactly when Express would route it to the handler. Mount it before those.
 */
export function routeNames(templates: readonly string[]): Router {
  const router = Router();
  for (const template of templates) {
    // `all`, not one route per method: a router would answer OPTIONS by itself otherwise.
    router.all(template, (_req, res, next) => {
      (res.locals as RouteLocals).routeTemplate ??= template;
      next();
    });
  }
  return router;
}

type RouteLocals = { routeTemplate?: string };

function routeTemplate(req: Request, res: Response): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  // An escaped colon (`/trials\\:import`, spec.ts expressPath) is named as the contract writes it.
  if (typeof route?.path === 'string') return `${req.baseUrl}${route.path}`.replace(/\\:/g, ':');
  return ((res.locals as RouteLocals).routeTemplate ?? 'unmatched').replace(/\\:/g, ':');
}

/** Trials by state and the number of studies, read from the store when scraped. */
function stateGauges(registry: Registry, store: Store, clock: Clock): void {
  new Gauge({
    name: 'posterior_trials',
    help: 'Trials of all studies by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { trials } = await store.totals(clock.now());
      for (const [state, n] of Object.entries(trials)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'posterior_studies',
    help: 'Studies in the database',
    registers: [registry],
    async collect() {
      this.set((await store.totals(clock.now())).studies);
    },
  });
}
