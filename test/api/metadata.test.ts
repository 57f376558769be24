/** Metadata on studies and trials: set, merged, bounded, exported, and never seen by the model. */
import { afterEach, describe, expect, test } from 'vitest';
import { recordingEngine, startHarness, studyBody, type Harness, type HarnessOptions } from '../support/harness.js';
import { expectProblem } from '../support/problem-assertions.js';

let h: Harness;
let studyId: string;
async function start(options: HarnessOptions = {}, metadata?: object): Promise<void> {
  h = startHarness(options);
  studyId = (await h.request.post('/v1/studies').send(studyBody(metadata ? { metadata } : {}))).body.id;
}
afterEach(() => h.close());

const url = (path = '') => `/v1/studies/${studyId}${path}`;
const suggestOne = async () => (await h.request.post(url('/suggest')).send({})).body.trials[0];
/** JSON text of exactly `bytes` UTF-8 bytes: {"k":"xxx…"}. */
const metadataOfBytes = (bytes: number) => ({ k: 'x'.repeat(bytes - '{"k":""}'.length) });

describe('study metadata', () => {
  test('is set at creation, returned, merged by PATCH (null removes a key), and not part of the definition', async () => {
    await start({}, { team: 'vision', ticket: 'ML-12' });
    expect((await h.request.get(url())).body.metadata).toEqual({ team: 'vision', ticket: 'ML-12' });
    const patched = await h.request.patch(url()).send({ metadata: { ticket: null, owner: { name: 'ana' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.metadata).toEqual({ team: 'vision', owner: { name: 'ana' } });
    expect((await h.request.get(url())).body.metadata).toEqual({ team: 'vision', owner: { name: 'ana' } });
    // Creating it again with other metadata finds the same study, its metadata unchanged.
    const again = await h.request.post('/v1/studies').send(studyBody({ metadata: { team: 'nlp' } }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: studyId, metadata: { team: 'vision', owner: { name: 'ana' } } });
  });

  test('a study without metadata has {}', async () => {
    await start();
    expect((await h.request.get(url())).body.metadata).toEqual({});
    expect((await h.request.get('/v1/studies')).body.studies[0].metadata).toEqual({});
  });

  test('PATCH with no field changes nothing; a field other than metadata, or metadata that is not an object, is 422 VALIDATION_FAILED', async () => {
    await start({}, { a: 1 });
    const nothing = await h.request.patch(url()).send({});
    expect(nothing.status).toBe(200);
    expect(nothing.body.metadata).toEqual({ a: 1 });
    expectProblem(await h.request.patch(url()).send({ name: 'renamed' }), 422, 'VALIDATION_FAILED');
    for (const metadata of [['a'], 'text', 3, null]) {
      const res = await h.request.patch(url()).send({ metadata });
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(res.body.errors[0].pointer).toBe('#/metadata');
    }
    expectProblem(await h.request.patch('/v1/studies/st_nope').send({ metadata: {} }), 404, 'STUDY_NOT_FOUND');
  });

  test('over 16 KiB at creation or after a PATCH merge is 422 METADATA_TOO_LARGE at #/metadata, and nothing changes', async () => {
    h = startHarness();
    const exact = await h.request.post('/v1/studies').send(studyBody({ metadata: metadataOfBytes(16 * 1024) }));
    expect(exact.status).toBe(201);
    const over = await h.request.post('/v1/studies').send(studyBody({ name: 'big', metadata: metadataOfBytes(16 * 1024 + 1) }));
    expectProblem(over, 422, 'METADATA_TOO_LARGE');
    expect(over.body.errors).toEqual([{ pointer: '#/metadata', detail: 'metadata is 16385 bytes of JSON; at most 16384 (16 KiB) after merging' }]);
    expect((await h.request.get('/v1/studies')).body.studies).toHaveLength(1);
    // Each key is small, but merged with what is there they are over the bound.
    studyId = exact.body.id;
    expectProblem(await h.request.patch(url()).send({ metadata: { more: 'y' } }), 422, 'METADATA_TOO_LARGE');
    expect((await h.request.get(url())).body.metadata).toEqual(metadataOfBytes(16 * 1024));
  });
});

describe('trial metadata', () => {
  test('observe, report and PATCH each merge into the trial\'s metadata; GET shows it', async () => {
    await start();
    const trial = await suggestOne();
    expect(trial.metadata).toEqual({});
    const reported = await h.request.post(url(`/trials/${trial.id}/report`)).send({ step: 1, value: 0.9, metadata: { checkpoint: 's3://b/1', epoch: 1 } });
    expect(reported.body.trial.metadata).toEqual({ checkpoint: 's3://b/1', epoch: 1 });
    const observed = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 0.5, metadata: { epoch: 10, commit: 'abc123' } });
    expect(observed.status).toBe(200);
    expect(observed.body.metadata).toEqual({ checkpoint: 's3://b/1', epoch: 10, commit: 'abc123' });
    // A finished trial still takes metadata; null removes a key.
    const patched = await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: { checkpoint: null, eval: { top1: 0.91 } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ state: 'completed', value: 0.5, metadata: { epoch: 10, commit: 'abc123', eval: { top1: 0.91 } } });
    expect(patched.body.reports).toEqual([{ step: 1, value: 0.9, at: '2026-01-01T00:00:00.000Z' }]);
    expect((await h.request.get(url(`/trials/${trial.id}`))).body.metadata).toEqual({ epoch: 10, commit: 'abc123', eval: { top1: 0.91 } });
  });

  test('a repeated observation (same value) still merges its metadata; a failed run and an external observation carry it too', async () => {
    await start();
    const trial = await suggestOne();
    await h.request.post(url('/observe')).send({ trialId: trial.id, value: 1 });
    const again = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 1, metadata: { note: 'late' } });
    expect(again.status).toBe(200);
    expect(again.body.metadata).toEqual({ note: 'late' });
    const other = await suggestOne();
    const failed = await h.request.post(url('/observe')).send({ trialId: other.id, failed: true, reason: 'OOM', metadata: { host: 'gpu-3' } });
    expect(failed.body).toMatchObject({ state: 'failed', metadata: { host: 'gpu-3' } });
    const external = await h.request.post(url('/observe')).send({ params: { lr: 0.01, layers: 2, batch: 16, optimizer: 'adam' }, value: 3, metadata: { source: 'paper' } });
    expect(external.status).toBe(201);
    expect(external.body.metadata).toEqual({ source: 'paper' });
  });

  test('a key __proto__ is stored as data', async () => {
    await start();
    const trial = await suggestOne();
    const res = await h.request
      .patch(url(`/trials/${trial.id}`))
      .set('content-type', 'application/json')
      .send('{"metadata":{"__proto__":{"polluted":true},"a":1}}');
    expect(res.status).toBe(200);
    const stored = await h.request.get(url(`/trials/${trial.id}`));
    expect(JSON.stringify(stored.body.metadata)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('metadata that is not an object is 422 VALIDATION_FAILED at its pointer on observe, report and PATCH', async () => {
    await start();
    const trial = await suggestOne();
    const cases = [
      h.request.post(url('/observe')).send({ trialId: trial.id, value: 1, metadata: 'run-7' }),
      h.request.post(url(`/trials/${trial.id}/report`)).send({ step: 1, value: 1, metadata: [1, 2] }),
      h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: 42 }),
      h.request.patch(url(`/trials/${trial.id}`)).send({}),
    ];
    for (const res of await Promise.all(cases)) expectProblem(res, 422, 'VALIDATION_FAILED');
    expect((await h.request.get(url(`/trials/${trial.id}`))).body).toMatchObject({ state: 'pending', metadata: {} });
  });

  test('over 16 KiB after the merge is 422 METADATA_TOO_LARGE on observe, report and PATCH, and the trial is unchanged', async () => {
    await start();
    const trial = await suggestOne();
    await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: metadataOfBytes(16 * 1024) }).expect(200);
    const more = { extra: 1 };
    const observe = await h.request.post(url('/observe')).send({ trialId: trial.id, value: 1, metadata: more });
    expectProblem(observe, 422, 'METADATA_TOO_LARGE');
    expect(observe.body.errors).toEqual([{ pointer: '#/metadata', detail: expect.stringMatching(/^metadata is 16394 bytes/) }]);
    expectProblem(await h.request.post(url(`/trials/${trial.id}/report`)).send({ step: 1, value: 1, metadata: more }), 422, 'METADATA_TOO_LARGE');
    expectProblem(await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: more }), 422, 'METADATA_TOO_LARGE');
    const after = await h.request.get(url(`/trials/${trial.id}`));
    expect(after.body).toMatchObject({ state: 'pending', metadata: metadataOfBytes(16 * 1024) });
    expect(after.body.reports).toBeUndefined();
    // Replacing the big key with a small one is fine.
    expect((await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: { k: 'small' } })).body.metadata).toEqual({ k: 'small' });
  });

  test('metadata nested deeper than 32 is 422 METADATA_TOO_LARGE on every route that takes it; 32 deep is fine', async () => {
    await start();
    /** An object `levels` deep: objects and arrays in turn, around a number. */
    const nested = (levels: number) => {
      let value: unknown = 1;
      for (let i = 1; i < levels; i++) value = i % 2 ? [value] : { k: value };
      return { k: value };
    };
    const trial = await suggestOne();
    // As text: JSON.stringify itself overflows the stack on 10,000 levels.
    const deep = `${'{"k":['.repeat(5_000)}${']}'.repeat(5_000)}`;
    const withDeep = (body: object) => `${JSON.stringify(body).slice(0, -1)}${Object.keys(body).length > 0 ? ',' : ''}"metadata":${deep}}`;
    const send = (req: ReturnType<typeof h.request.post>, body: object) => req.set('content-type', 'application/json').send(withDeep(body));
    const answers = [
      await send(h.request.post('/v1/studies'), studyBody({ name: 'deep' })),
      await send(h.request.patch(url()), {}),
      await send(h.request.patch(url(`/trials/${trial.id}`)), {}),
      await send(h.request.post(url(`/trials/${trial.id}/report`)), { step: 1, value: 1 }),
      await send(h.request.post(url('/observe')), { trialId: trial.id, value: 1 }),
      await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: nested(33) }),
    ];
    for (const res of answers) {
      expectProblem(res, 422, 'METADATA_TOO_LARGE');
      expect(res.body.errors).toEqual([{ pointer: '#/metadata', detail: 'metadata nests objects and arrays more than 32 deep' }]);
    }
    expect((await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: nested(32) })).status).toBe(200);
  });

  test('PATCH of an unknown trial is 404 TRIAL_NOT_FOUND', async () => {
    await start();
    expectProblem(await h.request.patch(url('/trials/tr_nope')).send({ metadata: { a: 1 } }), 404, 'TRIAL_NOT_FOUND');
  });
});

