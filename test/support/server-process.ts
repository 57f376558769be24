/**
 * Runs the server as a real child process, for tests that kill and restart it: from
 * source by default, or the compiled `dist/server.js` that `npm start` runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository's root folder, where `src/` and `dist/` are. */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export type ServerProcess = { url: string; child: ChildProcess; exited: Promise<number | null> };

/** `root` is the folder to run from: the repository by default, or a copy of what the server needs. */
export async function startServer(
  env: Record<string, string>,
  from: 'source' | 'dist' = 'source',
  root: string = repositoryRoot,
  startTimeoutMs = 20_000,
): Promise<ServerProcess> {
  const args = from === 'source' ? ['--import', 'tsx', 'src/server.ts'] : ['dist/server.js'];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${startTimeoutMs / 1000} s: ${stderr}`)), startTimeoutMs);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${entry.port}`);
        }
      } catch {
        // not a log line
      }
    });
  });
  return { url, child, exited };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked by the assertions that read them
export async function json(url: string, method = "GET", body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
