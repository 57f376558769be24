import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PAGE_CSP } from '../../src/api/security-headers.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let dir: string;
const PAGE = '<!doctype html><title>Posterior</title><script type="module" src="/ui/assets/app-1234.js"></script>';

beforeEach(() => {
  // A stand-in for `npm run build:ui`'s output: the router serves whatever the build wrote.
  dir = mkdtempSync(join(tmpdir(), 'posterior-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'export {};\n');
});
afterEach(() => {
  h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard pages', () => {
  test('/ and /ui/ serve the page under the page policy, read again each time; its hashed assets are cached for good', async () => {
    h = startHarness({ dashboardDir: dir });
    for (const path of ['/', '/ui', '/ui/', '/ui/index.html']) {
      const res = await h.request.get(path);
      expect(res.status, path).toBe(200);
      expect(res.type).toBe('text/html');
      expect(res.text).toBe(PAGE);
      expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const asset = await h.request.get('/ui/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.type).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await h.request.get('/ui/assets/nope.js');
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  test('without a build there is no dashboard: / is a 404 problem', async () => {
    h = startHarness({ dashboardDir: join(dir, 'not-built') });
    const res = await h.request.get('/');
    expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  test('with keys, the page needs one unless PUBLIC_PAGES opens it; the API behind it always does', async () => {
    h = startHarness({ dashboardDir: dir, apiKeys: ['secret'] });
    for (const path of ['/', '/ui/', '/ui/assets/app-1234.js']) {
      expect((await h.request.get(path)).status, path).toBe(401);
      expect((await h.request.get(path).set('Authorization', 'Bearer secret')).status, path).toBe(200);
    }
    h.close();
    h = startHarness({ dashboardDir: dir, apiKeys: ['secret'], publicPages: ['dashboard'] });
    expect((await h.request.get('/')).status).toBe(200);
    expect((await h.request.get('/ui/assets/app-1234.js')).status).toBe(200);
    expect((await h.request.get('/v1/studies')).status).toBe(401);
  });
});
