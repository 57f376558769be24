/**
 * The Python client as a user installs it: pip builds the wheel of clients/python with no
 * package index and none of this machine's pip configuration, the wheel goes into a fresh
 * virtual environment (Debian's python3-venv), and the client's checks run there, against
 * a live server, on the installed copy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repositoryRoot } from '../support/server-process.js';
import { hasVenv, startLiveServer, systemPython, type LiveServer } from './live-server.js';

const run = promisify(execFile);
const venvOk = hasVenv();
const apiKey = 'py-package-key';
const source = join(repositoryRoot, 'clients', 'python');
const checks = join(repositoryRoot, 'test', 'clients', 'python');
let dir: string;
let server: LiveServer | undefined;
let wheel: string;
/** The python of the one virtual environment made with pip (ensurepip takes seconds; the others are made without and get pip's --python). */
let withPip: string;

/**
 * pip with no index and no configuration: this machine's pip.conf points at local mirrors,
 * which would hide a build that needs to download something. No PYTHONPATH, so a script
 * imports the client that is installed, and no bytecode written into the source tree.
 */
function offline(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIP_') && k !== 'PYTHONPATH'));
  return { ...env, PIP_CONFIG_FILE: '/dev/null', PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' };
}

/** A fresh virtual environment under the test's folder; its python. */
async function venv(name: string, { pip = false } = {}): Promise<string> {
  await run(systemPython, ['-m', 'venv', ...(pip ? [] : ['--without-pip']), join(dir, name)], { env: offline(), timeout: 60_000 });
  return join(dir, name, 'bin', 'python');
}

/** pip acting on the environment of `python`: its own pip, or the one environment's that has pip. */
const pip = (python: string, args: string[]) =>
  run(withPip, ['-m', 'pip', ...(python === withPip ? [] : ['--python', python]), ...args], { cwd: repositoryRoot, env: offline(), timeout: 120_000 });
const check = (python: string, args: string[]) => run(python, args, { cwd: repositoryRoot, env: offline(), timeout: 60_000 });

/** The files under clients/python, bytecode caches left out. */
function sourceFiles(): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
      entry.name === '__pycache__' ? [] : entry.isDirectory() ? walk(join(folder, entry.name)) : [relative(source, join(folder, entry.name))],
    );
  return walk(source).sort();
}

