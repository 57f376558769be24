/** Intermediate reports and early stopping (issue 12), through the API. */
import { afterEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

const space = [{ name: 'x', type: 'float', low: 0, high: 1 }];

async function createStudy(options: Record<string, unknown>, name = 's'): Promise<string> {
  const res = await h.request.post('/v1/studies').send({ name, parameters: space, objective: { goal: 'minimize' }, options: { seed: 1, ...options } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function lease(study: string, count = 1): Promise<string[]> {
  const res = await h.request.post(`/v1/studies/${study}/suggest`).send({ count });
  expect(res.status).toBe(200);
  return res.body.trials.map((t: { id: string }) => t.id);
}

const report = (study: string, trial: string, step: number, value: number) =>
  h.request.post(`/v1/studies/${study}/trials/${trial}/report`).send({ step, value });

describe('POST .../report', () => {
  test('without early stopping every report continues, renews the lease, and shows on the trial', async () => {
    h = startHarness();
    const study = await createStudy({});
    const [trial] = await lease(study);
    h.clock.advance(1000);
    const first = await report(study, trial!, 1, 0.9);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ decision: 'continue', step: 1, reason: 'early stopping is off for this study' });
    expect(Date.parse(first.body.trial.leaseExpiresAt)).toBe(Date.parse('2026-01-01T00:00:01Z') + 3600 * 1000);
    await report(study, trial!, 2, 0.7);
    const got = await h.request.get(`/v1/studies/${study}/trials/${trial}`);
    expect(got.body.reports.map((r: { step: number; value: number }) => [r.step, r.value])).toEqual([[1, 0.9], [2, 0.7]]);
    // Observe still completes a trial with reports.
    expect((await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: trial, value: 0.5 })).body.state).toBe('completed');
  });

  test('a retry of the same step and value gets the same answer; another value or an earlier step is a 409', async () => {
    h = startHarness();
    const study = await createStudy({});
    const [trial] = await lease(study);
    const first = await report(study, trial!, 3, 0.5);
    const again = await report(study, trial!, 3, 0.5);
    expect(again.status).toBe(200);
    expect(again.body.decision).toBe(first.body.decision);
    const conflict = await report(study, trial!, 3, 0.6);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'REPORT_STEP_CONFLICT', errors: [{ pointer: '#/value' }] });
    const behind = await report(study, trial!, 2, 0.6);
    expect(behind.status).toBe(409);
    expect(behind.body).toMatchObject({ code: 'REPORT_STEP_BEHIND', errors: [{ pointer: '#/step' }] });
  });

  test('bad reports: a non-finite value is 422, a step below 1 is 422, a finished or stale trial is 409', async () => {
    h = startHarness();
    const study = await createStudy({ leaseSeconds: 10 });
    const [done, stale] = await lease(study, 2);
    const infinite = await h.request
      .post(`/v1/studies/${study}/trials/${done}/report`)
      .set('content-type', 'application/json')
      .send('{"step": 1, "value": 1e999}');
    expect(infinite.status).toBe(422);
    expect(infinite.body.errors).toEqual([expect.objectContaining({ pointer: '#/value' })]);
    expect((await report(study, done!, 0, 1)).status).toBe(422);
    await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: done, value: 1 });
    expect((await report(study, done!, 1, 1)).body.code).toBe('TRIAL_NOT_PENDING');
    h.clock.advance(11_000);
    expect((await report(study, stale!, 1, 1)).body.code).toBe('TRIAL_NOT_PENDING');
  });
});

