/**
 * The TypeScript SDK's queue, study control, import and metadata methods, and tune() around
 * a paused or completed study, against a real server that requires an API key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Posterior, PosteriorError, tune, type StudyCreate } from '../../clients/typescript/index.js';
import { startLiveServer, type LiveServer } from './live-server.js';

const apiKey = 'sdk-control-key';
let server: LiveServer;
let client: Posterior;

beforeAll(async () => {
  server = await startLiveServer({ API_KEYS: apiKey });
  client = new Posterior({ url: server.url, apiKey, backoffMs: 5 });
});
afterAll(() => server.stop());

const space = (name: string, options: StudyCreate['options'] = {}, metadata?: StudyCreate['metadata']): StudyCreate => ({
  name,
  parameters: [
    { name: 'x', type: 'float', low: -2, high: 2 },
    { name: 'k', type: 'categorical', choices: ['a', 'b'] },
  ],
  objective: { goal: 'minimize' },
  options,
  ...(metadata ? { metadata } : {}),
});

/** The PosteriorError a call rejects with; fails when it resolves. */
async function problem(call: Promise<unknown>): Promise<PosteriorError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PosteriorError);
  return err as PosteriorError;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('queued trials, study control, import and metadata', () => {
  test('enqueueTrial and deleteTrial round-trip, and suggest hands out the queued trial first', async () => {
    const study = await client.createStudy(space('queue', { seed: 3 }));
    const queued = await client.enqueueTrial(study.id, { x: 0.5, k: 'b' }, { why: 'baseline' });
    expect(queued).toMatchObject({ state: 'queued', source: 'queued', metadata: { why: 'baseline' } });
    expect((await client.enqueueTrial(study.id, { x: 0.5, k: 'b' })).id).toBe(queued.id);
    const other = await client.enqueueTrial(study.id, { x: -1, k: 'a' });
    await client.deleteTrial(study.id, other.id);
    expect((await problem(client.getTrial(study.id, other.id))).code).toBe('TRIAL_NOT_FOUND');
    const [leased] = await client.suggest(study.id);
    expect(leased).toMatchObject({ id: queued.id, state: 'pending' });
    expect(await problem(client.deleteTrial(study.id, queued.id))).toMatchObject({ status: 409, code: 'TRIAL_NOT_QUEUED' });
  });

  test('enqueueTrial of a point outside the space is INVALID_PARAMS with a pointer to the field', async () => {
    const study = await client.createStudy(space('queue-bad'));
    const err = await problem(client.enqueueTrial(study.id, { x: 5, k: 'a' }));
    expect(err).toMatchObject({ status: 422, code: 'INVALID_PARAMS' });
    expect(err.errors.map((e) => e.pointer)).toEqual(['#/params/x']);
    expect((await client.getStudy(study.id)).trialCounts.total).toBe(0);
  });

  test('pause, resume, complete and updateStudy change the state and merge the metadata', async () => {
    const study = await client.createStudy(space('control', {}, { owner: 'ana', team: 'vision' }));
    expect(study.metadata).toEqual({ owner: 'ana', team: 'vision' });
    expect((await client.pause(study.id)).state).toBe('paused');
    expect(await problem(client.suggest(study.id))).toMatchObject({ status: 409, code: 'STUDY_PAUSED' });
    expect((await client.listStudies({ state: 'paused' })).studies.map((s) => s.id)).toEqual([study.id]);
    expect((await client.resume(study.id)).state).toBe('active');
    expect((await client.complete(study.id)).state).toBe('completed');
    expect((await problem(client.suggest(study.id))).code).toBe('STUDY_COMPLETE');
    const updated = await client.updateStudy(study.id, { state: 'active', metadata: { team: null, ticket: 42 } });
    expect(updated).toMatchObject({ state: 'active', metadata: { owner: 'ana', ticket: 42 } });
    expect(updated.metadata).not.toHaveProperty('team');
    const bad = await problem(client.updateStudy(study.id, { state: 'sleeping' as 'active' }));
    expect(bad).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect(bad.errors.map((e) => e.pointer)).toContain('#/state');
  });

  test('metadata rides on observe, fail, observeExternal, report and updateTrial', async () => {
    const study = await client.createStudy(space('metadata', { earlyStopping: { rule: 'median', maxStep: 5 } }));
    const [a, b, c] = await client.suggest(study.id, { count: 3 });
    expect(await client.report(study.id, a!.id, 1, 0.7, { epochSeconds: 12 })).toBe(false);
    expect((await client.observe(study.id, a!.id, 0.5, { run: 'wandb/abc' })).metadata).toEqual({ epochSeconds: 12, run: 'wandb/abc' });
    expect(await client.fail(study.id, b!.id, 'OOM', { gpu: 3 })).toMatchObject({ state: 'failed', failureReason: 'OOM', metadata: { gpu: 3 } });
    expect((await client.observeExternal(study.id, { x: 1, k: 'a' }, 0.9, { from: 'paper' })).metadata).toEqual({ from: 'paper' });
    const patched = await client.updateTrial(study.id, a!.id, { run: null, checkpoint: 's3://ckpt/a' });
    expect(patched.metadata).toEqual({ epochSeconds: 12, checkpoint: 's3://ckpt/a' });
    expect((await client.getTrial(study.id, a!.id)).metadata).toEqual(patched.metadata);
    expect(await problem(client.updateTrial(study.id, c!.id, { blob: 'x'.repeat(20_000) }))).toMatchObject({ status: 422, code: 'METADATA_TOO_LARGE' });
  });

  test('importTrials writes all rows once per Idempotency-Key and names every bad row', async () => {
    const study = await client.createStudy(space('import'));
    const rows = [
      { params: { x: 0.1, k: 'a' }, value: 0.3, metadata: { sweep: 1 } },
      { params: { x: 0.2, k: 'b' }, failed: true as const, reason: 'diverged' },
    ];
    const trials = await client.importTrials(study.id, rows, { idempotencyKey: 'sweep-1' });
    expect(trials.map((t) => [t.state, t.source])).toEqual([['completed', 'imported'], ['failed', 'imported']]);
    expect(trials[0]?.metadata).toEqual({ sweep: 1 });
    expect((await client.importTrials(study.id, rows, { idempotencyKey: 'sweep-1' })).map((t) => t.id)).toEqual(trials.map((t) => t.id));
    expect((await client.getStudy(study.id)).trialCounts.total).toBe(2);
    expect(await problem(client.importTrials(study.id, rows.slice(0, 1), { idempotencyKey: 'sweep-1' }))).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    const bad = [{ params: { x: 0.3, k: 'a' }, value: 0.1 }, { params: { x: 9, k: 'a' }, value: 0.2 }];
    const err = await problem(client.importTrials(study.id, bad));
    expect(err).toMatchObject({ status: 422, code: 'INVALID_PARAMS' });
    expect(err.errors.map((e) => e.pointer)).toEqual(['#/trials/1/params/x']);
    expect((await client.getStudy(study.id)).trialCounts.total).toBe(2); // nothing of a bad import is written
  });
});

