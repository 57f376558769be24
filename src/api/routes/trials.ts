/** Routes for suggest, observe and the trials of a study. */
import { Router } from 'express';
import type { Deps } from '../../domain/deps.js';
import { observe } from '../../domain/observe.js';
import { deleteQueuedTrial, enqueueTrial } from '../../domain/queued-trials.js';
import { reportTrial } from '../../domain/report.js';
import { prepareNext, suggest } from '../../domain/suggest/suggest.js';
import type { TrialState } from '../../domain/trial.js';
import { bestTrial, getTrial, heartbeat, listTrials } from '../../domain/trial-queries.js';
import { clientSignal } from '../client-signal.js';
import type { Metrics } from '../metrics.js';
import { trialBody } from '../presenters.js';
import type { ObserveBody, ReportBody, SuggestBody, TrialEnqueueBody } from '../types.js';
import { queryLimit, queryString } from './query.js';

export function trialsRouter(deps: Deps, metrics: Pick<Metrics, 'observeSuggestion' | 'countReport'>): Router {
  const router = Router();
  const now = () => deps.clock.now();

  router.post('/v1/studies/:studyId/suggest', async (req, res) => {
    const body = (req.body ?? {}) as SuggestBody;
    const started = performance.now();
    const trials = await suggest(deps, {
      studyId: req.params.studyId,
      count: body.count ?? 1,
      idempotencyKey: req.get('idempotency-key'),
      signal: clientSignal(res),
    });
    metrics.observeSuggestion((performance.now() - started) / 1000, trials[0]?.source ?? 'none');
    const t = now();
    res.json({ trials: trials.map((trial) => trialBody(trial, t)) });
  });

  router.post('/v1/studies/:studyId/observe', (req, res) => {
    const { trial, created, changed } = observe(deps, req.params.studyId, req.body as ObserveBody);
    if (created) res.status(201).location(`/v1/studies/${req.params.studyId}/trials/${trial.id}`);
    res.json(trialBody(trial, now()));
    if (changed) void prepareNext(deps, req.params.studyId);
  });

  router.get('/v1/studies/:studyId/trials', (req, res) => {
    const page = listTrials(deps, req.params.studyId, {
      state: queryString(req, 'state') as TrialState | undefined,
      cursor: queryString(req, 'cursor'),
      limit: queryLimit(req),
    });
    const t = now();
    res.json({ trials: page.items.map((trial) => trialBody(trial, t)), nextCursor: page.nextCursor });
  });

  router.post('/v1/studies/:studyId/trials', (req, res) => {
    const { trial, created } = enqueueTrial(deps, req.params.studyId, req.body as TrialEnqueueBody);
    if (created) res.status(201).location(`/v1/studies/${req.params.studyId}/trials/${trial.id}`);
    res.json(trialBody(trial, now()));
  });

  router.delete('/v1/studies/:studyId/trials/:trialId', (req, res) => {
    deleteQueuedTrial(deps, req.params.studyId, req.params.trialId);
    res.status(204).end();
  });

  router.get('/v1/studies/:studyId/trials/:trialId', (req, res) => {
    const { trial, reports } = getTrial(deps, req.params.studyId, req.params.trialId);
    res.json(trialBody(trial, now(), reports));
  });

  router.post('/v1/studies/:studyId/trials/:trialId/report', (req, res) => {
    const { report, trial } = reportTrial(deps, req.params.studyId, req.params.trialId, req.body as ReportBody);
    metrics.countReport(report.decision);
    res.json({
      decision: report.decision,
      reason: report.reason,
      step: report.step,
      ...(report.rung !== null ? { rung: report.rung } : {}),
      trial: trialBody(trial, now()),
    });
  });

  router.post('/v1/studies/:studyId/trials/:trialId/heartbeat', (req, res) => {
    res.json(trialBody(heartbeat(deps, req.params.studyId, req.params.trialId), now()));
  });

  router.get('/v1/studies/:studyId/best', (req, res) => {
    res.json(trialBody(bestTrial(deps, req.params.studyId), now()));
  });

  return router;
}
