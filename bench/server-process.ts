/**
 * Starts the service as a child process for a benchmark: the compiled `dist/server.js`
 * (what `npm start` runs; build it first) or the TypeScript source, on a free port and a
 * fresh database file. The child is killed if the benchmark is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type BenchServer = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Every log line of level warn (40) or above, as printed. */
  warnings: string[];
  stop(): Promise<void>;
};

export async function startBenchServer(options: { databaseFile: string; from?: 'dist' | 'source'; env?: Record<string, string> }): Promise<BenchServer> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const args = (options.from ?? 'dist') === 'dist' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${options.databaseFile}`, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      kill();
      process.exit(130);
    });
  }
  const warnings: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"msg":"listening"')) resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      else if (/"level":(4|5|6)0/.test(line)) warnings.push(line);
    });
  });
  return {
    url,
    pid: child.pid!,
    child,
    warnings,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
