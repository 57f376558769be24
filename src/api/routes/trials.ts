/** Routes for suggest, observe and the trials of a study. */
import { Router } from 'express';
import type { Deps } from '../../domain/deps.js';
import { importTrials, type ImportRow } from '../../domain/import-trials.js';
import type { MetadataPatch } from '../../domain/metadata.js';
import { observe, type Observation } from '../../domain/observe.js';
import { deleteQueuedTrial, enqueueTrial } from '../../domain/queued-trials.js';
import { reportTrial, type ReportInput } from '../../domain/report.js';
import { prepareNext, suggest } from '../../domain/suggest/suggest.js';
import type { TrialState } from '../../domain/trial.js';
import { bestTrial, getTrial, heartbeat, listTrials, updateTrialMetadata } from '../../domain/trial-queries.js';
import { clientSignal } from '../client-signal.js';
import type { Metrics } from '../metrics.js';
import { trialBody } from '../presenters.js';
import type { ImportBody, ObserveBody, ReportBody, SuggestBody, TrialEnqueueBody, TrialUpdateBody } from '../types.js';
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

  router.post('/v1/studies/:studyId/observe', async (req, res) => {
    const { trial, created, changed } = await observe(deps, req.params.studyId, req.body as ObserveBody as Observation);
    if (created) res.status(201).location(`/v1/studies/${req.params.studyId}/trials/${trial.id}`);
    res.json(trialBody(trial, now()));
    if (changed) void prepareNext(deps, req.params.studyId);
  });

  router.get('/v1/studies/:studyId/trials', async (req, res) => {
    const page = await listTrials(deps, req.params.studyId, {
      state: queryString(req, 'state') as TrialState | undefined,
      cursor: queryString(req, 'cursor'),
      limit: queryLimit(req),
    });
    const t = now();
    res.json({ trials: page.items.map((trial) => trialBody(trial, t)), nextCursor: page.nextCursor });
  });

  router.post('/v1/studies/:studyId/trials', async (req, res) => {
    const { trial, created } = await enqueueTrial(deps, req.params.studyId, req.body as TrialEnqueueBody);
    if (created) res.status(201).location(`/v1/studies/${req.params.studyId}/trials/${trial.id}`);
    res.json(trialBody(trial, now()));
  });

  router.delete('/v1/studies/:studyId/trials/:trialId', async (req, res) => {
    await deleteQueuedTrial(deps, req.params.studyId, req.params.trialId);
    res.status(204).end();
  });

  router.get('/v1/studies/:studyId/trials/:trialId', async (req, res) => {
    const { trial, reports } = await getTrial(deps, req.params.studyId, req.params.trialId);
    res.json(trialBody(trial, now(), reports));
  });

  router.patch('/v1/studies/:studyId/trials/:trialId', async (req, res) => {
    const body = req.body as TrialUpdateBody;
    const { trial, reports } = await updateTrialMetadata(deps, req.params.studyId, req.params.trialId, body.metadata as MetadataPatch);
    res.json(trialBody(trial, now(), reports));
  });

  // The colon is escaped: `:import` is part of the path (a custom method, as in Google's AIP-136), not a parameter.
  router.post('/v1/studies/:studyId/trials\\:import', async (req, res) => {
    const { trials, created } = await importTrials(deps, {
      studyId: req.params.studyId,
      trials: (req.body as ImportBody).trials as ImportRow[],
      idempotencyKey: req.get('idempotency-key'),
    });
    const t = now();
    res.status(201).json({ trials: trials.map((trial) => trialBody(trial, t)) });
    if (created && trials.length > 0) void prepareNext(deps, req.params.studyId);
  });

  router.post('/v1/studies/:studyId/trials/:trialId/report', async (req, res) => {
    const { report, trial } = await reportTrial(deps, req.params.studyId, req.params.trialId, req.body as ReportBody as ReportInput);
    metrics.countReport(report.decision);
    res.json({
      decision: report.decision,
      reason: report.reason,
      step: report.step,
      ...(report.rung !== null ? { rung: report.rung } : {}),
      trial: trialBody(trial, now()),
    });
  });

  router.post('/v1/studies/:studyId/trials/:trialId/heartbeat', async (req, res) => {
    res.json(trialBody(await heartbeat(deps, req.params.studyId, req.params.trialId), now()));
  });

  router.get('/v1/studies/:studyId/best', async (req, res) => {
    res.json(trialBody(await bestTrial(deps, req.params.studyId), now()));
  });

  return router;
}
