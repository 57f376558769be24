/** Liveness and readiness probes; outside `/v1`, never behind auth. */
import { Router } from 'express';
import { ProblemError } from '../../domain/errors.js';
import type { Store } from '../../domain/ports.js';

export function healthRouter(store: Store): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (!(await store.isReady())) throw new ProblemError('NOT_READY', 'the database does not answer or a migration is missing');
    res.json({ status: 'ok' });
  });
  return router;
}
