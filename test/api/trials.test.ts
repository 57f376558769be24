import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ProblemError } from '../../src/domain/errors.js';
import { suggest } from '../../src/domain/suggest/suggest.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';
import { expectProblem } from '../support/problem-assertions.js';

let h: Harness;
let studyId: string;
beforeEach(async () => {
  h = startHarness();
  studyId = (await h.request.post('/v1/studies').send(studyBody())).body.id;
});
afterEach(() => h.close());

const url = (path = '') => `/v1/studies/${studyId}${path}`;
const suggestOne = async () => (await h.request.post(url('/suggest')).send({})).body.trials[0];

describe('POST /v1/studies/{id}/suggest', () => {
  test('leases count distinct pending trials from the initial design', async () => {
    const res = await h.request.post(url('/suggest')).send({ count: 4 });
    expect(res.status).toBe(200);
    expect(res.body.trials).toHaveLength(4);
    expect(res.body.trials.map((t: { number: number }) => t.number)).toEqual([0, 1, 2, 3]);
    for (const t of res.body.trials) {
      expect(t).toMatchObject({ state: 'pending', source: 'initial', leaseExpiresAt: '2026-01-01T01:00:00.000Z' });
      expect(Object.keys(t.params)).toEqual(['lr', 'layers', 'batch', 'optimizer']);
    }
    expect(new Set(res.body.trials.map((t: { params: unknown }) => JSON.stringify(t.params))).size).toBe(4);
  });

  test('suggests one trial when the body is empty', async () => {
    const res = await h.request.post(url('/suggest'));
    expect(res.status).toBe(200);
    expect(res.body.trials).toHaveLength(1);
  });

  test('replays the same trials for the same Idempotency-Key and never creates new ones', async () => {
    const first = await h.request.post(url('/suggest')).set('Idempotency-Key', 'k1').send({ count: 2 });
    const again = await h.request.post(url('/suggest')).set('Idempotency-Key', 'k1').send({ count: 2 });
    expect(again.status).toBe(200);
    expect(again.body.trials.map((t: { id: string }) => t.id)).toEqual(first.body.trials.map((t: { id: string }) => t.id));
    expect((await h.request.get(url())).body.trialCounts.total).toBe(2);
  });

  test('answers 409 IDEMPOTENCY_KEY_REUSED when a key comes back with another body', async () => {
    await h.request.post(url('/suggest')).set('Idempotency-Key', 'k1').send({ count: 2 });
    const res = await h.request.post(url('/suggest')).set('Idempotency-Key', 'k1').send({ count: 3 });
    expectProblem(res, 409, 'IDEMPOTENCY_KEY_REUSED');
  });

  test('is reproducible from the study seed', async () => {
    const other = (await h.request.post('/v1/studies').send(studyBody({ name: 'twin' }))).body.id;
    const a = await h.request.post(url('/suggest')).send({ count: 12 });
    const b = await h.request.post(`/v1/studies/${other}/suggest`).send({ count: 12 });
    expect(b.body.trials.map((t: { params: unknown }) => t.params)).toEqual(a.body.trials.map((t: { params: unknown }) => t.params));
    expect(a.body.trials.map((t: { source: string }) => t.source)).toEqual([...Array(10).fill('initial'), 'random', 'random']);
  });

  test('answers 409 SEARCH_SPACE_EXHAUSTED once every point of a finite space is taken', async () => {
    const small = (
      await h.request.post('/v1/studies').send({
        name: 'tiny',
        parameters: [
          { name: 'a', type: 'categorical', choices: [true, false] },
          { name: 'b', type: 'int', low: 0, high: 1 },
        ],
        objective: { goal: 'maximize' },
      })
    ).body.id;
    const all = await h.request.post(`/v1/studies/${small}/suggest`).send({ count: 4 });
    expect(new Set(all.body.trials.map((t: { params: unknown }) => JSON.stringify(t.params))).size).toBe(4);
    expectProblem(await h.request.post(`/v1/studies/${small}/suggest`).send({}), 409, 'SEARCH_SPACE_EXHAUSTED');
  });

  test('requests queued together on a nearly exhausted space are served in order until it runs out', async () => {
    const small = (
      await h.request.post('/v1/studies').send({
        name: 'tiny-queue',
        parameters: [{ name: 'b', type: 'int', low: 0, high: 3 }],
        objective: { goal: 'maximize' },
      })
    ).body.id;
    // The study is busy while all six arrive, so they queue and are served as one batch of six.
    let release!: () => void;
    let busy!: Promise<void>;
    await new Promise<void>((started) => {
      busy = h.deps.studyLocks.run(small, () => {
        started();
        return new Promise<void>((resolve) => (release = resolve));
      });
    });
    const answers = Array.from({ length: 6 }, () => suggest(h.deps, { studyId: small, count: 1 }));
    release();
    await busy;
    const results = await Promise.allSettled(answers);
    const served = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(served.map((t) => t.params.b).sort()).toEqual([0, 1, 2, 3]);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused.map((e) => (e as ProblemError).code)).toEqual(['SEARCH_SPACE_EXHAUSTED', 'SEARCH_SPACE_EXHAUSTED']);
    // Served in arrival order: the first four requests got the points.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });

  test('answers 422 for a count outside 1..64 and 404 for an unknown study', async () => {
    for (const count of [0, 65, 1.5]) {
      const res = await h.request.post(url('/suggest')).send({ count });
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(res.body.errors[0].pointer).toBe('#/count');
    }
    expectProblem(await h.request.post('/v1/studies/st_nope/suggest').send({}), 404, 'STUDY_NOT_FOUND');
  });
});

describe('POST /v1/studies/{id}/observe', () => {
  test('completes a pending trial, and the same value again is a no-op', async () => {
    const trial = await suggestOne();
    h.clock.advance(5000);
    const res = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 0.25 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: trial.id, state: 'completed', value: 0.25, completedAt: '2026-01-01T00:00:05.000Z' });
    expect(res.body.leaseExpiresAt).toBeUndefined();
    const again = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 0.25 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  test('answers 409 TRIAL_VALUE_CONFLICT when a completed trial is observed with another value', async () => {
    const trial = await suggestOne();
    await h.request.post(url('/observe')).send({ trialId: trial.id, value: 1 });
    const res = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 2 });
    expectProblem(res, 409, 'TRIAL_VALUE_CONFLICT');
    expect((await h.request.get(url(`/trials/${trial.id}`))).body.value).toBe(1);
  });

  test('marks a failed run, keeps its reason, and refuses a value for it afterwards', async () => {
    const trial = await suggestOne();
    const res = await h.request.post(url('/observe')).send({ trialId: trial.id, failed: true, reason: 'CUDA OOM' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'failed', failureReason: 'CUDA OOM' });
    expect((await h.request.post(url('/observe')).send({ trialId: trial.id, failed: true })).status).toBe(200);
    expectProblem(await h.request.post(url('/observe')).send({ trialId: trial.id, value: 3 }), 409, 'TRIAL_NOT_PENDING');
  });

  test('refuses to fail a completed trial', async () => {
    const trial = await suggestOne();
    await h.request.post(url('/observe')).send({ trialId: trial.id, value: 1 });
    expectProblem(await h.request.post(url('/observe')).send({ trialId: trial.id, failed: true }), 409, 'TRIAL_NOT_PENDING');
  });

  test('completes a stale trial: a late result is still a result', async () => {
    const trial = await suggestOne();
    h.clock.advance(3600_000);
    expect((await h.request.get(url(`/trials/${trial.id}`))).body.state).toBe('stale');
    const res = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 7 });
    expect(res.body.state).toBe('completed');
  });

  test('records an observation made elsewhere as a new completed trial', async () => {
    const params = { optimizer: 'sgd', lr: 0.01, layers: 3, batch: 64 };
    const res = await h.request.post(url('/observe')).send({ params, value: 0.5 });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(url(`/trials/${res.body.id}`));
    expect(res.body).toMatchObject({ state: 'completed', source: 'external', value: 0.5, number: 0 });
    expect(Object.keys(res.body.params)).toEqual(['lr', 'layers', 'batch', 'optimizer']);
  });

  const badParams: [string, Record<string, unknown>, string][] = [
    ['a value out of range', { lr: 1, layers: 3, batch: 64, optimizer: 'sgd' }, '#/params/lr'],
    ['a non-integer int', { lr: 0.01, layers: 2.5, batch: 64, optimizer: 'sgd' }, '#/params/layers'],
    ['a value not among the ordinal values', { lr: 0.01, layers: 3, batch: 48, optimizer: 'sgd' }, '#/params/batch'],
    ['an unknown choice', { lr: 0.01, layers: 3, batch: 64, optimizer: 'lion' }, '#/params/optimizer'],
    ['a missing parameter', { lr: 0.01, layers: 3, batch: 64 }, '#/params/optimizer'],
    ['an unknown parameter', { lr: 0.01, layers: 3, batch: 64, optimizer: 'sgd', momentum: 0.9 }, '#/params/momentum'],
  ];
  test.each(badParams)('answers 422 INVALID_PARAMS for %s, pointing at it', async (_name, params, pointer) => {
    const res = await h.request.post(url('/observe')).send({ params, value: 1 });
    expectProblem(res, 422, 'INVALID_PARAMS');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await h.request.get(url())).body.trialCounts.total).toBe(0);
  });

  test('answers 422 for a value that is not a finite number', async () => {
    const trial = await suggestOne();
    for (const raw of [`{"trialId":"${trial.id}","value":1e999}`, `{"trialId":"${trial.id}","value":"0.5"}`]) {
      const res = await h.request.post(url('/observe')).set('content-type', 'application/json').send(raw);
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('#/value');
    }
  });

  test('answers 422 for a body that matches none of the three forms', async () => {
    const res = await h.request.post(url('/observe')).send({ trialId: 'x' });
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('#/value');
  });

  test('answers 404 for an unknown trial or study', async () => {
    expectProblem(await h.request.post(url('/observe')).send({ trialId: 'tr_nope', value: 1 }), 404, 'TRIAL_NOT_FOUND');
    expectProblem(await h.request.post('/v1/studies/st_nope/observe').send({ trialId: 'tr_x', value: 1 }), 404, 'STUDY_NOT_FOUND');
  });

  test('answers 400 for malformed JSON and 413 for an oversized body', async () => {
    expectProblem(await h.request.post(url('/observe')).set('content-type', 'application/json').send('{'), 400, 'MALFORMED_JSON');
    const huge = { params: { lr: 0.01, pad: 'x'.repeat(1024 * 1024) }, value: 1 };
    expectProblem(await h.request.post(url('/observe')).send(huge), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('trials, heartbeat and best', () => {
  test('lists trials by number, filters by state and pages with a cursor', async () => {
    const { body } = await h.request.post(url('/suggest')).send({ count: 5 });
    const ids = body.trials.map((t: { id: string }) => t.id);
    await h.request.post(url('/observe')).send({ trialId: ids[1], value: 1 });
    await h.request.post(url('/observe')).send({ trialId: ids[3], failed: true });
    const completed = await h.request.get(url('/trials?state=completed'));
    expect(completed.body.trials.map((t: { id: string }) => t.id)).toEqual([ids[1]]);
    const pending = await h.request.get(url('/trials?state=pending'));
    expect(pending.body.trials.map((t: { id: string }) => t.id)).toEqual([ids[0], ids[2], ids[4]]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request.get(url(`/trials?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      expect(res.status).toBe(200);
      seen.push(...res.body.trials.map((t: { id: string }) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  test('answers 422 for an unknown state filter and 404 for an unknown study', async () => {
    const res = await h.request.get(url('/trials?state=running'));
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors[0].parameter).toBe('state');
    expectProblem(await h.request.get('/v1/studies/st_nope/trials'), 404, 'STUDY_NOT_FOUND');
  });

  test('reads one trial, and answers 404 TRIAL_NOT_FOUND for an unknown one', async () => {
    const trial = await suggestOne();
    const res = await h.request.get(url(`/trials/${trial.id}`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(trial);
    expectProblem(await h.request.get(url('/trials/tr_nope')), 404, 'TRIAL_NOT_FOUND');
  });

  test('a lease that runs out makes the trial stale; a heartbeat renews it and revives a stale one', async () => {
    const trial = await suggestOne();
    h.clock.advance(1800_000);
    const renewed = await h.request.post(url(`/trials/${trial.id}/heartbeat`));
    expect(renewed.status).toBe(200);
    expect(renewed.body.leaseExpiresAt).toBe('2026-01-01T01:30:00.000Z');
    h.clock.advance(3600_000);
    expect((await h.request.get(url())).body.trialCounts).toMatchObject({ pending: 0, stale: 1 });
    expect((await h.request.get(url('/trials?state=stale'))).body.trials).toHaveLength(1);
    const revived = await h.request.post(url(`/trials/${trial.id}/heartbeat`));
    expect(revived.body.state).toBe('pending');
  });

  test('a heartbeat on a finished trial answers 409, on an unknown one 404', async () => {
    const trial = await suggestOne();
    await h.request.post(url('/observe')).send({ trialId: trial.id, value: 1 });
    expectProblem(await h.request.post(url(`/trials/${trial.id}/heartbeat`)), 409, 'TRIAL_NOT_PENDING');
    expectProblem(await h.request.post(url('/trials/tr_nope/heartbeat')), 404, 'TRIAL_NOT_FOUND');
  });

  test('best is the lowest value when minimizing and the highest when maximizing, the earliest on ties', async () => {
    expectProblem(await h.request.get(url('/best')), 404, 'NO_COMPLETED_TRIALS');
    const { body } = await h.request.post(url('/suggest')).send({ count: 4 });
    const values = [3, 1, 5, 1];
    for (const [i, t] of body.trials.entries()) await h.request.post(url('/observe')).send({ trialId: t.id, value: values[i] });
    expect((await h.request.get(url('/best'))).body.id).toBe(body.trials[1].id);

    const max = (await h.request.post('/v1/studies').send(studyBody({ name: 'max', objective: { goal: 'maximize' } }))).body.id;
    const { body: b2 } = await h.request.post(`/v1/studies/${max}/suggest`).send({ count: 4 });
    for (const [i, t] of b2.trials.entries()) await h.request.post(`/v1/studies/${max}/observe`).send({ trialId: t.id, value: values[i] });
    expect((await h.request.get(`/v1/studies/${max}/best`)).body.id).toBe(b2.trials[2].id);
    expectProblem(await h.request.get('/v1/studies/st_nope/best'), 404, 'STUDY_NOT_FOUND');
  });
});
