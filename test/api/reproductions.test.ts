/**
 * The reproductions of issue 10 that concern what a study may hold and what the engine
 * answers: each failed (hung, 500 or broke the contract) on de3b71f.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => h.close());

const minimize = { goal: 'minimize' };

describe('a float range that holds only a few representable doubles', () => {
  test('a study over two adjacent doubles hands out both, then answers 409 SEARCH_SPACE_EXHAUSTED instead of hanging', async () => {
    const created = await h.request
      .post('/v1/studies')
      .send({ name: 'two-doubles', parameters: [{ name: 'x', type: 'float', low: 1, high: 1.0000000000000002 }], objective: minimize });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const first = await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 2 });
    expect(first.status).toBe(200);
    expect(first.body.trials.map((t: { params: { x: number } }) => t.params.x).sort()).toEqual([1, 1.0000000000000002]);
    const third = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('SEARCH_SPACE_EXHAUSTED');
    expect((await h.request.get('/healthz')).status).toBe(200);
  });

  test('after the two points are observed, the GP path also ends in 409, not a hang or a fallback', async () => {
    const created = await h.request
      .post('/v1/studies')
      .send({
        name: 'two-doubles-gp',
        parameters: [{ name: 'x', type: 'float', low: 1, high: 1.0000000000000002 }],
        objective: minimize,
        options: { initialTrials: 2 },
      });
    const id = created.body.id as string;
    const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 2 });
    for (const [i, t] of (body.trials as { id: string }[]).entries()) {
      expect((await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: t.id, value: i })).status).toBe(200);
    }
    const next = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    expect(next.status).toBe(409);
    expect(next.body.code).toBe('SEARCH_SPACE_EXHAUSTED');
    expect(h.warnings).toEqual([]);
    expect(await fallbacks(h)).toBe(0);
  });

  test('the stateless endpoint over [0, 5e-324] answers 409 for three points instead of hanging', async () => {
    const res = await h.request.post('/v1/suggest').send({
      parameters: [{ name: 'x', type: 'float', low: 0, high: 5e-324 }],
      objective: minimize,
      observations: [],
      count: 3,
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SEARCH_SPACE_EXHAUSTED');
  });

  test('the stateless endpoint over [0, 5e-324] suggests its two points', async () => {
    const res = await h.request.post('/v1/suggest').send({
      parameters: [{ name: 'x', type: 'float', low: 0, high: 5e-324 }],
      objective: minimize,
      observations: [],
      count: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body.suggestions.map((s: { params: { x: number } }) => s.params.x).sort()).toEqual([0, 5e-324]);
  });
});

describe('studies that were accepted but could not be used', () => {
  test('a float range wider than a double can hold is refused at creation with a pointer', async () => {
    const res = await h.request
      .post('/v1/studies')
      .send({ name: 'huge', parameters: [{ name: 'x', type: 'float', low: -1e308, high: 1e308 }], objective: minimize });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('INVALID_SEARCH_SPACE');
    expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '#/parameters/0/high' })]);
  });

  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'a parameter named %s is suggested, observed and exported like any other',
    async (name) => {
      const parameters = [
        { name, type: 'float', low: 0, high: 1 },
        { name: 'y', type: 'categorical', choices: ['a', 'b'] },
      ];
      const created = await h.request.post('/v1/studies').send({ name: `study-${name}`, parameters, objective: minimize, options: { initialTrials: 2 } });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      for (let i = 0; i < 4; i++) {
        const res = await h.request.post(`/v1/studies/${id}/suggest`).send({});
        expect(res.status).toBe(200);
        const [trial] = res.body.trials;
        expect(Object.keys(trial.params).sort()).toEqual([name, 'y'].sort());
        expect(typeof trial.params[name]).toBe('number');
        expect((await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: trial.id, value: i })).status).toBe(200);
      }
      expect(h.warnings).toEqual([]);
      const external = await h.request.post(`/v1/studies/${id}/observe`).send({ params: JSON.parse(`{"${name}": 0.5, "y": "b"}`), value: 9 });
      expect(external.status).toBe(201);
      expect(external.body.params[name]).toBe(0.5);
      const csv = await h.request.get(`/v1/studies/${id}/export?format=csv`);
      expect(csv.status).toBe(200);
      expect(csv.text.split('\n')[0]).toContain(`params.${name}`);
    },
  );
});

describe('parameters that are not objects', () => {
  test.each([['"true"'], ['1'], ['null'], ['[]'], ['{}']])('parameters: [%s] is a 422 with a pointer, not a 500', async (item) => {
    const study = await h.request
      .post('/v1/studies')
      .set('content-type', 'application/json')
      .send(`{"name":"s","parameters":[${item}],"objective":{"goal":"minimize"}}`);
    expect(study.status).toBe(422);
    expect(study.body.errors.some((e: { pointer?: string }) => e.pointer?.startsWith('#/parameters/0'))).toBe(true);
    const stateless = await h.request
      .post('/v1/suggest')
      .set('content-type', 'application/json')
      .send(`{"parameters":[${item}],"objective":{"goal":"minimize"},"observations":[]}`);
    expect(stateless.status).toBe(422);
  });
});

describe('bodies where the contract declares none', () => {
  test('a GET or DELETE with a malformed JSON body is served as if it had none, not answered with an undocumented 400', async () => {
    const list = await h.request.get('/v1/studies').set('content-type', 'application/json').send('{"broken');
    expect(list.status).toBe(200);
    const id = (await h.request.post('/v1/studies').send({ name: 'g', parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: minimize })).body.id;
    const removed = await h.request.delete(`/v1/studies/${id}`).set('content-type', 'application/json').send('{"broken');
    expect(removed.status).toBe(204);
  });
});

describe('observed values at the edge of the double range', () => {
  test.each([1e300, -1e300, 1.7e308])('values near %s give finite predictions or a counted fallback, never nulls', async (scale) => {
    const parameters = [{ name: 'x', type: 'float', low: 0, high: 1 }];
    const observations = [0.1, 0.3, 0.5, 0.7, 0.9].map((x, i) => ({ params: { x }, value: (i % 2 === 0 ? 1 : -1) * scale * (0.5 + x / 2) }));
    const res = await h.request.post('/v1/suggest').send({ parameters, objective: minimize, observations, count: 2 });
    expect(res.status).toBe(200);
    for (const s of res.body.suggestions) {
      if (s.source === 'gp-logei') {
        expect(Number.isFinite(s.prediction.mean)).toBe(true);
        expect(Number.isFinite(s.prediction.std)).toBe(true);
        expect(Number.isFinite(s.acquisition)).toBe(true);
      } else {
        expect(s.source).toBe('random-fallback');
      }
    }
  });

  test('a stored study with such values never stores a null prediction', async () => {
    const created = await h.request
      .post('/v1/studies')
      .send({ name: 'edge', parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: minimize, options: { initialTrials: 4 } });
    const id = created.body.id as string;
    for (let i = 0; i < 6; i++) {
      const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({});
      const value = (i % 2 === 0 ? 1 : -1) * 1.5e308 * (0.5 + body.trials[0].params.x / 2);
      expect((await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: body.trials[0].id, value })).status).toBe(200);
    }
    const stored = h.db
      .prepare("SELECT prediction_mean AS mean, prediction_std AS std, acquisition FROM trials WHERE source = 'gp-logei'")
      .all() as { mean: number | null; std: number | null; acquisition: number | null }[];
    for (const row of stored) {
      expect(Number.isFinite(row.mean)).toBe(true);
      expect(Number.isFinite(row.std)).toBe(true);
      expect(Number.isFinite(row.acquisition)).toBe(true);
    }
  });
});

describe('an exhausted finite space', () => {
  test('answers 409 without logging a GP failure or counting a fallback', async () => {
    const created = await h.request
      .post('/v1/studies')
      .send({ name: 'tiny', parameters: [{ name: 'k', type: 'int', low: 0, high: 2 }], objective: minimize, options: { initialTrials: 1 } });
    const id = created.body.id as string;
    const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: body.trials[0].id, value: 1 });
    // Two points are left and three are asked for: the engine's batch runs out part-way.
    const res = await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 3 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SEARCH_SPACE_EXHAUSTED');
    expect(h.warnings).toEqual([]);
    expect(await fallbacks(h)).toBe(0);
  });
});

async function fallbacks(harness: Harness): Promise<number> {
  const text = await harness.metrics.registry.metrics();
  return [...text.matchAll(/^posterior_suggestion_fallbacks_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}