beforeAll(async () => {
  if (!venvOk) return;
  dir = mkdtempSync(join(tmpdir(), 'posterior-py-package-'));
  withPip = await venv('readme', { pip: true });
  await pip(withPip, ['wheel', '--no-deps', '--wheel-dir', join(dir, 'wheels'), './clients/python']);
  wheel = join(dir, 'wheels', readdirSync(join(dir, 'wheels'))[0]!);
  server = await startLiveServer({ API_KEYS: apiKey });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!venvOk)('the Python package', () => {
  test('pip builds one pure wheel offline: the package with py.typed, metadata requiring Python 3.9 and no other distribution, and a RECORD whose hashes match', async () => {
    expect(readdirSync(join(dir, 'wheels'))).toEqual(['posterior_client-0.1.0-py3-none-any.whl']);
    const inside = JSON.parse((await check(systemPython, [join(checks, 'package_check.py'), 'wheel', wheel])).stdout);
    expect(inside.files).toEqual([
      'posterior_client-0.1.0.dist-info/METADATA',
      'posterior_client-0.1.0.dist-info/RECORD',
      'posterior_client-0.1.0.dist-info/WHEEL',
      'posterior_client/__init__.py',
      'posterior_client/_client.py',
      'posterior_client/_tune.py',
      'posterior_client/py.typed',
    ]);
    expect(inside.recordCoversEveryFile).toBe(true);
    expect(inside.recordMismatches).toEqual([]);
    expect(inside.metadata).toMatchObject({ Name: ['posterior-client'], Version: ['0.1.0'], 'Requires-Python': ['>=3.9'] });
    expect(inside.metadata['Requires-Dist']).toBeUndefined(); // the standard library only
    expect(inside.description).toBe(readFileSync(join(source, 'README.md'), 'utf8'));
  });

  test('the wheel installed in a fresh virtual environment passes the client checks against a live server, imported from its site-packages', async () => {
    const python = await venv('installed');
    await pip(python, ['install', wheel]);
    const { stdout } = await check(python, [join(checks, 'client_check.py'), server!.url, apiKey]);
    expect(stdout).toMatch(new RegExp(`^posterior_client 0\\.1\\.0 from ${dir}/installed/lib/python3\\.\\d+/site-packages/posterior_client/__init__\\.py$`, 'm'));
    expect(stdout).toContain('13 checks passed');
    // The PyTorch example's checks use the client too (its worker pool and tune), with PyTorch stood in for.
    for (const args of [['validation'], ['devices'], ['early-stopping', server!.url, apiKey], ['crash', server!.url, apiKey]]) {
      expect((await check(python, [join(checks, 'tune_pytorch_check.py'), ...args])).stdout).toBe(`${args[0]}: ok\n`);
    }
    // It came alone: no dependency was installed.
    const { stdout: listed } = await pip(python, ['list', '--format', 'json']);
    expect((JSON.parse(listed) as { name: string }[]).map((p) => p.name)).toEqual(['posterior-client']);
  }, 120_000);

  test('`pip install ./clients/python`, as the README shows, works with no index and leaves the source folder as it was; -e links it instead', async () => {
    const before = sourceFiles();
    const python = withPip; // fresh: the wheel above was built with its pip, not installed into it
    const { stdout } = await pip(python, ['install', './clients/python']);
    expect(stdout).toContain('Successfully installed posterior-client-0.1.0');
    const where = async () => (await check(python, ['-c', 'import posterior_client; print(posterior_client.__file__)'])).stdout.trim();
    expect(await where()).toMatch(new RegExp(`^${dir}/readme/lib/python3\\.\\d+/site-packages/posterior_client/__init__\\.py$`));
    expect(sourceFiles()).toEqual(before);

    await pip(python, ['install', '--editable', './clients/python']);
    expect(await where()).toBe(join(source, 'posterior_client', '__init__.py'));
    expect(sourceFiles()).toEqual(before);
  }, 120_000);

  test('the backend builds the same bytes twice, and its sdist holds what a rebuild needs and installs offline', async () => {
    await check(systemPython, [join(checks, 'package_check.py'), 'builds', join(dir, 'builds')]);
    const [first, second] = ['1', '2'].map((run) => readdirSync(join(dir, 'builds', run)).map((f) => readFileSync(join(dir, 'builds', run, f))));
    expect(first).toHaveLength(2);
    expect(second).toEqual(first);
    expect(readFileSync(join(dir, 'builds', '1', 'posterior_client-0.1.0-py3-none-any.whl'))).toEqual(readFileSync(wheel));

    const sdist = join(dir, 'builds', '1', 'posterior_client-0.1.0.tar.gz');
    const { files } = JSON.parse((await check(systemPython, [join(checks, 'package_check.py'), 'sdist', sdist])).stdout);
    expect(files).toEqual(
      ['PKG-INFO', 'README.md', '_build_backend/backend.py', 'posterior_client/__init__.py', 'posterior_client/_client.py', 'posterior_client/_tune.py', 'posterior_client/py.typed', 'pyproject.toml'].map(
        (f) => `posterior_client-0.1.0/${f}`,
      ),
    );
    const python = await venv('sdist');
    await pip(python, ['install', sdist]);
    expect((await check(python, ['-c', 'import posterior_client; print(posterior_client.__version__)'])).stdout).toBe('0.1.0\n');
  }, 120_000);

  test('the package and its backend parse as Python 3.9, and the backend reads pyproject.toml as tomllib does', async () => {
    expect((await check(systemPython, [join(checks, 'package_check.py'), 'syntax'])).stdout).toBe('syntax: 4 files parse as Python 3.9\n');
    expect((await check(systemPython, [join(checks, 'package_check.py'), 'pyproject'])).stdout).toMatch(/^pyproject: \d+ keys read as tomllib reads them\n$/);
  });
});
