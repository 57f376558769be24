import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { KeyRing } from '../../src/api/auth.js';
import { v1Operations } from '../../src/api/authorization.js';
import { specForValidation } from '../../src/api/spec.js';
import { sha256Hex } from '../../src/api-keys.js';
import { operationScopes, type Scope } from '../../src/domain/access.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';

const key = (name: string, scopes: Scope[], studyPrefix?: string) => ({
  name,
  sha256: sha256Hex(`${name}-secret`),
  scopes,
  ...(studyPrefix === undefined ? {} : { studyPrefix }),
});
const as = (name: string) => ({ Authorization: `Bearer ${name}-secret` });

let h: Harness;
beforeEach(() => {
  h = startHarness({
    keys: new KeyRing([
      key('admin', ['admin']),
      key('reader', ['read']),
      key('writer', ['write']),
      key('worker', ['read', 'write']),
      key('team-a', ['admin'], 'team-a/'),
      key('team-a-worker', ['read', 'write'], 'team-a/'),
    ]),
  });
});
afterEach(() => h.close());

async function createStudy(name: string): Promise<string> {
  const res = await h.request.post('/v1/studies').set(as('admin')).send(studyBody({ name }));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** A study with one pending trial (from `admin`): the ids every by-id route needs. */
async function studyWithTrial(name: string): Promise<{ study: string; trial: string }> {
  const study = await createStudy(name);
  const suggested = await h.request.post(`/v1/studies/${study}/suggest`).set(as('admin')).send({});
  return { study, trial: suggested.body.trials[0].id as string };
}

describe('scopes', () => {
  test('every /v1 operation of openapi.yaml has a scope, and every scope names an operation of openapi.yaml', () => {
    const served = [...v1Operations(specForValidation()).values()].flatMap((methods) => [...methods.values()]);
    expect(served.sort()).toEqual(Object.keys(operationScopes).sort());
  });

  test('a read key reads everything but cannot create, delete, suggest, observe or heartbeat', async () => {
    const { study, trial } = await studyWithTrial('s');
    for (const path of ['/v1/studies', `/v1/studies/${study}`, `/v1/studies/${study}/trials`, `/v1/studies/${study}/trials/${trial}`, `/v1/studies/${study}/export`]) {
      expect((await h.request.get(path).set(as('reader'))).status, path).toBe(200);
    }
    const refused = [
      [h.request.post('/v1/studies').send(studyBody({ name: 'r' })), 'admin'],
      [h.request.delete(`/v1/studies/${study}`), 'admin'],
      [h.request.post(`/v1/studies/${study}/suggest`).send({}), 'write'],
      [h.request.post(`/v1/studies/${study}/observe`).send({ trialId: trial, value: 1 }), 'write'],
      [h.request.post(`/v1/studies/${study}/trials/${trial}/heartbeat`), 'write'],
      [h.request.post('/v1/suggest').send({ parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: { goal: 'minimize' }, observations: [] }), 'write'],
    ] as const;
    for (const [request, scope] of refused) {
      const res = await request.set(as('reader'));
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'FORBIDDEN_SCOPE', status: 403 });
      expect(res.body.detail).toContain(`needs the '${scope}' scope`);
      expect(res.body.detail).toContain("the key 'reader' has read");
    }
    expect((await h.request.get(`/v1/studies/${study}/trials`).set(as('admin'))).body.trials).toHaveLength(1);
  });

  test('a write key suggests, observes and heartbeats, but cannot create or delete a study, nor read one', async () => {
    const study = await createStudy('s');
    const suggested = await h.request.post(`/v1/studies/${study}/suggest`).set(as('writer')).send({ count: 2 });
    expect(suggested.status).toBe(200);
    const [first, second] = suggested.body.trials as { id: string }[];
    expect((await h.request.post(`/v1/studies/${study}/trials/${second!.id}/heartbeat`).set(as('writer'))).status).toBe(200);
    expect((await h.request.post(`/v1/studies/${study}/observe`).set(as('writer')).send({ trialId: first!.id, value: 0.5 })).status).toBe(200);
    const stateless = await h.request
      .post('/v1/suggest')
      .set(as('writer'))
      .send({ parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: { goal: 'minimize' }, observations: [] });
    expect(stateless.status).toBe(200);

    expect((await h.request.post('/v1/studies').set(as('writer')).send(studyBody({ name: 'w' }))).status).toBe(403);
    expect((await h.request.delete(`/v1/studies/${study}`).set(as('writer'))).status).toBe(403);
    const read = await h.request.get(`/v1/studies/${study}`).set(as('writer'));
    expect(read.status).toBe(403);
    expect(read.body.detail).toContain("needs the 'read' scope (or 'admin')");
    // The usual worker key has both.
    expect((await h.request.get(`/v1/studies/${study}/best`).set(as('worker'))).status).toBe(200);
  });

  test('an admin key creates, reads, suggests, observes and deletes', async () => {
    const { study, trial } = await studyWithTrial('s');
    expect((await h.request.post(`/v1/studies/${study}/observe`).set(as('admin')).send({ trialId: trial, value: 1 })).status).toBe(200);
    expect((await h.request.get(`/v1/studies/${study}/best`).set(as('admin'))).status).toBe(200);
    expect((await h.request.get(`/v1/studies/${study}/export?format=csv`).set(as('admin'))).status).toBe(200);
    expect((await h.request.delete(`/v1/studies/${study}`).set(as('admin'))).status).toBe(204);
  });

  test('import and a trial\'s metadata need write, a study\'s metadata admin; a prefix holds for the import route too', async () => {
    const { study, trial } = await studyWithTrial('s');
    const rows = { trials: [{ params: { lr: 0.01, layers: 2, batch: 16, optimizer: 'adam' }, value: 1 }] };
    const importAs = (name: string, id = study) => h.request.post(`/v1/studies/${id}/trials:import`).set(as(name)).send(rows);
    expect((await importAs('reader')).body).toMatchObject({ status: 403, code: 'FORBIDDEN_SCOPE' });
    expect((await h.request.patch(`/v1/studies/${study}/trials/${trial}`).set(as('reader')).send({ metadata: { a: 1 } })).status).toBe(403);
    expect((await h.request.patch(`/v1/studies/${study}`).set(as('worker')).send({ metadata: { a: 1 } })).status).toBe(403);
    expect((await importAs('writer')).status).toBe(201);
    expect((await h.request.patch(`/v1/studies/${study}/trials/${trial}`).set(as('writer')).send({ metadata: { a: 1 } })).status).toBe(200);
    expect((await h.request.patch(`/v1/studies/${study}`).set(as('admin')).send({ metadata: { a: 1 } })).status).toBe(200);
    // The study 's' is outside team-a/: its worker key may not import into it.
    expect((await importAs('team-a-worker')).body).toMatchObject({ status: 403, code: 'FORBIDDEN_SCOPE' });
    const own = await createStudy('team-a/s');
    expect((await importAs('team-a-worker', own)).status).toBe(201);
    expect((await h.request.get(`/v1/studies/${study}`).set(as('admin'))).body.trialCounts.total).toBe(2);
  });

  test('an out-of-scope call is refused before its body is read', async () => {
    const res = await h.request.post('/v1/studies').set(as('reader')).set('Content-Type', 'application/json').send('{"name": ');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_SCOPE');
  });

  test('OPTIONS and HEAD are answered as without keys: 405, and a HEAD needs the read scope like its GET', async () => {
    expect((await h.request.options('/v1/studies').set(as('admin'))).status).toBe(405);
    expect((await h.request.head('/v1/studies').set(as('writer'))).status).toBe(403);
  });

  test('another spelling of a route (case, trailing slash) does not get past the scope check', async () => {
    for (const path of ['/v1/studies/', '/V1/STUDIES', '/v1/Studies/']) {
      const res = await h.request.post(path).set(as('reader')).send(studyBody({ name: `via ${path}` }));
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
    expect((await h.request.get('/v1/studies').set(as('admin'))).body.studies).toEqual([]);
  });
});