describe('ASHA', () => {
  test('stops a trial outside the best 1/η at a rung; the stopped trial keeps its value and takes no observation', async () => {
    h = startHarness();
    const study = await createStudy({ initialTrials: 20, earlyStopping: { rule: 'asha', maxStep: 9, reductionFactor: 3, mode: 'aggressive' } });
    const trials = await lease(study, 4);
    // Rung 1 (aggressive: rungs 1 and 3 below maxStep 9), arrivals 0.5, 0.3, 0.6, 0.2.
    const decisions = [];
    for (const [i, v] of [0.5, 0.3, 0.6, 0.2].entries()) decisions.push((await report(study, trials[i]!, 1, v)).body);
    // m = 1: best so far; m = 2 (k = 1): 0.3 beats 0.5; m = 3 (k = 1): 0.6 worse than 0.3; m = 4 (k = 1): 0.2 best.
    expect(decisions.map((d) => d.decision)).toEqual(['continue', 'continue', 'stop', 'continue']);
    expect(decisions[2]).toMatchObject({ rung: 1, trial: { state: 'stopped', value: 0.6 } });
    expect(decisions[2].reason).toMatch(/rung 1 of bracket 0: 3rd of 3/);
    const observe = await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: trials[2], value: 0.1 });
    expect(observe.body.code).toBe('TRIAL_NOT_PENDING');
    // Between rungs: continue without judging.
    expect((await report(study, trials[0]!, 2, 0.45)).body).toMatchObject({ decision: 'continue', reason: 'the next rung of bracket 0 is step 3' });
    const counts = (await h.request.get(`/v1/studies/${study}`)).body.trialCounts;
    expect(counts).toMatchObject({ stopped: 1, pending: 3 });
    const metrics = await h.metrics.registry.metrics();
    expect(metrics).toMatch(/posterior_trials\{state="stopped"\} 1/);
    expect(metrics).toMatch(/posterior_trial_reports_total\{decision="stop"\} 1/);
    expect(metrics).toMatch(/posterior_trial_reports_total\{decision="continue"\} 4/);
    expect((await h.request.get(`/v1/studies/${study}/trials?state=stopped`)).body.trials).toHaveLength(1);
  });

  test('trials of different brackets are not compared', async () => {
    h = startHarness();
    // maxStep 9, η 3, conservative: brackets 0 (rungs 1, 3), 1 (rung 3), 2 (none).
    const study = await createStudy({ initialTrials: 20, earlyStopping: { rule: 'asha', maxStep: 9, reductionFactor: 3, mode: 'conservative' } });
    const [t0, t1, t2, t3] = await lease(study, 4);
    expect((await report(study, t0!, 3, 0.1)).body).toMatchObject({ decision: 'continue', rung: 3 });
    // t1 is bracket 1: judged at rung 3 against bracket 1 only (nobody yet), so it goes on.
    expect((await report(study, t1!, 3, 0.9)).body).toMatchObject({ decision: 'continue', rung: 3 });
    // t2 is bracket 2: no rung at all.
    expect((await report(study, t2!, 8, 5)).body).toMatchObject({ decision: 'continue', reason: 'bracket 2 has no rung left before maxStep' });
    // t3 is bracket 0 again: 0.2 against 0.1 at rung 3 (m = 2 < η): stopped.
    expect((await report(study, t3!, 3, 0.2)).body).toMatchObject({ decision: 'stop', rung: 3 });
  });

  test('a report at or past maxStep always continues', async () => {
    h = startHarness();
    const study = await createStudy({ initialTrials: 20, earlyStopping: { rule: 'asha', maxStep: 9, mode: 'aggressive' } });
    const [a, b] = await lease(study, 2);
    await report(study, a!, 1, 0.1);
    expect((await report(study, b!, 9, 99)).body.decision).toBe('continue');
  });
});

describe('the median rule', () => {
  test('stops a trial whose best is worse than the median of three others at the step', async () => {
    h = startHarness();
    const study = await createStudy({ initialTrials: 20, earlyStopping: { rule: 'median', maxStep: 10, minStep: 2 } });
    const [a, b, c, d] = await lease(study, 4);
    for (const [t, values] of [[a, [0.5, 0.4]], [b, [0.6, 0.5]], [c, [0.7, 0.6]]] as const) {
      for (const [i, v] of values.entries()) expect((await report(study, t!, i + 1, v)).body.decision).toBe('continue');
    }
    expect((await report(study, d!, 1, 0.9)).body.reason).toMatch(/before minStep 2/);
    // Running averages at step 2: 0.45, 0.55, 0.65 → median 0.55; d's best 0.8 > 0.55.
    const judged = await report(study, d!, 2, 0.8);
    expect(judged.body).toMatchObject({ decision: 'stop', trial: { state: 'stopped', value: 0.8 } });
    expect(judged.body.reason).toMatch(/0\.55/);
  });
});

