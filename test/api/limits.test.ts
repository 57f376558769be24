/** Bounded work (issue 10): configurable limits, the engine's deadline, cancellation and the stateless lane's bound. */
import { afterEach, describe, expect, test } from 'vitest';
import type { EngineInput } from '../../src/bo/engine.js';
import type { Engine } from '../../src/domain/ports.js';
import { createEnginePool, type EnginePool } from '../../src/workers/engine-pool.js';
import { inProcessEngine } from '../../src/workers/in-process-engine.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
let pool: EnginePool | undefined;
afterEach(async () => {
  h?.close();
  h = undefined;
  await pool?.close();
  pool = undefined;
});

const minimize = { goal: 'minimize' };
const floats = (d: number) => Array.from({ length: d }, (_, i) => ({ name: `x${i}`, type: 'float', low: 0, high: 1 }));
/** 75 floats and 25 categoricals of 1,000 choices: a few seconds per suggestion without a deadline. */
const wideSpace = [
  ...floats(75),
  ...Array.from({ length: 25 }, (_, i) => ({ name: `c${i}`, type: 'categorical', choices: Array.from({ length: 1000 }, (_, k) => `v${k}`) })),
];
const wideObservations = Array.from({ length: 5 }, (_, r) => ({
  params: Object.fromEntries(wideSpace.map((p, j) => [p.name, p.type === 'float' ? ((r * 7 + j * 3) % 11) / 11 : `v${(r * 131 + j * 17) % 1000}`])),
  value: r,
}));

describe('limits', () => {
  test('a study over the parameter or level limits is 422 LIMIT_EXCEEDED with a pointer to each field', async () => {
    h = startHarness({ limits: { parameters: 3, levels: 4 } });
    const tooMany = await h.request.post('/v1/studies').send({ name: 'a', parameters: floats(4), objective: minimize });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'LIMIT_EXCEEDED', errors: [{ pointer: '#/parameters' }] });
    const tooWide = await h.request.post('/v1/studies').send({
      name: 'b',
      parameters: [
        { name: 'c', type: 'categorical', choices: ['a', 'b', 'c', 'd', 'e'] },
        { name: 'o', type: 'ordinal', values: [1, 2, 3, 4, 5] },
      ],
      objective: minimize,
    });
    expect(tooWide.status).toBe(422);
    expect(tooWide.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/parameters/0/choices', '#/parameters/1/values']);
    expect((await h.request.post('/v1/studies').send({ name: 'c', parameters: floats(3), objective: minimize })).status).toBe(201);
  });

  test('a suggest count over the limit is 422 LIMIT_EXCEEDED on both suggest endpoints, and nothing is leased', async () => {
    h = startHarness({ limits: { suggestCount: 4 } });
    const id = (await h.request.post('/v1/studies').send({ name: 's', parameters: floats(2), objective: minimize })).body.id;
    const study = await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 5 });
    expect(study.status).toBe(422);
    expect(study.body).toMatchObject({ code: 'LIMIT_EXCEEDED', errors: [{ pointer: '#/count' }] });
    expect((await h.request.get(`/v1/studies/${id}`)).body.trialCounts.total).toBe(0);
    const stateless = await h.request.post('/v1/suggest').send({ parameters: floats(2), objective: minimize, observations: [], count: 5 });
    expect(stateless.status).toBe(422);
    expect(stateless.body.code).toBe('LIMIT_EXCEEDED');
  });

  test('a stateless body over the observation limit is 422 LIMIT_EXCEEDED at #/observations', async () => {
    h = startHarness({ limits: { statelessObservations: 3 } });
    const observations = [0.1, 0.2, 0.3, 0.4].map((x) => ({ params: { x0: x }, value: x }));
    const res = await h.request.post('/v1/suggest').send({ parameters: floats(1), objective: minimize, observations });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'LIMIT_EXCEEDED', errors: [{ pointer: '#/observations' }] });
  });

  test('above the model limit the engine is given the best half and the most recent observations, and told the total', async () => {
    const seen: EngineInput[] = [];
    h = startHarness({
      limits: { modelObservations: 10 },
      engine: (input, call) => {
        seen.push(input);
        return inProcessEngine(input, call);
      },
    });
    const observations = Array.from({ length: 30 }, (_, i) => ({ params: { x0: (i * 0.37) % 1 }, value: (i * 7) % 30 }));
    const res = await h.request.post('/v1/suggest').send({ parameters: floats(1), objective: minimize, observations });
    expect(res.status).toBe(200);
    const [input] = seen;
    expect(input!.observations).toHaveLength(10);
    expect(input!.totalObservations).toBe(30);
    const values = input!.observations.map((o) => o.value);
    for (const v of [0, 1, 2, 3, 4]) expect(values).toContain(v);
    expect(values.slice(-5)).toEqual(observations.slice(-5).map((o) => o.value));
  });
});

