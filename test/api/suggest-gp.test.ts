import { afterEach, describe, expect, test } from 'vitest';
import { createEncoding, decode } from '../../src/bo/encoding.js';
import { InvariantError } from '../../src/bo/errors.js';
import { EngineError } from '../../src/bo/engine.js';
import { recordingEngine, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

const quadratic = {
  name: 'quadratic',
  parameters: [
    { name: 'x', type: 'float', low: -2, high: 2 },
    { name: 'y', type: 'float', low: -2, high: 2 },
  ],
  objective: { goal: 'minimize' },
  options: { seed: 11, initialTrials: 5 },
};
const f = (p: { x: number; y: number }) => 100 + (p.x - 0.5) ** 2 + (p.y + 0.25) ** 2;

async function runLoop(h: Harness, studyId: string, steps: number) {
  const trials = [];
  for (let i = 0; i < steps; i++) {
    const { body } = await h.request.post(`/v1/studies/${studyId}/suggest`).send({});
    const trial = body.trials[0];
    await h.request.post(`/v1/studies/${studyId}/observe`).send({ trialId: trial.id, value: f(trial.params) });
    trials.push(trial);
  }
  return trials;
}

describe('the GP engine behind suggest', () => {
  test('takes over after the initial design and explains each suggestion in the objective\'s units', async () => {
    h = startHarness();
    const study = (await h.request.post('/v1/studies').send(quadratic)).body.id;
    const trials = await runLoop(h, study, 12);
    expect(trials.map((t) => t.source)).toEqual([...Array(5).fill('initial'), ...Array(7).fill('gp-logei')]);
    for (const t of trials.slice(5)) {
      expect(t.prediction.mean).toBeGreaterThan(90);
      expect(t.prediction.mean).toBeLessThan(110);
      expect(t.prediction.std).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(t.acquisition)).toBe(true);
    }
    const best = (await h.request.get(`/v1/studies/${study}/best`)).body;
    expect(best.value).toBeLessThan(100.1);
    const stored = (await h.request.get(`/v1/studies/${study}/trials/${trials[8].id}`)).body;
    expect(stored.prediction).toEqual(trials[8].prediction);
  });

  test('same seed and same observations give the same suggestion', async () => {
    h = startHarness();
    const a = (await h.request.post('/v1/studies').send(quadratic)).body.id;
    const b = (await h.request.post('/v1/studies').send({ ...quadratic, name: 'twin' })).body.id;
    const ta = await runLoop(h, a, 8);
    const tb = await runLoop(h, b, 8);
    expect(tb.map((t) => t.params)).toEqual(ta.map((t) => t.params));
  });

  test('a batch that straddles the end of the design is part design, part GP, all distinct', async () => {
    h = startHarness();
    const study = (await h.request.post('/v1/studies').send(quadratic)).body.id;
    await runLoop(h, study, 3);
    const { body } = await h.request.post(`/v1/studies/${study}/suggest`).send({ count: 5 });
    expect(body.trials.map((t: { source: string }) => t.source)).toEqual(['initial', 'initial', 'gp-logei', 'gp-logei', 'gp-logei']);
    expect(new Set(body.trials.map((t: { params: unknown }) => JSON.stringify(t.params))).size).toBe(5);
  });

  test.each([
    ['an EngineError', () => new EngineError('numerical-failure', 'Cholesky gave up'), 'numerical-failure'],
  ])('%s degrades to a random point with a warning and a metric, never a 500', async (_name, error, reason) => {
    h = startHarness({
      engine: () => {
        throw error();
      },
    });
    const study = (await h.request.post('/v1/studies').send(quadratic)).body.id;
    const trials = await runLoop(h, study, 7);
    expect(trials.slice(5).map((t) => t.source)).toEqual(['random-fallback', 'random-fallback']);
    // Counted once per computation, including the one prepared after the last observation.
    await h.deps.studyLocks.run(study, async () => undefined);
    expect(h.warnings).toHaveLength(3);
    for (const w of h.warnings) expect(w).toMatchObject({ obj: { reason, studyId: study } });
    const metrics = await h.request.get('/metrics');
    expect(metrics.text).toContain(`posterior_suggestion_fallbacks_total{reason="${reason}"} 3`);
  });

  test.each([
    ['a TypeError', () => new TypeError('x is undefined')],
    ['a broken shape invariant in bo', () => shapeBug()],
    ['input the engine refuses', () => new EngineError('invalid-input', 'observation 3: "x" is missing')],
  ])('%s is a 500, not hidden behind a random point', async (_name, error) => {
    h = startHarness({
      engine: () => {
        throw error();
      },
    });
    const study = (await h.request.post('/v1/studies').send(quadratic)).body.id;
    await runLoop(h, study, 5);
    const res = await h.request.post(`/v1/studies/${study}/suggest`).send({});
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    expect(h.warnings).toHaveLength(0);
  });

  test('failed trials are left out of the model and never suggested again, until the space runs out', async () => {
    h = startHarness();
    const study = (
      await h.request.post('/v1/studies').send({
        name: 'grid',
        parameters: [
          { name: 'a', type: 'int', low: 0, high: 2 },
          { name: 'b', type: 'categorical', choices: ['p', 'q', 'r'] },
        ],
        objective: { goal: 'maximize' },
        options: { seed: 3, initialTrials: 2 },
      })
    ).body.id;
    const seen = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const res = await h.request.post(`/v1/studies/${study}/suggest`).send({});
      expect(res.status).toBe(200);
      const trial = res.body.trials[0];
      const key = JSON.stringify(trial.params);
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      const body = i % 3 === 1 ? { trialId: trial.id, failed: true } : { trialId: trial.id, value: trial.params.a + (trial.params.b === 'q' ? 1 : 0) };
      await h.request.post(`/v1/studies/${study}/observe`).send(body);
    }
    expect((await h.request.post(`/v1/studies/${study}/suggest`).send({})).body.code).toBe('SEARCH_SPACE_EXHAUSTED');
  });
});

