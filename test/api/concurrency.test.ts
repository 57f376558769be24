/**
 * Many workers at once: concurrent suggestions never share a point, within one process
 * and across two server processes on one SQLite file, and GP work runs off the event loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createEnginePool, type EnginePool } from '../../src/workers/engine-pool.js';
import { recordingEngine, startHarness, type Harness } from '../support/harness.js';
import { json, startServer } from '../support/server-process.js';

const space = {
  parameters: [
    { name: 'x', type: 'float', low: 0, high: 1 },
    { name: 'y', type: 'float', low: 0, high: 1 },
    { name: 'k', type: 'int', low: 1, high: 4 },
  ],
  objective: { goal: 'minimize' },
  options: { seed: 5, initialTrials: 6 },
};
const f = (p: Record<string, number>) => (p.x! - 0.3) ** 2 + (p.y! - 0.6) ** 2 + 0.1 * p.k!;

let h: Harness | undefined;
let pool: EnginePool | undefined;
afterEach(async () => {
  h?.close();
  h = undefined;
  await pool?.close();
  pool = undefined;
});

async function warmUp(request: Harness['request'], studyId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const { body } = await request.post(`/v1/studies/${studyId}/suggest`).send({});
    await request.post(`/v1/studies/${studyId}/observe`).send({ trialId: body.trials[0].id, value: f(body.trials[0].params) });
  }
}

describe('concurrent suggestions', () => {
  test('32 concurrent suggest requests on one study lease 32 distinct GP points, all pending', async () => {
    h = startHarness();
    const study = (await h.request.post('/v1/studies').send({ name: 'c', ...space })).body.id;
    await warmUp(h.request, study, 8);
    const answers = await Promise.all(Array.from({ length: 32 }, () => h!.request.post(`/v1/studies/${study}/suggest`).send({})));
    expect(answers.map((a) => a.status)).toEqual(Array(32).fill(200));
    const trials = answers.map((a) => a.body.trials[0]);
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(32);
    expect(new Set(trials.map((t) => t.source))).toEqual(new Set(['gp-logei']));
    const pending = await h.request.get(`/v1/studies/${study}/trials?state=pending&limit=1000`);
    expect(pending.body.trials).toHaveLength(32);
  });

  test('requests that queue up on a busy study are served as batches: fewer model fits than requests', async () => {
    const { calls, engine } = recordingEngine(5);
    h = startHarness({ engine });
    const study = (await h.request.post('/v1/studies').send({ name: 'b', ...space })).body.id;
    await warmUp(h.request, study, 8);
    await h.deps.studyLocks.run(study, async () => undefined);
    const before = calls.length;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => h!.request.post(`/v1/studies/${study}/suggest`).set('Idempotency-Key', `k${i % 6}`).send({})),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    // Requests with the same key get the same trial; the six keys get six distinct points.
    for (let i = 0; i < 6; i++) expect(answers[i + 6]!.body.trials[0].id).toBe(answers[i]!.body.trials[0].id);
    expect(new Set(answers.map((a) => JSON.stringify(a.body.trials[0].params))).size).toBe(6);
    expect(calls.length - before).toBeLessThan(6);
    // Which call batches depends on timing (the first request runs alone); some call must.
    expect(Math.max(...calls.slice(before).map((c) => c.count))).toBeGreaterThan(1);
  });

  test('two server processes on one database file never lease the same point', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posterior-two-'));
    const env = { DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`, ENGINE_THREADS: '1' };
    const a = await startServer(env);
    const b = await startServer(env);
    try {
      const created = await json(`${a.url}/v1/studies`, 'POST', { name: 'shared', ...space });
      const study = created.body.id as string;
      for (let i = 0; i < 8; i++) {
        const s = await json(`${a.url}/v1/studies/${study}/suggest`, 'POST', {});
        await json(`${a.url}/v1/studies/${study}/observe`, 'POST', { trialId: s.body.trials[0].id, value: f(s.body.trials[0].params) });
      }
      const answers = await Promise.all(
        Array.from({ length: 32 }, (_, i) => json(`${(i % 2 ? a : b).url}/v1/studies/${study}/suggest`, 'POST', {})),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(32).fill(200));
      const points = answers.map((r) => JSON.stringify(r.body.trials[0].params));
      expect(new Set(points).size).toBe(32);
      const all = await json(`${b.url}/v1/studies/${study}/trials?limit=1000`);
      expect(all.body.trials).toHaveLength(40);
      expect(new Set(all.body.trials.map((t: { params: unknown }) => JSON.stringify(t.params))).size).toBe(40);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** n completed external trials written straight to the store: HTTP would only make the test slower. */