describe('tune() and the study state', () => {
  test('waits while the study is paused and goes on when it is resumed', async () => {
    const study = await client.createStudy(space('tune-pause', { algorithm: 'random' }));
    let resumedAt: number | undefined;
    let resumed: Promise<void> | undefined;
    const started = Date.now();
    const result = await tune({ client, study: study.id, trials: 3, pausePollSeconds: 0.2 }, async (params) => {
      if (!resumed) {
        await client.pause(study.id); // the operator pauses while this trial runs
        resumed = sleep(1000).then(async () => {
          resumedAt = Date.now();
          await client.resume(study.id);
        });
      }
      return params.x as number;
    });
    await resumed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.trials.map((t) => t.state)).toEqual(['completed', 'completed', 'completed']);
    expect(result.ended).toBe('trials');
    // The running trial finished while paused; the next two were leased only after the resume.
    const created = result.trials.map((t) => Date.parse(t.createdAt));
    expect(created[0]).toBeLessThan(resumedAt!);
    expect(created[1]).toBeGreaterThanOrEqual(resumedAt!);
  });

  test('gives up on a study paused longer than maxPauseSeconds', async () => {
    const study = await client.createStudy(space('tune-give-up'));
    await client.pause(study.id);
    const started = Date.now();
    const result = await tune({ client, study: study.id, trials: 3, pausePollSeconds: 0.1, maxPauseSeconds: 0.5 }, (p) => p.x as number);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ trials: [], ended: 'paused' });
  });

  test('ends cleanly when the study is completed while a trial runs, and still observes that trial', async () => {
    const study = await client.createStudy(space('tune-complete', { algorithm: 'random' }));
    const result = await tune({ client, study: study.id, trials: 5 }, async (params) => {
      await client.complete(study.id);
      return params.x as number;
    });
    expect(result.trials.map((t) => t.state)).toEqual(['completed']);
    expect(result.ended).toBe('complete');
    expect(result.best?.id).toBe(result.trials[0]?.id);
  });
});