test('the fitted model is stored with the study and warm-starts the next fit from there, not from process memory', async () => {
  const { calls: inputs, engine } = recordingEngine();
  h = startHarness({ engine });
  const study = (await h.request.post('/v1/studies').send(quadratic)).body.id;
  await runLoop(h, study, 7);
  await h.deps.studyLocks.run(study, async () => undefined);
  const stored = h.db.prepare('SELECT model FROM studies WHERE id = ?').get(study) as { model: string };
  const model = JSON.parse(stored.model);
  expect(model.kind).toBe('gp-matern52-v1');
  expect(model.state.logLengthscales).toHaveLength(2);
  expect(inputs[0]!.previous).toBeUndefined();
  // Every later fit starts from the one stored before it: read from the database, not from memory.
  for (const input of inputs.slice(1)) expect(input.previous).toBeDefined();
});

test('failed and stale trials are given to the engine as points to avoid, not as data', async () => {
  const { calls: inputs, engine } = recordingEngine();
  h = startHarness({ engine });
  const study = (await h.request.post('/v1/studies').send(quadratic)).body.id;
  await runLoop(h, study, 5);
  const { body } = await h.request.post(`/v1/studies/${study}/suggest`).send({ count: 2 });
  const [failed, stale] = body.trials;
  await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: failed.id, failed: true });
  h.clock.advance(3600_000);
  await h.request.post(`/v1/studies/${study}/suggest`).send({});
  const last = inputs.at(-1)!;
  expect(last.exclude).toEqual(expect.arrayContaining([failed.params, stale.params]));
  expect(last.pending).toEqual([]);
  expect(last.observations).toHaveLength(5);
});

/** What a shape bug in bo throws: decode given a vector of the wrong length. */
function shapeBug(): unknown {
  try {
    decode(createEncoding([{ name: 'x', type: 'float', low: 0, high: 1 }]), [0.5, 0.5]);
  } catch (e) {
    if (e instanceof InvariantError) return e;
  }
  throw new Error('decode accepted a vector of the wrong length');
}
