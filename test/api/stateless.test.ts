import { afterEach, beforeEach, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => h.close());

const parameters = [
  { name: 'x', type: 'float', low: -1, high: 1 },
  { name: 'opt', type: 'categorical', choices: ['a', 'b'] },
];
const observations = [
  { params: { x: -0.9, opt: 'a' }, value: 3 },
  { params: { x: -0.2, opt: 'b' }, value: 1.2 },
  { params: { x: 0.1, opt: 'a' }, value: 0.4 },
  { params: { x: 0.5, opt: 'b' }, value: 0.9 },
  { params: { x: 0.9, opt: 'a' }, value: 2.5 },
  { params: { x: 0.3, opt: 'a' }, value: 0.2 },
];
const body = { parameters, objective: { goal: 'minimize' }, observations, count: 2 };

test('suggests from the body alone, with the GP, and stores nothing', async () => {
  const res = await h.request.post('/v1/suggest').send(body);
  expect(res.status).toBe(200);
  expect(res.body.suggestions).toHaveLength(2);
  for (const s of res.body.suggestions) {
    expect(s.source).toBe('gp-logei');
    expect(Number.isFinite(s.prediction.mean)).toBe(true);
    expect(observations.map((o) => JSON.stringify(o.params))).not.toContain(JSON.stringify(s.params));
  }
  expect(h.db.prepare('SELECT COUNT(*) AS n FROM trials').get()).toEqual({ n: 0 });
  expect(h.db.prepare('SELECT COUNT(*) AS n FROM studies').get()).toEqual({ n: 0 });
});

test('the same body gives the same suggestions, and pending points move them', async () => {
  const a = await h.request.post('/v1/suggest').send(body);
  const b = await h.request.post('/v1/suggest').send(body);
  expect(b.body).toEqual(a.body);
  const pending = [a.body.suggestions[0].params];
  const c = await h.request.post('/v1/suggest').send({ ...body, count: 1, pending });
  expect(c.body.suggestions[0].params).not.toEqual(a.body.suggestions[0].params);
});

test('with fewer observations than the initial design it answers design points', async () => {
  const res = await h.request.post('/v1/suggest').send({ parameters, objective: { goal: 'maximize' }, observations: [], count: 3 });
  expect(res.status).toBe(200);
  expect(res.body.suggestions.map((s: { source: string }) => s.source)).toEqual(['initial', 'initial', 'initial']);
});

test('answers 422 INVALID_PARAMS pointing into the observation or pending point that does not fit', async () => {
  const bad = await h.request
    .post('/v1/suggest')
    .send({ ...body, observations: [...observations, { params: { x: 2, opt: 'a' }, value: 1 }], pending: [{ x: 0, opt: 'c' }] });
  expect(bad.status).toBe(422);
  expect(bad.body.code).toBe('INVALID_PARAMS');
  expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/observations/6/params/x', '#/pending/0/opt']);
});

test('answers 422 INVALID_SEARCH_SPACE and VALIDATION_FAILED like study creation does', async () => {
  const space = await h.request.post('/v1/suggest').send({ ...body, parameters: [{ name: 'x', type: 'float', low: 1, high: 0 }] });
  expect(space.body).toMatchObject({ status: 422, code: 'INVALID_SEARCH_SPACE', errors: [{ pointer: '#/parameters/0/high' }] });
  const schema = await h.request.post('/v1/suggest').send({ ...body, observations: undefined });
  expect(schema.body).toMatchObject({ status: 422, code: 'VALIDATION_FAILED', errors: [{ pointer: '#/observations' }] });
});
