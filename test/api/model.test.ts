import { afterEach, describe, expect, test, vi } from 'vitest';
import { createEncoding, encode } from '../../src/bo/encoding.js';
import { EngineError, type FittedHyperparameters } from '../../src/bo/engine.js';
import { fromFitted } from '../../src/bo/fit.js';
import { gaussianProcess, posterior } from '../../src/bo/gp.js';
import { DEFAULT_OUTPUT_WARP, outputTransform } from '../../src/bo/output-transform.js';
import type { Params } from '../../src/bo/search-space.js';
import { MAX_VIEWS_PER_STUDY } from '../../src/domain/study-model.js';
import { GP_MODEL_KIND } from '../../src/domain/suggest/gp-suggester.js';
import { inProcessViewer } from '../../src/workers/in-process-engine.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

const space = [
  { name: 'x', type: 'float', low: -2, high: 2 },
  { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
  { name: 'opt', type: 'categorical', choices: ['adam', 'sgd'] },
];
const study = { name: 'landscape', parameters: space, objective: { goal: 'minimize' }, options: { seed: 3, initialTrials: 6 } };
/** Depends strongly on x, weakly on lr, not at all on opt. */
const f = (p: Params) => (Number(p.x) - 0.5) ** 2 + 0.05 * Math.log10(Number(p.lr));

async function runLoop(id: string, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    const trial = (await h.request.post(`/v1/studies/${id}/suggest`).send({})).body.trials[0];
    await h.request.post(`/v1/studies/${id}/observe`).send({ trialId: trial.id, value: f(trial.params) });
  }
  // The suggestion prepared after the last observation stores its model too: let it land.
  await h.deps.studyLocks.run(id, async () => undefined);
}

/** μ and s in objective units at `points`, from the GP built here with the study's stored θ. */
async function directPosterior(id: string, points: Params[]): Promise<{ mean: number; std: number }[]> {
  const enc = createEncoding(space as never);
  const completed = (await h.store.allTrials(id))
    .filter((t) => t.state === 'completed')
    .sort((a, b) => (a.completedAt ?? 0) - (b.completedAt ?? 0) || a.number - b.number);
  const X = new Float64Array(completed.length * enc.dim);
  completed.forEach((t, i) => X.set(encode(enc, t.params), i * enc.dim));
  const transform = outputTransform(completed.map((t) => t.value as number), -1, DEFAULT_OUTPUT_WARP);
  const model = await h.store.studyModel(id);
  expect(model?.kind).toBe(GP_MODEL_KIND);
  const gp = gaussianProcess(X, transform.y, enc.isCategorical, fromFitted(model!.state as FittedHyperparameters, enc.dim)!);
  const Z = new Float64Array(points.length * enc.dim);
  points.forEach((p, i) => Z.set(encode(enc, p), i * enc.dim));
  const mean = new Float64Array(points.length);
  const variance = new Float64Array(points.length);
  posterior(gp, Z, points.length, mean, variance);
  return points.map((_, i) => transform.toObjective(mean[i]!, Math.sqrt(variance[i]!)));
}

describe('GET /v1/studies/{id}/model/slice', () => {
  test("is the study's GP along one parameter through the best trial, as computed directly", async () => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 14);
    const best = (await h.request.get(`/v1/studies/${id}/best`)).body;
    const res = await h.request.get(`/v1/studies/${id}/model/slice?parameter=lr&points=9`);
    expect(res.status).toBe(200);
    expect(res.body.parameter).toBe('lr');
    expect(res.body.incumbent).toEqual({ trialId: best.id, number: best.number, params: best.params, value: best.value });
    expect(res.body.observations).toBe(14);
    const values = res.body.points.map((p: { value: number }) => p.value);
    // Log-spaced: 1e-4, 10^-3.5, ..., 1.
    expect(values).toHaveLength(9);
    values.forEach((v: number, i: number) => expect(Math.log10(v)).toBeCloseTo(-4 + i * 0.5, 10));
    const direct = await directPosterior(id, values.map((lr: number) => ({ ...best.params, lr })));
    res.body.points.forEach((p: { mean: number; std: number }, i: number) => {
      expect(p.mean).toBeCloseTo(direct[i]!.mean, 9);
      expect(p.std).toBeCloseTo(direct[i]!.std, 9);
      expect(p.std).toBeGreaterThan(0);
    });
  });

  test('shows every choice of a categorical, whatever `points` says', async () => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 8);
    const res = await h.request.get(`/v1/studies/${id}/model/slice?parameter=opt&points=40`);
    expect(res.body.points.map((p: { value: string }) => p.value)).toEqual(['adam', 'sgd']);
  });

  test('fits a model of its own for a study without one (random search), and keeps it for the same trials', async () => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send({ ...study, options: { seed: 3, algorithm: 'random' } })).body.id;
    await runLoop(id, 10);
    expect(await h.store.studyModel(id)).toBeUndefined();
    const first = await h.request.get(`/v1/studies/${id}/model/slice?parameter=x`);
    expect(first.status).toBe(200);
    expect(first.body.points).toHaveLength(50);
    expect((await h.request.get(`/v1/studies/${id}/model/slice?parameter=x`)).body).toEqual(first.body);
    // Nothing is written by a read.
    expect(await h.store.studyModel(id)).toBeUndefined();
  });

  test.each([
    ['an unknown parameter', '?parameter=depth', 422, 'INVALID_PARAMS', 'parameter'],
    ['no parameter', '', 422, 'VALIDATION_FAILED', 'parameter'],
    ['too few points', '?parameter=x&points=1', 422, 'VALIDATION_FAILED', 'points'],
    ['too many points', '?parameter=x&points=201', 422, 'VALIDATION_FAILED', 'points'],
  ])('answers %s with a problem that names the query parameter', async (_what, query, status, code, parameter) => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 2);
    const res = await h.request.get(`/v1/studies/${id}/model/slice${query}`);
    expect(res.status).toBe(status);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.code).toBe(code);
    expect(res.body.errors.map((e: { parameter: string }) => e.parameter)).toContain(parameter);
  });

  test('answers 404 for an unknown study, and for a study with nothing completed yet', async () => {
    h = startHarness();
    expect((await h.request.get('/v1/studies/nope/model/slice?parameter=x')).body.code).toBe('STUDY_NOT_FOUND');
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await h.request.post(`/v1/studies/${id}/suggest`).send({});
    const res = await h.request.get(`/v1/studies/${id}/model/slice?parameter=x`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NO_COMPLETED_TRIALS');
  });

  test('a model the engine cannot fit is 503 MODEL_UNAVAILABLE with Retry-After, not a 500', async () => {
    h = startHarness({
      viewer: () => {
        throw new EngineError('numerical-failure', 'Cholesky gave up');
      },
    });
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 2);
    const res = await h.request.get(`/v1/studies/${id}/importances`);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('MODEL_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('views of one study at once', () => {
  test('run as a tenant of their own, and beyond MAX_VIEWS_PER_STUDY in flight the next is 429 ENGINE_BUSY', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tenants: string[] = [];
    h = startHarness({
      viewer: async (input, call) => {
        tenants.push(call.tenant);
        await gate;
        return inProcessViewer(input, call);
      },
    });
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 3);
    const waiting = Array.from({ length: MAX_VIEWS_PER_STUDY }, () => h.request.get(`/v1/studies/${id}/importances`).then((r) => r.status));
    await vi.waitFor(() => expect(tenants).toHaveLength(MAX_VIEWS_PER_STUDY));
    const refused = await h.request.get(`/v1/studies/${id}/model/slice?parameter=x`);
    expect([refused.status, refused.body.code, refused.headers['retry-after']]).toEqual([429, 'ENGINE_BUSY', '1']);
    release();
    expect(await Promise.all(waiting)).toEqual(Array(MAX_VIEWS_PER_STUDY).fill(200));
    expect(new Set(tenants)).toEqual(new Set([`${id}/views`]));
    // Once they are done, views are served again.
    expect((await h.request.get(`/v1/studies/${id}/model/slice?parameter=x`)).status).toBe(200);
  });
});