async function insertObservations(harness: Harness, studyId: string, n: number): Promise<void> {
  const values = Array.from({ length: n }, (_, i) => ({ x: ((i * 0.618) % 1), y: ((i * 0.382) % 1), k: 1 + (i % 4) }));
  await harness.store.transaction(async (tx) => {
    for (const [i, p] of values.entries()) {
      await tx.insertTrial({
        id: `tr_bulk${i}`, studyId, number: i, params: p, paramsKey: `bulk${i}`, state: 'completed', value: f(p),
        failureReason: null, source: 'external', createdAt: 0, completedAt: 0, leaseExpiresAt: null, prediction: null, acquisition: null,
        metadata: {},
      });
    }
  });
}

describe('a responsive server', () => {
  test('an observation on another study completes while a heavy suggestion is computed in a worker thread', async () => {
    pool = createEnginePool({ threads: 1 });
    h = startHarness({ engine: pool.run });
    const heavy = (await h.request.post('/v1/studies').send({ name: 'heavy', ...space, options: { seed: 1, initialTrials: 5 } })).body.id;
    const light = (await h.request.post('/v1/studies').send({ name: 'light', ...space })).body.id;
    await insertObservations(h, heavy, 150);
    const { body } = await h.request.post(`/v1/studies/${light}/suggest`).send({});
    const order: string[] = [];
    const heavySuggest = h.request.post(`/v1/studies/${heavy}/suggest`).send({}).then((r) => {
      order.push('heavy suggest');
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    const observed = await h.request.post(`/v1/studies/${light}/observe`).send({ trialId: body.trials[0].id, value: 1 });
    order.push('light observe');
    expect(observed.status).toBe(200);
    const heavyAnswer = await heavySuggest;
    expect(heavyAnswer.status).toBe(200);
    expect(heavyAnswer.body.trials[0].source).toBe('gp-logei');
    expect(order).toEqual(['light observe', 'heavy suggest']);
  }, 60_000);
});

describe('no wasted refits', () => {
  test('after one new observation the worker keeps θ and extends the study\'s cached factor', async () => {
    pool = createEnginePool({ threads: 1 });
    h = startHarness({ engine: pool.run });
    const study = (await h.request.post('/v1/studies').send({ name: 'warm', ...space })).body.id;
    await insertObservations(h, study, 150);
    const first = await h.request.post(`/v1/studies/${study}/suggest`).send({});
    // Observing it may start preparing the next suggestion in the background; the study's
    // lock waits for that, so the second suggest sees every engine call before it.
    await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: first.body.trials[0].id, value: f(first.body.trials[0].params) });
    await h.deps.studyLocks.run(study, async () => undefined);
    await h.request.post(`/v1/studies/${study}/suggest`).send({});
    const metrics = (await h.request.get('/metrics')).text;
    const sample = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
    // First call: a fit and 150 computed rows. Then one (prepared or requested) call at n = 151
    // keeps θ and reuses 148 rows (150 rounded down to the factor's blocks of four).
    expect(sample('posterior_gp_hyperparameter_fits_total{outcome="fitted"}')).toBe(1);
    expect(sample('posterior_gp_hyperparameter_fits_total{outcome="kept"}')).toBeGreaterThanOrEqual(1);
    expect(sample('posterior_gp_factor_rows_total{outcome="reused"}')).toBeGreaterThanOrEqual(148);
  }, 60_000);
});
