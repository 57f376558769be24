/**
 * The server run from a folder whose path has a space in it (a macOS "Application Support"
 * folder, a Windows user name): every file it reads at start-up, and the engine thread it
 * loads, must be found by path, not by a URL's percent-encoded pathname.
 */
import { cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { json, repositoryRoot, startServer, type ServerProcess } from './support/server-process.js';

/** What `node --import tsx src/server.ts` reads; node_modules is linked, not copied. */
const NEEDED = ['src', 'migrations', 'docs', 'openapi.yaml', 'package.json', 'tsconfig.json'];

test('the server starts from a folder whose path contains a space, and serves its pages and a GP suggestion', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'posterior path with space-'));
  for (const entry of NEEDED) cpSync(join(repositoryRoot, entry), join(copy, entry), { recursive: true });
  symlinkSync(realpathSync(join(repositoryRoot, 'node_modules')), join(copy, 'node_modules'), 'dir');
  let server: ServerProcess | undefined;
  try {
    server = await startServer(
      { DATABASE_URL: `sqlite:${join(copy, 'data', 'p.db')}`, ENGINE_THREADS: '1', ENGINE_EXPRESS_THREAD: '0' },
      'source',
      copy,
    );
    expect((await json(`${server.url}/readyz`)).status).toBe(200);
    for (const page of ['/openapi.yaml', '/docs', '/docs/errors']) expect((await fetch(`${server.url}${page}`)).status, page).toBe(200);
    const study = await json(`${server.url}/v1/studies`, 'POST', {
      name: 'spaced',
      parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }],
      objective: { goal: 'minimize' },
      options: { seed: 1, initialTrials: 2 },
    });
    for (const x of [0.2, 0.8]) await json(`${server.url}/v1/studies/${study.body.id}/observe`, 'POST', { params: { x }, value: x });
    const suggested = await json(`${server.url}/v1/studies/${study.body.id}/suggest`, 'POST', {});
    expect(suggested.body.trials[0].source).toBe('gp-logei');
  } finally {
    server?.child.kill('SIGTERM');
    if (server) expect(await server.exited).toBe(0);
    rmSync(copy, { recursive: true, force: true });
  }
}, 60_000);
