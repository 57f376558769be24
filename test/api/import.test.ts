/** `POST /v1/studies/{id}/trials:import`: results made elsewhere, recorded all or none. */
import { afterEach, describe, expect, test } from 'vitest';
import { recordingEngine, startHarness, studyBody, type Harness, type HarnessOptions } from '../support/harness.js';
import { expectProblem } from '../support/problem-assertions.js';

let h: Harness;
let studyId: string;
async function start(options: HarnessOptions = {}): Promise<void> {
  h = startHarness(options);
  studyId = (await h.request.post('/v1/studies').send(studyBody())).body.id;
}
afterEach(() => h.close());

const url = (path = '') => `/v1/studies/${studyId}${path}`;
const importRows = (trials: unknown[], key?: string) => {
  const req = h.request.post(url('/trials:import'));
  return (key === undefined ? req : req.set('Idempotency-Key', key)).send({ trials });
};
const total = async () => (await h.request.get(url())).body.trialCounts.total as number;

/** Row i of a valid import: a point of the mixed space and a value. */
const row = (i: number) => ({
  params: { lr: 1e-4 * (1 + (i % 97)), layers: 1 + (i % 8), batch: [16, 32, 64, 128][i % 4], optimizer: ['adam', 'sgd', 'rmsprop'][i % 3] },
  value: Math.sin(i) / 3,
});