describe('the engine deadline', () => {
  test('a wide batch past its deadline answers 200: model points first, the rest random-fallback, counted and logged', async () => {
    h = startHarness({ limits: { engineDeadlineMs: 300 } });
    const res = await h.request
      .post('/v1/suggest')
      .send({ parameters: wideSpace, objective: minimize, observations: wideObservations, count: 6, initialTrials: 5 });
    expect(res.status).toBe(200);
    const sources = res.body.suggestions.map((s: { source: string }) => s.source);
    expect(sources).toHaveLength(6);
    expect(sources[0]).toBe('gp-logei');
    expect(sources).toContain('random-fallback');
    expect(sources.indexOf('random-fallback')).toBeGreaterThan(sources.lastIndexOf('gp-logei'));
    expect(h.warnings).toEqual([expect.objectContaining({ obj: expect.objectContaining({ reason: 'deadline' }) })]);
    expect((await h.metrics.registry.metrics())).toMatch(/posterior_suggestion_fallbacks_total\{reason="deadline"\} 1/);
  }, 60_000);
});

describe('cancellation', () => {
  /** An engine that waits until the call is cancelled (or 10 s), then records whether it was. */
  function waitingEngine(): { engine: Engine; cancelled: boolean[] } {
    const cancelled: boolean[] = [];
    const engine: Engine = async (input, call) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        call.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      cancelled.push(call.signal?.aborted ?? false);
      return inProcessEngine(input, call);
    };
    return { engine, cancelled };
  }

  test("a client that leaves mid-suggest cancels the engine's work and leases nothing", async () => {
    const { engine, cancelled } = waitingEngine();
    h = startHarness({ engine });
    const id = (await h.request.post('/v1/studies').send({ name: 's', parameters: floats(2), objective: minimize, options: { initialTrials: 2 } })).body.id;
    // One design trial observed, one still running: so nothing is prepared in the background.
    const design = (await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 2 })).body.trials;
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: design[0].id, value: 1 });
    const before = (await h.request.get(`/v1/studies/${id}`)).body.trialCounts.total;
    const leaving = h.request.post(`/v1/studies/${id}/suggest`).send({}).timeout(300);
    await expect(leaving).rejects.toThrow();
    await h.deps.studyLocks.run(id, async () => undefined);
    expect(cancelled).toContain(true);
    expect((await h.request.get(`/v1/studies/${id}`)).body.trialCounts.total).toBe(before);
  });

  test('a stateless client that leaves cancels its engine call', async () => {
    const { engine, cancelled } = waitingEngine();
    h = startHarness({ engine });
    const observations = [0.1, 0.5, 0.9].map((x) => ({ params: { x0: x, x1: x }, value: x }));
    await expect(
      h.request.post('/v1/suggest').send({ parameters: floats(2), objective: minimize, observations, initialTrials: 2 }).timeout(300),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelled).toEqual([true]);
  });
});

describe('fair scheduling', () => {
  test('a light study is served in its usual turn while two wide stateless suggests hold the engine', async () => {
    pool = createEnginePool({ threads: 2 });
    h = startHarness({ engine: pool.run, limits: { engineDeadlineMs: 3000 } });
    const light = (await h.request.post('/v1/studies').send({ name: 'light', parameters: floats(3), objective: minimize, options: { initialTrials: 3 } })).body.id;
    for (const t of (await h.request.post(`/v1/studies/${light}/suggest`).send({ count: 3 })).body.trials) {
      await h.request.post(`/v1/studies/${light}/observe`).send({ trialId: t.id, value: t.params.x0 });
    }
    const order: string[] = [];
    const wide = { parameters: wideSpace, objective: minimize, observations: wideObservations, count: 8, initialTrials: 5 };
    const stateless = [0, 1].map((i) => h!.request.post('/v1/suggest').send(wide).then((r) => order.push(`stateless ${i}: ${r.status}`)));
    await new Promise((r) => setTimeout(r, 200));
    // Five GP rounds of the light study, each a suggest and an observe, while both wide calls run or wait.
    for (let round = 0; round < 5; round++) {
      const { body } = await h.request.post(`/v1/studies/${light}/suggest`).send({});
      expect(body.trials[0].source).toBe('gp-logei');
      await h.request.post(`/v1/studies/${light}/observe`).send({ trialId: body.trials[0].id, value: body.trials[0].params.x0 });
    }
    order.push('light done');
    await Promise.all(stateless);
    expect(order[0]).toBe('light done');
    expect(order.slice(1).sort()).toEqual(['stateless 0: 200', 'stateless 1: 200']);
  }, 60_000);
});

describe('the stateless lane', () => {
  test('answers 429 ENGINE_BUSY with Retry-After when its queue is full, while studies are still served', async () => {
    pool = createEnginePool({ threads: 1, statelessQueue: 0 });
    h = startHarness({ engine: pool.run, limits: { engineDeadlineMs: 1500 } });
    const body = { parameters: wideSpace, objective: minimize, observations: wideObservations, count: 8, initialTrials: 5 };
    const first = h.request.post('/v1/suggest').send(body).then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    const second = await h.request.post('/v1/suggest').send(body);
    expect(second.status).toBe(429);
    expect(second.body.code).toBe('ENGINE_BUSY');
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await first).status).toBe(200);
  }, 60_000);
});