describe('export', () => {
  test('JSON has the metadata objects of the study and its trials; CSV has a column of JSON text before the parameters', async () => {
    await start({}, { team: 'vision' });
    const trial = await suggestOne();
    await h.request.post(url('/observe')).send({ trialId: trial.id, value: 2, metadata: { note: 'a, "quoted" note', n: 1 } });
    await suggestOne();
    const json = await h.request.get(url('/export?format=json'));
    expect(json.body.study.metadata).toEqual({ team: 'vision' });
    expect(json.body.trials.map((t: { metadata: unknown }) => t.metadata)).toEqual([{ note: 'a, "quoted" note', n: 1 }, {}]);
    const csv = await h.request.get(url('/export?format=csv'));
    const lines = csv.text.trimEnd().split('\n');
    expect(lines[0]!.endsWith(',failureReason,metadata,params.lr,params.layers,params.batch,params.optimizer')).toBe(true);
    expect(lines[1]).toContain(',"{""note"":""a, \\""quoted\\"" note"",""n"":1}",');
    expect(lines[2]).toContain(',{},');
  });
});

describe('the model never sees metadata', () => {
  test('a study run with metadata on every call gives the engine exactly the inputs of one run without', async () => {
    const runs: unknown[][] = [];
    const suggestions: unknown[][] = [];
    for (const withMetadata of [false, true]) {
      const { calls, engine } = recordingEngine();
      await start({ engine }, withMetadata ? { team: 'vision' } : undefined);
      const m = (i: number) => (withMetadata ? { metadata: { run: `https://runs/${i}`, nested: { i } } } : {});
      const points: unknown[] = [];
      for (let i = 0; i < 13; i++) {
        const trial = await suggestOne();
        points.push(trial.params);
        if (withMetadata) await h.request.patch(url(`/trials/${trial.id}`)).send({ metadata: { launched: i } }).expect(200);
        await h.request.post(url(`/trials/${trial.id}/report`)).send({ step: 1, value: i, ...m(i) }).expect(200);
        await h.request.post(url('/observe')).send({ trialId: trial.id, value: Math.cos(i), ...m(i) }).expect(200);
      }
      await h.request.post(url('/trials:import')).send({ trials: [{ params: { lr: 0.03, layers: 4, batch: 64, optimizer: 'sgd' }, value: -1, ...m(99) }] }).expect(201);
      points.push((await suggestOne()).params);
      expect(calls.length).toBeGreaterThan(0);
      runs.push(calls);
      suggestions.push(points);
      h.close();
    }
    h = startHarness();
    expect(JSON.stringify(runs[1])).not.toContain('https://runs');
    expect(runs[1]).toEqual(runs[0]);
    expect(suggestions[1]).toEqual(suggestions[0]);
  }, 60_000);
});
