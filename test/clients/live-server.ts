/**
 * A real server process on a free port and a fresh SQLite file, for the client, example
 * and CLI tests, and the rule for tools that come from the machine rather than npm.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot, startServer } from '../support/server-process.js';

export type LiveServer = { url: string; stop(): Promise<void> };

export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  const dir = mkdtempSync(join(tmpdir(), 'posterior-clients-'));
  const server = await startServer({ DATABASE_URL: `sqlite:${join(dir, 'posterior.db')}`, ...env });
  return {
    url: server.url,
    async stop() {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's interpreter, which `.ci/run` gives scikit-learn; the `python3` on PATH may be another. */
export const systemPython = '/usr/bin/python3';

/**
 * The environment in which a script imports the Python client from this checkout
 * (clients/python) rather than an installed copy; the examples themselves import it as a
 * user who ran `pip install ./clients/python` would.
 */
export const pythonSourceEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({
  ...env,
  PYTHONPATH: join(repositoryRoot, 'clients', 'python'),
});

/**
 * Whether a machine tool is usable. In CI (`CI` set), `.ci/run` installs these tools, so a
 * missing one is a broken set-up and throws with the reason instead of skipping quietly.
 * Elsewhere the tests that need it are skipped, and the reason is printed.
 */
export function machineTool(what: string, command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch (err) {
    const reason = `${what} is not usable (\`${[command, ...args].join(' ')}\` failed: ${(err as Error).message.split('\n')[0]})`;
    if (process.env.CI) throw new Error(`${reason}; .ci/run should have installed it`);
    console.warn(`skipping the tests that need ${what}: ${reason}`);
    return false;
  }
}

export const hasSklearn = () => machineTool('/usr/bin/python3 with scikit-learn', systemPython, ['-c', 'import sklearn']);
export const hasPython = () => machineTool('/usr/bin/python3', systemPython, ['--version']);
export const hasJq = () => machineTool('jq', 'jq', ['--version']);
/** Debian's mypy, which checks the Python client's type hints. */
export const hasMypy = () => machineTool('mypy', 'mypy', ['--version']);
/** Debian's python3-venv: venv with ensurepip, which Debian ships apart from the interpreter. */
export const hasVenv = () => machineTool('python3-venv (venv with ensurepip)', systemPython, ['-c', 'import ensurepip, venv']);
