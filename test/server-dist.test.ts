/**
 * What `npm start` runs: the compiled server, with the GP engine in its worker threads
 * loaded from dist/ (a path the source-run tests never take).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { json, repositoryRoot, startServer } from './support/server-process.js';

test('the built server serves a GP suggestion and a model view from its worker pool, and the dashboard, and stops cleanly on SIGTERM', async () => {
  execFileSync(process.execPath, [join(repositoryRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repositoryRoot });
  execFileSync(process.execPath, [join(repositoryRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'ui/vite.config.ts'], { cwd: repositoryRoot });
  const dir = mkdtempSync(join(tmpdir(), 'posterior-dist-'));
  const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'p.db')}`, ENGINE_THREADS: '1' }, 'dist');
  try {
    const study = await json(`${server.url}/v1/studies`, 'POST', {
      name: 'dist',
      parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }],
      objective: { goal: 'minimize' },
      options: { seed: 1, initialTrials: 3 },
    });
    for (const x of [0.1, 0.5, 0.9]) {
      await json(`${server.url}/v1/studies/${study.body.id}/observe`, 'POST', { params: { x }, value: (x - 0.3) ** 2 });
    }
    const suggested = await json(`${server.url}/v1/studies/${study.body.id}/suggest`, 'POST', {});
    expect(suggested.status).toBe(200);
    expect(suggested.body.trials[0].source).toBe('gp-logei');
    // A view of the model, from the worker threads as built.
    const slice = await json(`${server.url}/v1/studies/${study.body.id}/model/slice?parameter=x&points=5`);
    expect(slice.status).toBe(200);
    expect(slice.body.points).toHaveLength(5);
    // Files read at start-up relative to dist/ are found: the error page and the dashboard.
    expect((await fetch(`${server.url}/docs/errors`)).status).toBe(200);
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect((await fetch(`${server.url}${script}`)).headers.get('content-type')).toMatch(/javascript/);
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