describe('GET /v1/studies/{id}/model/contour', () => {
  test('is the GP on the grid of two parameters, rows by y, as computed directly', async () => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 12);
    const best = (await h.request.get(`/v1/studies/${id}/best`)).body;
    const res = await h.request.get(`/v1/studies/${id}/model/contour?x=x&y=opt&points=5`);
    expect(res.status).toBe(200);
    expect(res.body.xValues).toEqual([-2, -1, 0, 1, 2]);
    expect(res.body.yValues).toEqual(['adam', 'sgd']);
    expect(res.body.mean).toHaveLength(2);
    const points = res.body.yValues.flatMap((opt: string) => res.body.xValues.map((x: number) => ({ ...best.params, x, opt })));
    const direct = await directPosterior(id, points);
    res.body.mean.flat().forEach((m: number, k: number) => expect(m).toBeCloseTo(direct[k]!.mean, 9));
    res.body.std.flat().forEach((s: number, k: number) => expect(s).toBeCloseTo(direct[k]!.std, 9));
  });

  test('refuses the same parameter twice, and an unknown one, naming the query parameter', async () => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 2);
    const same = await h.request.get(`/v1/studies/${id}/model/contour?x=x&y=x`);
    expect([same.status, same.body.code, same.body.errors[0].parameter]).toEqual([422, 'INVALID_PARAMS', 'y']);
    const unknown = await h.request.get(`/v1/studies/${id}/model/contour?x=depth&y=x`);
    expect([unknown.status, unknown.body.code, unknown.body.errors[0].parameter]).toEqual([422, 'INVALID_PARAMS', 'x']);
    const many = await h.request.get(`/v1/studies/${id}/model/contour?x=lr&y=x&points=61`);
    expect([many.status, many.body.errors[0].parameter]).toEqual([422, 'points']);
  });
});

describe('GET /v1/studies/{id}/importances', () => {
  test("are 1/ℓ of the stored fit, normalized, and rank the parameter the objective depends on first", async () => {
    h = startHarness();
    const id = (await h.request.post('/v1/studies').send(study)).body.id;
    await runLoop(id, 16);
    const res = await h.request.get(`/v1/studies/${id}/importances`);
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('inverse-lengthscale');
    const theta = (await h.store.studyModel(id))!.state as FittedHyperparameters;
    const inverse = theta.logLengthscales.map((l) => Math.exp(-l));
    const total = inverse.reduce((a, b) => a + b, 0);
    expect(res.body.importances.map((i: { parameter: string }) => i.parameter)).toEqual(['x', 'lr', 'opt']);
    res.body.importances.forEach((i: { importance: number; lengthscale: number }, j: number) => {
      expect(i.importance).toBeCloseTo(inverse[j]! / total, 12);
      expect(i.lengthscale).toBeCloseTo(Math.exp(theta.logLengthscales[j]!), 12);
    });
    const [x, lr, opt] = res.body.importances.map((i: { importance: number }) => i.importance);
    expect(x).toBeGreaterThan(lr);
    expect(x).toBeGreaterThan(opt);
  });
});
