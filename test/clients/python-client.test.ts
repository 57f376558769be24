/** clients/python/posterior.py, checked by a script of plain asserts run on /usr/bin/python3. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hasPython, startLiveServer, systemPython, type LiveServer } from './live-server.js';

const run = promisify(execFile);
const python = hasPython();
const apiKey = 'py-test-key';
let server: LiveServer | undefined;

beforeAll(async () => {
  if (python) server = await startLiveServer({ API_KEYS: apiKey });
});
afterAll(() => server?.stop());

test.skipIf(!python)('the Python client passes its checks against a live server (retries, heartbeats, problems, reports, tune with early stopping)', async () => {
  const { stdout } = await run(systemPython, ['test/clients/python/client_check.py', server!.url, apiKey], { timeout: 60_000 });
  expect(stdout).toContain('13 checks passed');
}, 90_000);

test.skipIf(!python)('the Python client module compiles on the standard library alone', async () => {
  // -I: isolated mode, no site-packages and no user paths.
  const { stdout } = await run(systemPython, ['-I', '-c', 'import sys; sys.path.insert(0, "clients/python"); import posterior; print(posterior.__all__)']);
  expect(stdout).toContain('tune');
});
