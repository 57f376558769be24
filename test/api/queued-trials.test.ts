/**
 * Queued configurations (issue 14): `POST /v1/studies/{id}/trials` queues a point, the next
 * suggest hands queued trials out first, oldest first, and no two workers get the same one,
 * in one process or in two on one database file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { recordingEngine, startHarness, studyBody, type Harness } from '../support/harness.js';
import { json, startServer } from '../support/server-process.js';
import { expectProblem } from '../support/problem-assertions.js';

let h: Harness;
afterEach(() => h?.close());


const baseline = { lr: 0.001, layers: 4, batch: 64, optimizer: 'adam' };
const paper = { lr: 0.0003, layers: 6, batch: 128, optimizer: 'sgd' };
const third = { lr: 0.01, layers: 2, batch: 32, optimizer: 'rmsprop' };

async function study(overrides: Record<string, unknown> = {}, harness: Harness = h): Promise<string> {
  const res = await harness.request.post('/v1/studies').send(studyBody(overrides));
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const enqueue = (id: string, params: unknown) => h.request.post(`/v1/studies/${id}/trials`).send({ params });
const suggest = (id: string, count = 1) => h.request.post(`/v1/studies/${id}/suggest`).send({ count });

describe('POST /v1/studies/{id}/trials', () => {
  test('queues a configuration: 201, state and source queued, no lease, listed and counted', async () => {
    h = startHarness();
    const id = await study();
    // Out of the space's order on purpose: stored in the space's order.
    const res = await enqueue(id, { optimizer: 'adam', batch: 64, layers: 4, lr: 0.001 });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/studies/${id}/trials/${res.body.id}`);
    expect(res.body).toEqual({ id: res.body.id, number: 0, params: baseline, state: 'queued', source: 'queued', createdAt: '2026-01-01T00:00:00.000Z', metadata: {} });
    expect(Object.keys(res.body.params)).toEqual(['lr', 'layers', 'batch', 'optimizer']);
    const listed = await h.request.get(`/v1/studies/${id}/trials?state=queued`);
    expect(listed.body.trials.map((t: { id: string }) => t.id)).toEqual([res.body.id]);
    expect((await h.request.get(`/v1/studies/${id}/trials?state=pending`)).body.trials).toEqual([]);
    expect((await h.request.get(`/v1/studies/${id}`)).body.trialCounts).toEqual({ queued: 1, pending: 0, completed: 0, failed: 0, stale: 0, stopped: 0, total: 1 });
    const exported = await h.request.get(`/v1/studies/${id}/export?format=csv`);
    expect(exported.text.split('\n')[1]).toMatch(new RegExp(`^0,${res.body.id},queued,,queued,`));
  });

  test.each([
    [{ ...baseline, lr: 2 }, '#/params/lr'],
    [{ ...baseline, layers: 4.5 }, '#/params/layers'],
    [{ ...baseline, batch: 48 }, '#/params/batch'],
    [{ ...baseline, optimizer: 'adagrad' }, '#/params/optimizer'],
    [{ lr: 0.001, layers: 4, batch: 64 }, '#/params/optimizer'],
    [{ ...baseline, momentum: 0.9 }, '#/params/momentum'],
  ])('a configuration outside the space, %j, is 422 INVALID_PARAMS pointing at %s, and nothing is queued', async (params, pointer) => {
    h = startHarness();
    const id = await study();
    const res = await enqueue(id, params);
    expectProblem(res, 422, 'INVALID_PARAMS');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
    expect((await h.request.get(`/v1/studies/${id}`)).body.trialCounts.total).toBe(0);
  });

  test('a body without params, or with a non-scalar value, is 422 VALIDATION_FAILED; an unknown study is 404', async () => {
    h = startHarness();
    const id = await study();
    expectProblem(await h.request.post(`/v1/studies/${id}/trials`).send({}), 422, 'VALIDATION_FAILED');
    expectProblem(await enqueue(id, { ...baseline, lr: [0.1] }), 422, 'VALIDATION_FAILED');
    expectProblem(await enqueue('st_nope', baseline), 404, 'STUDY_NOT_FOUND');
  });

  test('queuing a queued point again returns that trial with 200; the point of any other trial is 409 DUPLICATE_PARAMS', async () => {
    h = startHarness();
    const id = await study();
    const first = await enqueue(id, baseline);
    const again = await enqueue(id, { ...baseline });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const [handed] = (await suggest(id)).body.trials;
    expect(handed.id).toBe(first.body.id);
    const taken = await enqueue(id, baseline);
    expectProblem(taken, 409, 'DUPLICATE_PARAMS');
    expect(taken.body.errors).toEqual([expect.objectContaining({ pointer: '#/params' })]);
    expect(taken.body.detail).toContain(`trial 0 (${first.body.id}, pending)`);
  });

  test('a queued trial can be deleted; a running one cannot (409 TRIAL_NOT_QUEUED), an unknown one is 404', async () => {
    h = startHarness();
    const id = await study();
    const queued = (await enqueue(id, baseline)).body;
    const del = await h.request.delete(`/v1/studies/${id}/trials/${queued.id}`);
    expect(del.status).toBe(204);
    expectProblem(await h.request.get(`/v1/studies/${id}/trials/${queued.id}`), 404, 'TRIAL_NOT_FOUND');
    const [running] = (await suggest(id)).body.trials;
    expect(running.source).toBe('initial');
    expectProblem(await h.request.delete(`/v1/studies/${id}/trials/${running.id}`), 409, 'TRIAL_NOT_QUEUED');
    expectProblem(await h.request.delete(`/v1/studies/${id}/trials/tr_nope`), 404, 'TRIAL_NOT_FOUND');
    expectProblem(await h.request.delete(`/v1/studies/st_nope/trials/${running.id}`), 404, 'STUDY_NOT_FOUND');
  });

  test('a queued trial takes no observation, heartbeat or report until a suggest hands it out', async () => {
    h = startHarness();
    const id = await study();
    const queued = (await enqueue(id, baseline)).body;
    expectProblem(await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: queued.id, value: 1 }), 409, 'TRIAL_NOT_PENDING');
    expectProblem(await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: queued.id, failed: true }), 409, 'TRIAL_NOT_PENDING');
    expectProblem(await h.request.post(`/v1/studies/${id}/trials/${queued.id}/heartbeat`), 409, 'TRIAL_NOT_PENDING');
    expectProblem(await h.request.post(`/v1/studies/${id}/trials/${queued.id}/report`).send({ step: 1, value: 1 }), 409, 'TRIAL_NOT_PENDING');
    expect((await h.request.get(`/v1/studies/${id}/trials/${queued.id}`)).body.state).toBe('queued');
  });
});

describe('suggest hands queued trials out first', () => {
  test('oldest first, leased like any suggestion, then the engine proposes the rest of a batch', async () => {
    h = startHarness();
    const id = await study();
    const ids = [];
    for (const params of [baseline, paper, third]) ids.push((await enqueue(id, params)).body.id);
    const one = (await suggest(id)).body.trials;
    expect(one).toEqual([expect.objectContaining({ id: ids[0], number: 0, params: baseline, state: 'pending', source: 'queued', leaseExpiresAt: '2026-01-01T01:00:00.000Z' })]);
    const batch = (await suggest(id, 4)).body.trials;
    expect(batch.map((t: { id: string }) => t.id).slice(0, 2)).toEqual([ids[1], ids[2]]);
    expect(batch.map((t: { source: string }) => t.source)).toEqual(['queued', 'queued', 'initial', 'initial']);
    expect(batch.map((t: { number: number }) => t.number)).toEqual([1, 2, 3, 4]);
    const points = new Set([...one, ...batch].map((t: { params: unknown }) => JSON.stringify(t.params)));
    expect(points.size).toBe(5);
    // A handed-out queued trial is an ordinary running trial: observed as any other.
    const done = await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: ids[0], value: 0.3 });
    expect(done.body).toMatchObject({ state: 'completed', value: 0.3, source: 'queued' });
  });

  test('the engine sees the queued trials it hands out as pending points', async () => {
    const { calls, engine } = recordingEngine();
    h = startHarness({ engine });
    const id = await study({ options: { seed: 3, initialTrials: 3 } });
    for (let i = 0; i < 3; i++) {
      const [t] = (await suggest(id)).body.trials;
      await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: t.id, value: i });
    }
    await h.deps.studyLocks.run(id, async () => undefined);
    await enqueue(id, baseline);
    const before = calls.length;
    const batch = (await suggest(id, 2)).body.trials;
    expect(batch.map((t: { source: string }) => t.source)).toEqual(['queued', 'gp-logei']);
    const call = calls[calls.length - 1]!;
    expect(calls.length).toBe(before + 1);
    expect(call.count).toBe(1);
    expect(call.pending).toContainEqual(baseline);
  });

  test.each(['gp', 'random', 'sobol', 'grid'])('with algorithm %s, queued trials come first, then its own points', async (algorithm) => {
    h = startHarness();
    const id = await study({ options: { seed: 2, algorithm } });
    await enqueue(id, baseline);
    const trials = (await suggest(id, 3)).body.trials;
    expect(trials[0]).toMatchObject({ params: baseline, source: 'queued' });
    const own = { gp: 'initial', random: 'random', sobol: 'initial', grid: 'grid' }[algorithm];
    expect(trials.slice(1).map((t: { source: string }) => t.source)).toEqual([own, own]);
    expect(new Set(trials.map((t: { params: unknown }) => JSON.stringify(t.params))).size).toBe(3);
  });

  test('an Idempotency-Key replays the queued trial it handed out', async () => {
    h = startHarness();
    const id = await study();
    const queued = (await enqueue(id, baseline)).body;
    const first = await h.request.post(`/v1/studies/${id}/suggest`).set('Idempotency-Key', 'k1').send({});
    const retry = await h.request.post(`/v1/studies/${id}/suggest`).set('Idempotency-Key', 'k1').send({});
    expect(first.body.trials[0].id).toBe(queued.id);
    expect(retry.body.trials).toEqual(first.body.trials);
    expect((await h.request.get(`/v1/studies/${id}`)).body.trialCounts).toMatchObject({ queued: 0, pending: 1, total: 1 });
  });

  test('queued trials count towards maxTrials: queuing past it is 409, and the study is completed once none is left', async () => {
    h = startHarness();
    const id = await study({ options: { seed: 1, maxTrials: 2 } });
    await enqueue(id, baseline);
    await enqueue(id, paper);
    const over = await enqueue(id, third);
    expectProblem(over, 409, 'STUDY_COMPLETE');
    expect((await h.request.get(`/v1/studies/${id}`)).body.state).toBe('active');
    const tooMany = await suggest(id, 3);
    expectProblem(tooMany, 409, 'STUDY_COMPLETE');
    expect(tooMany.body.detail).toBe('the study has 2 of its 2 trials (2 of them queued); 2 more may be asked for, not 3');
    expect((await suggest(id, 2)).body.trials.map((t: { source: string }) => t.source)).toEqual(['queued', 'queued']);
    expect((await h.request.get(`/v1/studies/${id}`)).body.state).toBe('completed');
    expectProblem(await suggest(id), 409, 'STUDY_COMPLETE');
  });

  test('queued trials count towards maxConcurrentTrials once handed out', async () => {
    h = startHarness();
    const id = await study({ options: { seed: 1, maxConcurrentTrials: 1 } });
    await enqueue(id, baseline);
    await enqueue(id, paper);
    expectProblem(await suggest(id, 2), 429, 'CONCURRENCY_LIMIT');
    expect((await suggest(id)).body.trials[0].params).toEqual(baseline);
    expectProblem(await suggest(id), 429, 'CONCURRENCY_LIMIT');
  });

  test('a queued trial deleted while its suggest waits for the study is not handed out', async () => {
    h = startHarness();
    const id = await study();
    const queued = (await enqueue(id, baseline)).body;
    let release!: () => void;
    const held = h.deps.studyLocks.run(id, () => new Promise<void>((r) => (release = r)));
    const waiting = suggest(id);
    await new Promise((r) => setTimeout(r, 20));
    expect((await h.request.delete(`/v1/studies/${id}/trials/${queued.id}`)).status).toBe(204);
    release();
    await held;
    const [trial] = (await waiting).body.trials;
    expect(trial.source).toBe('initial');
    expect(trial.id).not.toBe(queued.id);
  });
});

describe('two workers never get the same queued configuration', () => {
  const points = Array.from({ length: 6 }, (_, i) => ({ lr: 10 ** -(1 + i * 0.5), layers: 1 + i, batch: 32, optimizer: 'sgd' }));

  test('12 concurrent suggests on one study: the 6 queued trials go to 6 of them, each once', async () => {
    h = startHarness();
    const id = await study();
    const queued = [];
    for (const p of points) queued.push((await enqueue(id, p)).body.id);
    const answers = await Promise.all(Array.from({ length: 12 }, () => suggest(id)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    const trials = answers.map((a) => a.body.trials[0]);
    const handed = trials.filter((t) => t.source === 'queued').map((t) => t.id);
    expect(handed.sort()).toEqual([...queued].sort());
    expect(new Set(trials.map((t) => t.id)).size).toBe(12);
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(12);
  });

  test('two server processes on one database file hand each queued trial out once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posterior-queue-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`, ENGINE_THREADS: '1', ENGINE_EXPRESS_THREAD: '0' };
    const a = await startServer(env);
    const b = await startServer(env);
    try {
      const id = (await json(`${a.url}/v1/studies`, 'POST', studyBody({ name: 'shared' }))).body.id as string;
      const queued: string[] = [];
      for (const p of points) queued.push((await json(`${b.url}/v1/studies/${id}/trials`, 'POST', { params: p })).body.id);
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => json(`${(i % 2 ? a : b).url}/v1/studies/${id}/suggest`, 'POST', {})));
      expect(answers.map((r) => r.status)).toEqual(Array(16).fill(200));
      const trials = answers.map((r) => r.body.trials[0]);
      expect(trials.filter((t) => t.source === 'queued').map((t) => t.id).sort()).toEqual([...queued].sort());
      expect(new Set(trials.map((t) => t.id)).size).toBe(16);
      const all = await json(`${a.url}/v1/studies/${id}/trials?limit=1000`);
      expect(all.body.trials).toHaveLength(16);
      expect(all.body.trials.every((t: { state: string }) => t.state === 'pending')).toBe(true);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
