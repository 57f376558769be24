/**
 * `posterior serve` as a real process, stopped the ways a process manager or a person stops
 * it: a signal to the process itself, or to the npm process of `npx posterior serve`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { repositoryRoot } from '../support/server-process.js';

let dir: string;
let started: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'posterior-serve-'));
});
afterEach(() => {
  // Whatever the test found, leave nothing running: the processes share the group of the one started.
  if (started?.pid) signalGroup(started.pid, 'SIGKILL');
  started = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const serveCommand = () => [process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--database', `sqlite:${join(dir, 'p.db')}`];
const serverEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ENGINE_THREADS: '1', ENGINE_EXPRESS_THREAD: '0' };

/** Starts `command` as the leader of a new process group; resolves with the server's URL once it listens. */
async function startInGroup(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(command, args, { cwd: repositoryRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started = child;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no server in 20 s: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = /"port":(\d+).*"msg":"listening"/.exec(line)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
  });
}

function signalGroup(leader: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-leader, signal);
    return true;
  } catch {
    return false; // ESRCH: no process is left in the group
  }
}

const answers = (url: string) => fetch(`${url}/healthz`).then((r) => r.ok, () => false);

async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 12_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('SIGTERM to the `posterior serve` process stops the server and leaves no process', async () => {
  const [node, ...args] = serveCommand();
  const url = await startInGroup(node!, args, serverEnv);
  expect(await answers(url)).toBe(true);
  process.kill(started!.pid!, 'SIGTERM');
  await eventually('the port stops answering', async () => !(await answers(url)));
  await eventually('no process is left', () => !signalGroup(started!.pid!, 0));
}, 60_000);

test('SIGTERM to the npm process of `npx posterior serve` stops the server, though npm passes it only to its shell', async () => {
  // `npm exec -c` runs a command as npx runs a package's bin: npm → sh -c → node, and on
  // SIGTERM or SIGINT npm signals the shell, which exits without passing the signal on.
  const command = serveCommand().map((word) => `'${word}'`).join(' ');
  const url = await startInGroup('npm', ['exec', '--offline', '-c', command], serverEnv);
  expect(await answers(url)).toBe(true);
  process.kill(started!.pid!, 'SIGTERM');
  await eventually('the port stops answering', async () => !(await answers(url)));
  await eventually('no process is left', () => !signalGroup(started!.pid!, 0));
}, 60_000);

test('outside npm, `posterior serve` keeps running when the shell that started it exits, as under nohup', async () => {
  const env = { ...serverEnv };
  delete env.npm_lifecycle_event;
  const command = serveCommand().map((word) => `'${word}'`).join(' ');
  const url = await startInGroup('sh', ['-c', `${command}; exit 0`], env);
  process.kill(started!.pid!, 'SIGKILL');
  // Longer than the server takes to notice a changed parent when npm started it.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(await answers(url)).toBe(true);
}, 60_000);