describe('a valid import', () => {
  test('records completed and failed rows in their order as imported trials, numbered on from the last, with their times and metadata', async () => {
    await start();
    const external = await h.request.post(url('/observe')).send(row(0));
    expect(external.body.number).toBe(0);
    const res = await importRows([
      // params in another order than the space's: stored in the space's order
      { params: { optimizer: 'sgd', batch: 32, layers: 3, lr: 0.01 }, value: -0.5, createdAt: '2025-06-01T10:00:00.000Z', completedAt: '2025-06-01T11:30:00.000Z', metadata: { run: 'https://wandb.ai/x/1' } },
      { params: { lr: 0.001, layers: 2, batch: 16, optimizer: 'adam' }, failed: true, reason: 'CUDA out of memory' },
      { params: { lr: 0.002, layers: 5, batch: 64, optimizer: 'rmsprop' }, value: 1.25, completedAt: '2025-06-02T00:00:00.000Z' },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.trials).toEqual([
      {
        id: expect.stringMatching(/^tr_/), number: 1, params: { lr: 0.01, layers: 3, batch: 32, optimizer: 'sgd' }, state: 'completed', source: 'imported',
        value: -0.5, createdAt: '2025-06-01T10:00:00.000Z', completedAt: '2025-06-01T11:30:00.000Z', metadata: { run: 'https://wandb.ai/x/1' },
      },
      {
        id: expect.stringMatching(/^tr_/), number: 2, params: { lr: 0.001, layers: 2, batch: 16, optimizer: 'adam' }, state: 'failed', source: 'imported',
        failureReason: 'CUDA out of memory', createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:00.000Z', metadata: {},
      },
      {
        // createdAt defaults to completedAt
        id: expect.stringMatching(/^tr_/), number: 3, params: { lr: 0.002, layers: 5, batch: 64, optimizer: 'rmsprop' }, state: 'completed', source: 'imported',
        value: 1.25, createdAt: '2025-06-02T00:00:00.000Z', completedAt: '2025-06-02T00:00:00.000Z', metadata: {},
      },
    ]);
    const listed = await h.request.get(url('/trials'));
    expect(listed.body.trials.slice(1)).toEqual(res.body.trials);
    expect((await h.request.get(url())).body.trialCounts).toMatchObject({ completed: 3, failed: 1, total: 4 });
    expect((await h.request.get(url('/best'))).body.id).toBe(res.body.trials[0].id);
  });

  test('takes 10,000 rows in one body of more than 1 MiB', async () => {
    await start();
    const trials = Array.from({ length: 10_000 }, (_, i) => ({ ...row(i), metadata: { i } }));
    expect(Buffer.byteLength(JSON.stringify({ trials }))).toBeGreaterThan(1024 * 1024);
    const res = await importRows(trials);
    expect(res.status).toBe(201);
    expect(res.body.trials).toHaveLength(10_000);
    expect(res.body.trials[9999]).toMatchObject({ number: 9999, metadata: { i: 9999 } });
    expect(await total()).toBe(10_000);
  }, 60_000);

  test('the model conditions on imported trials like on any other observation, and never suggests a failed one again', async () => {
    const { calls, engine } = recordingEngine();
    await start({ engine });
    const rows = Array.from({ length: 12 }, (_, i) => row(i));
    const failedPoint = { lr: 0.05, layers: 8, batch: 128, optimizer: 'sgd' };
    expect((await importRows([...rows, { params: failedPoint, failed: true }])).status).toBe(201);
    const suggested = await h.request.post(url('/suggest')).send({});
    expect(suggested.body.trials[0].source).toBe('gp-logei');
    expect(calls).toHaveLength(1);
    // Every imported value is an observation of the engine (in the model's own units, so count them).
    expect(calls[0]!.observations).toHaveLength(12);
    expect(JSON.stringify(calls[0])).toContain('"lr":0.05');
  });
});

describe('curves and stopped trials', () => {
  test('a stopped row keeps its value and its reports (the last one stop), stays out of the model, and its point is never suggested again', async () => {
    const { calls, engine } = recordingEngine();
    await start({ engine });
    const stoppedPoint = { lr: 0.05, layers: 8, batch: 128, optimizer: 'sgd' };
    const res = await importRows([
      ...Array.from({ length: 11 }, (_, i) => row(i)),
      { params: stoppedPoint, value: 2.5, stopped: true, reports: [{ step: 1, value: 3, at: '2025-01-01T00:00:00Z' }, { step: 3, value: 2.5 }], completedAt: '2025-01-01T01:00:00Z' },
    ]);
    expect(res.status).toBe(201);
    const stopped = res.body.trials[11];
    expect(stopped).toMatchObject({ state: 'stopped', value: 2.5, source: 'imported' });
    const one = await h.request.get(url(`/trials/${stopped.id}`));
    expect(one.body.reports).toEqual([{ step: 1, value: 3, at: '2025-01-01T00:00:00.000Z' }, { step: 3, value: 2.5, at: '2025-01-01T01:00:00.000Z' }]);
    expect((await h.store.trialReports(studyId, stopped.id)).map((r) => [r.decision, r.reason, r.rung])).toEqual([['continue', 'imported', null], ['stop', 'imported', null]]);
    expect((await h.request.get(url())).body.trialCounts).toMatchObject({ completed: 11, stopped: 1 });
    await h.request.post(url('/suggest')).send({}).expect(200);
    expect(calls[0]!.observations).toHaveLength(11);
    expect(JSON.stringify(calls[0])).toContain('"lr":0.05');
  });

  test('the median rule compares a new trial with the imported curves', async () => {
    h = startHarness();
    studyId = (await h.request.post('/v1/studies').send(studyBody({ options: { seed: 7, earlyStopping: { rule: 'median', maxStep: 10 } } }))).body.id;
    const curve = (i: number) => ({ ...row(i), value: 0.2, reports: [{ step: 1, value: 0.3 }, { step: 2, value: 0.2 }] });
    expect((await importRows([curve(0), curve(1), curve(2)])).status).toBe(201);
    const trial = (await h.request.post(url('/suggest')).send({})).body.trials[0];
    const report = await h.request.post(url(`/trials/${trial.id}/report`)).send({ step: 2, value: 5 });
    expect(report.body).toMatchObject({ decision: 'stop', reason: expect.stringContaining('the median of 3 other trials') });
  });

  test('reports out of order, a stopped value that is not the last report\'s, and stopped with failed are named', async () => {
    await start();
    const res = await importRows([
      { ...row(0), reports: [{ step: 2, value: 1 }, { step: 2, value: 1 }] },
      { ...row(1), value: 1, stopped: true, reports: [{ step: 1, value: 2 }] },
      { params: row(2).params, failed: true, stopped: true },
    ]);
    expectProblem(res, 422, 'INVALID_IMPORT_ROW');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/trials/0/reports/1/step', '#/trials/1/value', '#/trials/2/stopped']);
    expect(await total()).toBe(0);
    expect(h.db.prepare('SELECT COUNT(*) AS n FROM trial_reports').get()).toEqual({ n: 0 });
  });
});

describe('bad rows: 422, every one named, nothing written', () => {
  test('one bad row among good ones: INVALID_PARAMS with its index and field, and no trial is written', async () => {
    await start();
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    rows[17] = { ...row(17), params: { ...row(17).params, lr: 5 } };
    const res = await importRows(rows);
    expectProblem(res, 422, 'INVALID_PARAMS');
    expect(res.body.errors).toEqual([{ code: 'INVALID_PARAMS', pointer: '#/trials/17/params/lr', detail: expect.stringContaining('"lr" must lie in') }]);
    expect(res.body.detail).toMatch(/^1 of 20 rows are invalid; nothing was imported/);
    expect(await total()).toBe(0);
  });

  test('several bad rows of several kinds are all named, each with its code; the problem is INVALID_IMPORT_ROW', async () => {
    await start();
    const big = { blob: 'x'.repeat(16 * 1024) };
    const res = await importRows([
      row(0),
      { params: { lr: 0.01, layers: 2, batch: 48, optimizer: 'adam', extra: 1 }, value: 1 },
      { params: row(2).params },
      { ...row(3), failed: true },
      { ...row(4), metadata: big },
      { ...row(5), reason: 'only with failed' },
      { ...row(6), createdAt: '2026-02-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' },
      row(7),
    ]);
    expectProblem(res, 422, 'INVALID_IMPORT_ROW');
    expect(res.body.errors.map((e: { code: string; pointer: string }) => [e.code, e.pointer])).toEqual([
      ['INVALID_PARAMS', '#/trials/1/params/batch'],
      ['INVALID_PARAMS', '#/trials/1/params/extra'],
      ['INVALID_IMPORT_ROW', '#/trials/2'],
      ['INVALID_IMPORT_ROW', '#/trials/3/failed'],
      ['METADATA_TOO_LARGE', '#/trials/4/metadata'],
      ['INVALID_IMPORT_ROW', '#/trials/5/reason'],
      ['INVALID_IMPORT_ROW', '#/trials/6/createdAt'],
    ]);
    expect(await total()).toBe(0);
  });

  test('rows that break the schema are named by the schema check, with pointers into the rows', async () => {
    await start();
    const res = await importRows([row(0), { ...row(1), value: 'fast' }, { ...row(2), failed: false }, { ...row(3), metadata: ['a'] }, { ...row(4), number: 3 }]);
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([
      { pointer: '#/trials/1/value', detail: 'must be number' },
      { pointer: '#/trials/2/failed', detail: 'must be equal to constant' },
      { pointer: '#/trials/3/metadata', detail: 'must be object' },
      { pointer: '#/trials/4/number', detail: 'must NOT have additional properties' },
    ]);
    expect(await total()).toBe(0);
  });

  test('metadata nested too deep in a row is METADATA_TOO_LARGE at that row, not a crash', async () => {
    await start();
    // As text: JSON.stringify itself overflows the stack on 10,000 levels.
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const body = `{"trials":[${JSON.stringify(row(0))},${JSON.stringify(row(1)).slice(0, -1)},"metadata":${deep}}]}`;
    const res = await h.request.post(url('/trials:import')).set('content-type', 'application/json').send(body);
    expectProblem(res, 422, 'METADATA_TOO_LARGE');
    expect(res.body.errors).toEqual([{ code: 'METADATA_TOO_LARGE', pointer: '#/trials/1/metadata', detail: 'metadata nests objects and arrays more than 32 deep' }]);
  });

  test('one metadata too large among good rows: METADATA_TOO_LARGE at that row', async () => {
    await start();
    const res = await importRows([row(0), { ...row(1), metadata: { log: 'y'.repeat(17_000) } }, row(2)]);
    expectProblem(res, 422, 'METADATA_TOO_LARGE');
    expect(res.body.errors).toEqual([{ code: 'METADATA_TOO_LARGE', pointer: '#/trials/1/metadata', detail: expect.stringMatching(/at most 16384/) }]);
    expect(await total()).toBe(0);
  });
});

describe('limits', () => {
  test('more rows than LIMIT_IMPORT_TRIALS is 422 LIMIT_EXCEEDED at #/trials, and nothing is written', async () => {
    await start();
    const res = await importRows(Array.from({ length: 10_001 }, (_, i) => row(i)));
    expectProblem(res, 422, 'LIMIT_EXCEEDED');
    expect(res.body.errors).toEqual([{ pointer: '#/trials', detail: 'at most 10000 trials per import (LIMIT_IMPORT_TRIALS), got 10001' }]);
    expect(await total()).toBe(0);
  }, 60_000);

  test('a configured lower limit holds too', async () => {
    await start({ limits: { importTrials: 3 } });
    expectProblem(await importRows([row(0), row(1), row(2), row(3)]), 422, 'LIMIT_EXCEEDED');
    expect((await importRows([row(0), row(1), row(2)])).status).toBe(201);
  });

  test('a body over 16 MiB is 413 PAYLOAD_TOO_LARGE; other routes keep 1 MiB', async () => {
    await start();
    const pad = 'z'.repeat(16 * 1024 * 1024);
    expectProblem(await importRows([{ ...row(0), metadata: { pad } }]), 413, 'PAYLOAD_TOO_LARGE');
    const twoMiB = { ...row(0), metadata: { pad: 'z'.repeat(2 * 1024 * 1024) } };
    expectProblem(await h.request.post(url('/observe')).send(twoMiB), 413, 'PAYLOAD_TOO_LARGE');
    expect(await total()).toBe(0);
  });

  test('an unknown study is 404 STUDY_NOT_FOUND', async () => {
    await start();
    expectProblem(await h.request.post('/v1/studies/st_nope/trials:import').send({ trials: [row(0)] }), 404, 'STUDY_NOT_FOUND');
  });
});

describe('Idempotency-Key', () => {
  test('the same key with the same body answers the same trials and writes none again', async () => {
    await start();
    const rows = [row(0), row(1), { ...row(2), failed: true, value: undefined }];
    const first = await importRows(rows, 'import-1');
    const again = await importRows(rows, 'import-1');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await total()).toBe(3);
  });

  test('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED, and nothing is written', async () => {
    await start();
    await importRows([row(0), row(1)], 'import-1');
    const res = await importRows([row(0), row(2)], 'import-1');
    expectProblem(res, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(res.body.errors).toEqual([{ header: 'Idempotency-Key', detail: 'reused with a different body' }]);
    expect(await total()).toBe(2);
  });

  test('a key first used by a suggest is not taken again by an import', async () => {
    await start();
    await h.request.post(url('/suggest')).set('Idempotency-Key', 'k').send({});
    expectProblem(await importRows([row(0)], 'k'), 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(await total()).toBe(1);
  });

  test('a key is per study: the same key imports into another study', async () => {
    await start();
    await importRows([row(0)], 'k');
    const other = (await h.request.post('/v1/studies').send(studyBody({ name: 'other' }))).body.id;
    const res = await h.request.post(`/v1/studies/${other}/trials:import`).set('Idempotency-Key', 'k').send({ trials: [row(0)] });
    expect(res.status).toBe(201);
  });
});
