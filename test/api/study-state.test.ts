/**
 * Study control (issue 14): `PATCH /v1/studies/{id}` pauses, resumes and completes a study;
 * a study that reached its maxTrials shows `completed`; the list filters by state.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { recordingEngine, startHarness, studyBody, type Harness } from '../support/harness.js';
import { expectProblem } from '../support/problem-assertions.js';

let h: Harness;
afterEach(() => h?.close());


async function study(name = 'mnist', options: Record<string, unknown> = { seed: 7 }): Promise<string> {
  const res = await h.request.post('/v1/studies').send(studyBody({ name, options }));
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const patch = (id: string, body: unknown) => h.request.patch(`/v1/studies/${id}`).send(body as object);
const suggest = (id: string, count = 1) => h.request.post(`/v1/studies/${id}/suggest`).send({ count });

describe('PATCH /v1/studies/{id}', () => {
  test('a new study is active; paused refuses suggest with 409 STUDY_PAUSED while running trials finish; active resumes', async () => {
    h = startHarness();
    const id = await study('control', { seed: 7, earlyStopping: { rule: 'asha', maxStep: 9 } });
    expect((await h.request.get(`/v1/studies/${id}`)).body.state).toBe('active');
    const [a, b, c] = (await suggest(id, 3)).body.trials;
    const paused = await patch(id, { state: 'paused' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id, state: 'paused', trialCounts: { pending: 3 } });
    const refused = await suggest(id);
    expectProblem(refused, 409, 'STUDY_PAUSED');
    expect(refused.body.detail).toContain('PATCH with state active');
    expect((await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: a.id, value: 0.5 })).status).toBe(200);
    expect((await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: b.id, failed: true })).status).toBe(200);
    expect((await h.request.post(`/v1/studies/${id}/trials/${c.id}/heartbeat`)).status).toBe(200);
    expect((await h.request.post(`/v1/studies/${id}/trials/${c.id}/report`).send({ step: 1, value: 0.7 })).status).toBe(200);
    expect((await h.request.get(`/v1/studies/${id}`)).body.state).toBe('paused');
    expect((await patch(id, { state: 'active' })).body.state).toBe('active');
    expect((await suggest(id)).status).toBe(200);
  });

  test('a paused study still answers the retry of a suggest it answered before (same Idempotency-Key)', async () => {
    h = startHarness();
    const id = await study();
    const first = await h.request.post(`/v1/studies/${id}/suggest`).set('Idempotency-Key', 'w1').send({});
    await patch(id, { state: 'paused' });
    const retry = await h.request.post(`/v1/studies/${id}/suggest`).set('Idempotency-Key', 'w1').send({});
    expect(retry.status).toBe(200);
    expect(retry.body.trials).toEqual(first.body.trials);
    expectProblem(await h.request.post(`/v1/studies/${id}/suggest`).set('Idempotency-Key', 'w2').send({}), 409, 'STUDY_PAUSED');
  });

  test('a paused study takes queued trials, and hands them out once resumed', async () => {
    h = startHarness();
    const id = await study();
    await patch(id, { state: 'paused' });
    const params = { lr: 0.001, layers: 4, batch: 64, optimizer: 'adam' };
    const queued = await h.request.post(`/v1/studies/${id}/trials`).send({ params });
    expect(queued.status).toBe(201);
    expectProblem(await suggest(id), 409, 'STUDY_PAUSED');
    await patch(id, { state: 'active' });
    expect((await suggest(id)).body.trials[0]).toMatchObject({ id: queued.body.id, source: 'queued' });
  });

  test('completed refuses suggest and queuing with 409 STUDY_COMPLETE; a study a user completed may be made active again', async () => {
    h = startHarness();
    const id = await study();
    const [running] = (await suggest(id)).body.trials;
    expect((await patch(id, { state: 'completed' })).body.state).toBe('completed');
    const refused = await suggest(id);
    expectProblem(refused, 409, 'STUDY_COMPLETE');
    expect(refused.body.detail).toContain('was marked completed');
    expectProblem(await h.request.post(`/v1/studies/${id}/trials`).send({ params: { lr: 0.001, layers: 4, batch: 64, optimizer: 'adam' } }), 409, 'STUDY_COMPLETE');
    expect((await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: running.id, value: 1 })).status).toBe(200);
    expect((await patch(id, { state: 'active' })).body.state).toBe('active');
    expect((await suggest(id)).status).toBe(200);
  });

  test('a study that reached its maxTrials shows completed, and stays completed: active or paused is 409 STUDY_COMPLETE', async () => {
    h = startHarness();
    const id = await study('capped', { seed: 7, maxTrials: 2 });
    await suggest(id, 2);
    const { body } = await h.request.get(`/v1/studies/${id}`);
    expect(body.state).toBe('completed');
    for (const state of ['active', 'paused']) {
      const res = await patch(id, { state });
      expectProblem(res, 409, 'STUDY_COMPLETE');
      expect(res.body.errors).toEqual([{ pointer: '#/state', detail: `a study that reached its maxTrials cannot be made ${state}` }]);
    }
    expect((await patch(id, { state: 'completed' })).body.state).toBe('completed');
  });

  test('state and metadata in one PATCH apply together, or neither: oversized metadata leaves the state as it was', async () => {
    h = startHarness();
    const id = await study();
    const both = await patch(id, { state: 'paused', metadata: { owner: 'vision' } });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ state: 'paused', metadata: { owner: 'vision' } });
    const tooBig = await patch(id, { state: 'active', metadata: { blob: 'x'.repeat(17 * 1024) } });
    expectProblem(tooBig, 422, 'METADATA_TOO_LARGE');
    expect((await h.request.get(`/v1/studies/${id}`)).body).toMatchObject({ state: 'paused', metadata: { owner: 'vision' } });
    const empty = await patch(id, {});
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ state: 'paused', metadata: { owner: 'vision' } });
  });

  test('setting the state a study has changes nothing', async () => {
    h = startHarness();
    const id = await study();
    const before = (await h.request.get(`/v1/studies/${id}`)).body;
    const same = await patch(id, { state: 'active' });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(before);
  });

  test.each([
    [{ state: 'stopped' }, '#/state'],
    [{ state: 3 }, '#/state'],
    [{ state: 'paused', name: 'renamed' }, undefined],
  ])('a bad body %j is 422 VALIDATION_FAILED, and the study is unchanged', async (body, pointer) => {
    h = startHarness();
    const id = await study();
    const res = await patch(id, body);
    expectProblem(res, 422, 'VALIDATION_FAILED');
    if (pointer) expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
    expect((await h.request.get(`/v1/studies/${id}`)).body).toMatchObject({ name: 'mnist', state: 'active' });
  });

  test('an unknown study is 404 STUDY_NOT_FOUND; a body that is not JSON is 400', async () => {
    h = startHarness();
    expectProblem(await patch('st_nope', { state: 'paused' }), 404, 'STUDY_NOT_FOUND');
    const id = await study();
    expectProblem(await h.request.patch(`/v1/studies/${id}`).set('content-type', 'application/json').send('{"state":'), 400, 'MALFORMED_JSON');
  });

  test('a pause that lands while a suggestion is computed leases nothing: the suggest answers 409 STUDY_PAUSED', async () => {
    const { engine } = recordingEngine(300);
    h = startHarness({ engine });
    const id = await study('slow', { seed: 7, initialTrials: 2 });
    for (let i = 0; i < 2; i++) {
      const [t] = (await suggest(id)).body.trials;
      await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: t.id, value: i });
    }
    await h.deps.studyLocks.run(id, async () => undefined);
    const computing = suggest(id);
    await new Promise((r) => setTimeout(r, 100));
    expect((await patch(id, { state: 'paused' })).status).toBe(200);
    expectProblem(await computing, 409, 'STUDY_PAUSED');
    expect((await h.request.get(`/v1/studies/${id}`)).body.trialCounts).toMatchObject({ pending: 0, total: 2 });
  });
});

describe('GET /v1/studies?state=', () => {
  test('lists only the studies in that state, reached completion included, page by page', async () => {
    h = startHarness();
    const active = await study('a');
    const paused = await study('p');
    const completed = await study('c');
    const capped = await study('capped', { seed: 1, maxTrials: 1 });
    const paused2 = await study('p2');
    await patch(paused, { state: 'paused' });
    await patch(paused2, { state: 'paused' });
    await patch(completed, { state: 'completed' });
    await suggest(capped);
    const ids = async (query: string) => (await h.request.get(`/v1/studies?${query}`)).body.studies.map((s: { id: string }) => s.id);
    expect(await ids('state=active')).toEqual([active]);
    expect(await ids('state=completed')).toEqual([completed, capped]);
    expect(await ids('state=paused')).toEqual([paused, paused2]);
    expect(await ids('')).toEqual([active, paused, completed, capped, paused2]);
    const first = await h.request.get('/v1/studies?state=paused&limit=1');
    expect(first.body.studies.map((s: { id: string }) => s.id)).toEqual([paused]);
    const second = await h.request.get(`/v1/studies?state=paused&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ studies: [{ id: paused2, state: 'paused' }], nextCursor: null });
  });

  test('a capped study with a queued trial left is still active, in the list as on GET', async () => {
    h = startHarness();
    const id = await study('capped', { seed: 1, maxTrials: 1 });
    await h.request.post(`/v1/studies/${id}/trials`).send({ params: { lr: 0.001, layers: 4, batch: 64, optimizer: 'adam' } });
    expect((await h.request.get(`/v1/studies/${id}`)).body.state).toBe('active');
    expect((await h.request.get('/v1/studies?state=active')).body.studies.map((s: { id: string }) => s.id)).toEqual([id]);
    await suggest(id);
    expect((await h.request.get('/v1/studies?state=completed')).body.studies.map((s: { id: string }) => s.id)).toEqual([id]);
  });

  test('an unknown state is 422 VALIDATION_FAILED naming the query parameter', async () => {
    h = startHarness();
    const res = await h.request.get('/v1/studies?state=running');
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ parameter: 'state' })]));
  });
});
