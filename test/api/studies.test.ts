import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mixedSpace, startHarness, studyBody, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => h.close());

const expectProblem = (res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
  expect(typeof res.body.title).toBe('string');
  expect(String(res.body.type)).toMatch(/^\/docs\/errors#/);
};

describe('POST /v1/studies', () => {
  test('creates a study with all four parameter types and fills in the defaults', async () => {
    const res = await h.request.post('/v1/studies').send(studyBody());
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/studies/${res.body.id}`);
    expect(res.body).toMatchObject({
      name: 'mnist',
      objective: { name: 'value', goal: 'minimize' },
      options: { seed: 7, initialTrials: 10, leaseSeconds: 3600 },
      state: 'active',
      trialCounts: { pending: 0, completed: 0, failed: 0, stale: 0, total: 0 },
    });
    expect(res.body.parameters[1]).toEqual({ name: 'layers', type: 'int', low: 1, high: 8, log: false });
  });

  test('draws a seed when none is given and keeps it', async () => {
    const res = await h.request.post('/v1/studies').send({ ...studyBody(), options: undefined });
    expect(res.status).toBe(201);
    expect(Number.isInteger(res.body.options.seed)).toBe(true);
    const again = await h.request.get(`/v1/studies/${res.body.id}`);
    expect(again.body.options.seed).toBe(res.body.options.seed);
  });

  test('returns the existing study with 200 when the same definition is posted again', async () => {
    const first = await h.request.post('/v1/studies').send(studyBody());
    const second = await h.request.post('/v1/studies').send(studyBody({ options: undefined }));
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });

  test('answers 409 STUDY_NAME_CONFLICT when the name exists with another definition', async () => {
    await h.request.post('/v1/studies').send(studyBody());
    const res = await h.request.post('/v1/studies').send(studyBody({ objective: { goal: 'maximize' } }));
    expectProblem(res, 409, 'STUDY_NAME_CONFLICT');
    const other = await h.request.post('/v1/studies').send(studyBody({ options: { seed: 8 } }));
    expectProblem(other, 409, 'STUDY_NAME_CONFLICT');
  });

  const badSpaces: [string, unknown[], string][] = [
    ['low >= high', [{ name: 'x', type: 'float', low: 1, high: 1 }], '#/parameters/0/high'],
    ['log with low <= 0', [{ name: 'x', type: 'float', low: 0, high: 1, log: true }], '#/parameters/0/low'],
    ['log int with low <= 0', [{ name: 'x', type: 'int', low: -1, high: 4, log: true }], '#/parameters/0/low'],
    ['empty choices', [{ name: 'c', type: 'categorical', choices: [] }], '#/parameters/0/choices'],
    ['duplicate choices', [{ name: 'c', type: 'categorical', choices: ['a', 'b', 'a'] }], '#/parameters/0/choices/2'],
    ['empty ordinal values', [{ name: 'o', type: 'ordinal', values: [] }], '#/parameters/0/values'],
    ['unsorted ordinal values', [{ name: 'o', type: 'ordinal', values: [1, 4, 2] }], '#/parameters/0/values/2'],
    [
      'duplicate parameter names',
      [
        { name: 'x', type: 'float', low: 0, high: 1 },
        { name: 'x', type: 'int', low: 0, high: 3 },
      ],
      '#/parameters/1/name',
    ],
    ['no parameters', [], '#/parameters'],
  ];
  test.each(badSpaces)('answers 422 INVALID_SEARCH_SPACE for %s, pointing at the field', async (_name, parameters, pointer) => {
    const res = await h.request.post('/v1/studies').send(studyBody({ parameters }));
    expectProblem(res, 422, 'INVALID_SEARCH_SPACE');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    const list = await h.request.get('/v1/studies');
    expect(list.body.studies).toHaveLength(0);
  });

  test('answers 422 INVALID_SEARCH_SPACE for a non-finite bound (1e999 parses to Infinity)', async () => {
    const res = await h.request
      .post('/v1/studies')
      .set('content-type', 'application/json')
      .send('{"name":"n","objective":{"goal":"minimize"},"parameters":[{"name":"x","type":"float","low":0,"high":1e999}]}');
    expect(res.status).toBe(422);
    expect(['INVALID_SEARCH_SPACE', 'VALIDATION_FAILED']).toContain(res.body.code);
    expect(JSON.stringify(res.body.errors)).toContain('#/parameters/0/high');
  });

  const schemaViolations: [string, Record<string, unknown>, string][] = [
    ['a missing name', { name: undefined }, '#/name'],
    ['an unknown goal', { objective: { goal: 'minimise' } }, '#/objective/goal'],
    ['an unknown parameter type', { parameters: [{ name: 'x', type: 'double', low: 0, high: 1 }] }, '#/parameters/0'],
    ['a non-integer int bound', { parameters: [{ name: 'x', type: 'int', low: 0.5, high: 3 }] }, '#/parameters/0/low'],
    ['an unknown option', { options: { seeed: 1 } }, '#/options/seeed'],
    ['a negative lease', { options: { leaseSeconds: -1 } }, '#/options/leaseSeconds'],
  ];
  test.each(schemaViolations)('answers 422 VALIDATION_FAILED for %s, pointing at the field', async (_name, overrides, pointer) => {
    const res = await h.request.post('/v1/studies').send(studyBody(overrides));
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });

  test('answers 400 MALFORMED_JSON for a body that is not JSON', async () => {
    const res = await h.request.post('/v1/studies').set('content-type', 'application/json').send('{"name": ');
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  test('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MiB', async () => {
    const res = await h.request.post('/v1/studies').send(studyBody({ name: 'x'.repeat(1024 * 1024 + 10) }));
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON-typed', async () => {
    const res = await h.request.post('/v1/studies').set('content-type', 'text/plain').send('name=mnist');
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /v1/studies', () => {
  test('pages through studies in creation order', async () => {
    for (let i = 0; i < 5; i++) await h.request.post('/v1/studies').send(studyBody({ name: `s${i}` }));
    const first = await h.request.get('/v1/studies?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.studies.map((s: { name: string }) => s.name)).toEqual(['s0', 's1']);
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.request.get(`/v1/studies?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      names.push(...res.body.studies.map((s: { name: string }) => s.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(names).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  test('answers 422 for a limit out of range and for a forged cursor', async () => {
    const limit = await h.request.get('/v1/studies?limit=0');
    expectProblem(limit, 422, 'VALIDATION_FAILED');
    expect(limit.body.errors[0].parameter).toBe('limit');
    const cursor = await h.request.get('/v1/studies?cursor=abc');
    expectProblem(cursor, 422, 'VALIDATION_FAILED');
    expect(cursor.body.errors[0].parameter).toBe('cursor');
  });
});

describe('GET and DELETE /v1/studies/{studyId}', () => {
  test('reads a study, deletes it with its trials, and then no longer finds it', async () => {
    const { body: study } = await h.request.post('/v1/studies').send(studyBody());
    await h.request.post(`/v1/studies/${study.id}/suggest`).send({ count: 3 });
    const got = await h.request.get(`/v1/studies/${study.id}`);
    expect(got.status).toBe(200);
    expect(got.body.trialCounts).toMatchObject({ pending: 3, total: 3 });
    expect((await h.request.delete(`/v1/studies/${study.id}`)).status).toBe(204);
    expectProblem(await h.request.get(`/v1/studies/${study.id}`), 404, 'STUDY_NOT_FOUND');
    expect(h.db.prepare('SELECT COUNT(*) AS n FROM trials').get()).toEqual({ n: 0 });
  });

  test('says when a trial was last created, completed or reported (lastActivityAt), and nothing before the first trial', async () => {
    const { body: study } = await h.request.post('/v1/studies').send(studyBody());
    expect(study.lastActivityAt).toBeUndefined();
    const at = () => h.request.get(`/v1/studies/${study.id}`).then((r) => r.body.lastActivityAt);
    const created = new Date(h.clock.now()).toISOString();
    const trial = (await h.request.post(`/v1/studies/${study.id}/suggest`).send({})).body.trials[0];
    expect(await at()).toBe(created);
    h.clock.advance(60_000);
    await h.request.post(`/v1/studies/${study.id}/trials/${trial.id}/report`).send({ step: 1, value: 0.5 });
    expect(await at()).toBe(new Date(h.clock.now()).toISOString());
    h.clock.advance(60_000);
    await h.request.post(`/v1/studies/${study.id}/observe`).send({ trialId: trial.id, value: 0.4 });
    const completed = new Date(h.clock.now()).toISOString();
    expect(await at()).toBe(completed);
    expect((await h.request.get('/v1/studies')).body.studies[0].lastActivityAt).toBe(completed);
  });

  test('answers 404 STUDY_NOT_FOUND for an unknown id', async () => {
    expectProblem(await h.request.get('/v1/studies/st_nope'), 404, 'STUDY_NOT_FOUND');
    expectProblem(await h.request.delete('/v1/studies/st_nope'), 404, 'STUDY_NOT_FOUND');
  });
});

describe('routing', () => {
  test('answers 404 NOT_FOUND for an unknown route and 405 for a wrong method', async () => {
    expectProblem(await h.request.get('/v1/nothing'), 404, 'NOT_FOUND');
    const res = await h.request.put('/v1/studies');
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
  });

  test('echoes a caller-supplied X-Request-Id and makes one up otherwise', async () => {
    const given = await h.request.get('/healthz').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await h.request.get('/healthz');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

export { mixedSpace };
