import { afterEach, describe, expect, test } from 'vitest';
import { KeyRing } from '../../src/api/auth.js';
import { sha256Hex } from '../../src/api-keys.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

describe('API keys', () => {
  test('without API_KEYS, /v1 needs no key', async () => {
    h = startHarness();
    expect((await h.request.get('/v1/studies')).status).toBe(200);
  });

  test('with API_KEYS, /v1 answers 401 UNAUTHORIZED without a valid bearer key and serves with one', async () => {
    h = startHarness({ apiKeys: ['alpha', 'beta'] });
    const missing = await h.request.get('/v1/studies');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.body).toMatchObject({ code: 'UNAUTHORIZED', errors: [{ header: 'Authorization' }] });
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer gamma')).status).toBe(401);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Basic YWxwaGE6')).status).toBe(401);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer alph')).status).toBe(401);
    expect((await h.request.get('/v1/studies').set('Authorization', 'Bearer beta')).status).toBe(200);
    const created = await h.request.post('/v1/studies').set('Authorization', 'Bearer alpha').send(studyBody());
    expect(created.status).toBe(201);
  });

  test('a request without a valid key gets 401 before its body is read: malformed, corrupt or too large', async () => {
    h = startHarness({ apiKeys: ['alpha'] });
    const json = { 'Content-Type': 'application/json' };
    const bodies = [
      h.request.post('/v1/studies').set(json).send('{"name": '),
      h.request.post('/v1/studies').set(json).set('Content-Encoding', 'gzip').send('not gzip at all'),
      h.request.post('/v1/studies').set(json).send(`{"name": "${'x'.repeat(2 * 1024 * 1024)}"}`),
      h.request.post('/v1/studies').set(json).set('Authorization', 'Bearer wrong').send('{"name": '),
    ];
    for (const request of bodies) {
      const res = await request;
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
    }
    // With the key, the same malformed body is what gets reported.
    const keyed = await h.request.post('/v1/studies').set(json).set('Authorization', 'Bearer alpha').send('{"name": ');
    expect(keyed.status).toBe(400);
    expect(keyed.body.code).toBe('MALFORMED_JSON');
  });

  test('health probes stay open when keys are required', async () => {
    h = startHarness({ apiKeys: ['alpha'] });
    expect((await h.request.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await h.request.get('/readyz')).status).toBe(200);
  });
});

describe('pages outside /v1', () => {
  const pages = ['/metrics', '/docs', '/docs/reference.js', '/docs/assets/swagger-ui.css', '/docs/errors', '/docs/errors.css', '/openapi.yaml'];

  test('/metrics, /docs with its assets and /openapi.yaml need a key of any scope when keys are required', async () => {
    h = startHarness({ keys: new KeyRing([{ name: 'reader', sha256: sha256Hex('r'), scopes: ['read'] }]) });
    for (const page of pages) {
      const res = await h.request.get(page);
      expect(res.status, page).toBe(401);
      expect(res.headers['www-authenticate'], page).toBe('Bearer');
      expect((await h.request.get(page).set('Authorization', 'Bearer r')).status, page).toBe(200);
    }
    // The dashboard's paths are closed the same way (this harness serves no build of it, hence 404 with a key).
    for (const page of ['/', '/ui/index.html']) {
      expect((await h.request.get(page)).status, page).toBe(401);
      expect((await h.request.get(page).set('Authorization', 'Bearer r')).status, page).toBe(404);
    }
    h.close();
    h = startHarness();
    for (const page of pages) expect((await h.request.get(page)).status, `${page} without keys`).toBe(200);
  });

  test('PUBLIC_PAGES opens the pages it names and leaves the others closed', async () => {
    h = startHarness({ apiKeys: ['k'], publicPages: ['metrics'] });
    expect((await h.request.get('/metrics')).status).toBe(200);
    expect((await h.request.get('/docs')).status).toBe(401);
    expect((await h.request.get('/v1/studies')).status).toBe(401);
    h.close();
    h = startHarness({ apiKeys: ['k'], publicPages: ['docs', 'dashboard'] });
    for (const page of pages.filter((p) => p !== '/metrics')) expect((await h.request.get(page)).status, page).toBe(200);
    expect((await h.request.get('/')).status).toBe(404);
    expect((await h.request.get('/metrics')).status).toBe(401);
  });
});

describe('readiness', () => {
  test('/readyz answers 503 NOT_READY when a migration is missing', async () => {
    h = startHarness();
    h.db.prepare('DELETE FROM schema_migrations').run();
    const res = await h.request.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('NOT_READY');
  });

  test('/readyz answers 503 when the database is closed', async () => {
    h = startHarness();
    const res0 = await h.request.get('/readyz');
    expect(res0.status).toBe(200);
    h.db.close();
    const res = await h.request.get('/readyz');
    expect(res.status).toBe(503);
    h.close = () => {};
  });
});

describe('unexpected errors', () => {
  test('are a 500 INTERNAL_ERROR problem without a stack trace', async () => {
    h = startHarness({
      suggester: {
        suggest: async () => {
          throw new Error('secret internals at /srv/x.ts:10');
        },
      },
    });
    const study = (await h.request.post('/v1/studies').send(studyBody())).body.id;
    const res = await h.request.post(`/v1/studies/${study}/suggest`).send({});
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(JSON.stringify(res.body)).not.toContain('.ts:');
  });
});