describe('study options', () => {
  test.each([
    [{ earlyStopping: { rule: 'asha' } }, '#/options/earlyStopping/maxStep'],
    [{ earlyStopping: { rule: 'median', maxStep: 5, minStep: 6 } }, '#/options/earlyStopping/minStep'],
  ])('%j is 422 INVALID_OPTIONS pointing at %s', async (options, pointer) => {
    h = startHarness();
    const res = await h.request.post('/v1/studies').send({ name: 's', parameters: space, objective: { goal: 'minimize' }, options });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'INVALID_OPTIONS', errors: [{ pointer }] });
  });

  test('the study shows its algorithm and early stopping with their defaults', async () => {
    h = startHarness();
    const id = await createStudy({ earlyStopping: { rule: 'asha', maxStep: 27 } });
    const { body } = await h.request.get(`/v1/studies/${id}`);
    expect(body.options).toMatchObject({ algorithm: 'gp', earlyStopping: { rule: 'asha', maxStep: 27, minStep: 1, reductionFactor: 3, mode: 'standard' } });
    expect((await h.request.get(`/v1/studies/${await createStudy({}, 'plain')}`)).body.options.earlyStopping).toEqual({ rule: 'none' });
  });

  test('maxTrials ends the study with 409 STUDY_COMPLETE; maxConcurrentTrials answers 429 CONCURRENCY_LIMIT with Retry-After', async () => {
    h = startHarness();
    const id = await createStudy({ maxTrials: 3, maxConcurrentTrials: 2 });
    const [a] = await lease(id, 2);
    const full = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    expect(full.status).toBe(429);
    expect(full.body.code).toBe('CONCURRENCY_LIMIT');
    expect(full.headers['retry-after']).toBe('30');
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: a, value: 1 });
    await lease(id, 1);
    const done = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    expect(done.status).toBe(409);
    expect(done.body.code).toBe('STUDY_COMPLETE');
  });
});

describe('algorithms', () => {
  test('grid hands out every combination once, in a seeded order, then 409', async () => {
    h = startHarness();
    const res = await h.request.post('/v1/studies').send({
      name: 'g',
      parameters: [
        { name: 'lr', type: 'float', low: 0.001, high: 0.1, log: true, gridPoints: 3 },
        { name: 'opt', type: 'categorical', choices: ['adam', 'sgd'] },
      ],
      objective: { goal: 'minimize' },
      options: { algorithm: 'grid', seed: 3 },
    });
    const id = res.body.id;
    const { body } = await h.request.post(`/v1/studies/${id}/suggest`).send({ count: 6 });
    const points = body.trials.map((t: { params: { lr: number; opt: string }; source: string }) => `${t.params.lr.toPrecision(3)}/${t.params.opt}/${t.source}`);
    expect([...points].sort()).toEqual(['0.00100/adam/grid', '0.00100/sgd/grid', '0.0100/adam/grid', '0.0100/sgd/grid', '0.100/adam/grid', '0.100/sgd/grid']);
    expect((await h.request.post(`/v1/studies/${id}/suggest`).send({})).body.code).toBe('SEARCH_SPACE_EXHAUSTED');
  });

  test('random draws without a design, and sobol follows its sequence past the design', async () => {
    h = startHarness();
    const random = await createStudy({ algorithm: 'random' }, 'r');
    const sources = (await h.request.post(`/v1/studies/${random}/suggest`).send({ count: 3 })).body.trials.map((t: { source: string }) => t.source);
    expect(sources).toEqual(['random', 'random', 'random']);
    const sobol = await createStudy({ algorithm: 'sobol', initialTrials: 2 }, 'q');
    const more = (await h.request.post(`/v1/studies/${sobol}/suggest`).send({ count: 4 })).body.trials.map((t: { source: string }) => t.source);
    expect(more).toEqual(['initial', 'initial', 'sobol', 'sobol']);
  });

  test('a GP study leaves a stopped trial out of the model, and never suggests its point again', async () => {
    h = startHarness();
    const id = await createStudy({ initialTrials: 3, earlyStopping: { rule: 'asha', maxStep: 9, mode: 'aggressive' } });
    const trials = await lease(id, 3);
    await report(id, trials[0]!, 1, 0.1);
    expect((await report(id, trials[1]!, 1, 0.9)).body.decision).toBe('stop');
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: trials[0], value: 0.05 });
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: trials[2], value: 0.3 });
    const next = await h.request.post(`/v1/studies/${id}/suggest`).send({});
    expect(next.body.trials[0].source).toBe('gp-logei');
  });
});