describe('study-name prefix', () => {
  test('listing shows only the studies under the prefix, page by page', async () => {
    for (const name of ['team-a/one', 'team-b/one', 'team-a/two', 'other', 'team-a', 'team-a/three']) await createStudy(name);
    const first = await h.request.get('/v1/studies?limit=2').set(as('team-a-worker'));
    expect(first.status).toBe(200);
    expect(first.body.studies.map((s: { name: string }) => s.name)).toEqual(['team-a/one', 'team-a/two']);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await h.request.get(`/v1/studies?limit=2&cursor=${first.body.nextCursor}`).set(as('team-a-worker'));
    expect(second.body.studies.map((s: { name: string }) => s.name)).toEqual(['team-a/three']);
    expect(second.body.nextCursor).toBeNull();
    // A key without a prefix still sees them all.
    expect((await h.request.get('/v1/studies').set(as('reader'))).body.studies).toHaveLength(6);
  });

  test('creating a study whose name lacks the prefix is 403 with a pointer to #/name', async () => {
    const res = await h.request.post('/v1/studies').set(as('team-a')).send(studyBody({ name: 'team-b/resnet' }));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
      detail: "the key 'team-a' reaches only studies whose name starts with 'team-a/'",
      errors: [{ pointer: '#/name', detail: "must start with 'team-a/'" }],
    });
    expect((await h.request.post('/v1/studies').set(as('team-a')).send(studyBody({ name: 'team-a/resnet' }))).status).toBe(201);
  });

  test('every call on a study outside the prefix by id is 403; inside it works, and an unknown id is still 404', async () => {
    const theirs = await studyWithTrial('team-b/resnet');
    const ours = await studyWithTrial('team-a/resnet');
    const calls = ({ study, trial }: { study: string; trial: string }) => [
      h.request.get(`/v1/studies/${study}`),
      h.request.get(`/v1/studies/${study}/trials`),
      h.request.get(`/v1/studies/${study}/trials/${trial}`),
      h.request.get(`/v1/studies/${study}/export`),
      h.request.post(`/v1/studies/${study}/trials/${trial}/heartbeat`),
      h.request.post(`/v1/studies/${study}/suggest`).send({}),
      h.request.post(`/v1/studies/${study}/observe`).send({ trialId: trial, value: 1 }),
    ];
    for (const call of calls(theirs)) {
      const res = await call.set(as('team-a-worker'));
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe("the key 'team-a-worker' reaches only studies whose name starts with 'team-a/'");
    }
    expect((await h.request.delete(`/v1/studies/${theirs.study}`).set(as('team-a'))).status).toBe(403);
    expect((await h.request.get(`/v1/studies/${theirs.study}/trials`).set(as('admin'))).body.trials).toHaveLength(1);

    for (const call of calls(ours)) expect((await call.set(as('team-a-worker'))).status).toBeLessThan(300);
    expect((await h.request.get(`/v1/studies/${ours.study}/best`).set(as('team-a-worker'))).status).toBe(200);
    expect((await h.request.delete(`/v1/studies/${ours.study}`).set(as('team-a'))).status).toBe(204);
    expect((await h.request.get('/v1/studies/st_nope').set(as('team-a-worker'))).body.code).toBe('STUDY_NOT_FOUND');
  });
});
