/** The Python client's source (clients/python/posterior_client), checked by a script of plain asserts run on /usr/bin/python3. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { repositoryRoot } from '../support/server-process.js';
import { hasMypy, hasPython, pythonSourceEnv, startLiveServer, systemPython, type LiveServer } from './live-server.js';

const run = promisify(execFile);
const python = hasPython();
const mypy = hasMypy();
const apiKey = 'py-test-key';
let server: LiveServer | undefined;

beforeAll(async () => {
  if (python) server = await startLiveServer({ API_KEYS: apiKey });
});
afterAll(() => server?.stop());

test.skipIf(!python)('the Python client passes its checks against a live server (retries, heartbeats, problems, reports, tune with early stopping)', async () => {
  const { stdout } = await run(systemPython, ['test/clients/python/client_check.py', server!.url, apiKey], { env: pythonSourceEnv(), timeout: 60_000 });
  expect(stdout).toContain('posterior_client 0.1.0 from ' + join(repositoryRoot, 'clients/python/posterior_client/__init__.py'));
  expect(stdout).toContain('13 checks passed');
}, 90_000);

test.skipIf(!python)('the Python client queues, pauses, resumes, completes, imports and attaches metadata, and tune waits out a paused study', async () => {
  const { stdout } = await run(systemPython, ['test/clients/python/client_methods_check.py', server!.url, apiKey], { env: pythonSourceEnv(), timeout: 60_000 });
  expect(stdout).toContain('7 checks passed');
}, 90_000);

test.skipIf(!python)('the Python client package imports on the standard library alone', async () => {
  // -I: isolated mode, no site-packages, no user paths and no PYTHONPATH.
  const { stdout } = await run(systemPython, ['-I', '-c', 'import sys; sys.path.insert(0, "clients/python"); import posterior_client; print(posterior_client.__all__)']);
  expect(stdout).toContain("'tune'");
});

test.skipIf(!mypy)('the Python client and its build backend type-check under mypy --strict for Python 3.9', async () => {
  // --cache-dir /dev/null: mypy writes no cache into the source tree.
  const args = ['--strict', '--python-version', '3.9', '--cache-dir', '/dev/null', 'posterior_client', '_build_backend/backend.py'];
  const { stdout } = await run('mypy', args, { cwd: join(repositoryRoot, 'clients', 'python'), timeout: 60_000 });
  expect(stdout).toMatch(/^Success: no issues found in 4 source files/);
}, 60_000);
