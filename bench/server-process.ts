/**
 * Starts the service as a child process for a benchmark: the compiled `dist/server.js`
 * (what `npm start` runs; build it first) or the TypeScript source, on a free port and a
 * fresh database file (or the `databaseUrl` given: a PostgreSQL database that several replicas
 * share). The child is killed if the benchmark is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type BenchServer = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Log lines by level, counted as they come (the request logs are part of what is measured). */
  log: { warn: number; error: number; fatal: number; /** The first error and fatal lines. */ errorLines: string[] };
  stop(): Promise<void>;
};

export async function startBenchServer(options: { databaseFile: string; databaseUrl?: string; from?: 'dist' | 'source'; env?: Record<string, string> }): Promise<BenchServer> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const args = (options.from ?? 'dist') === 'dist' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: options.databaseUrl ?? `sqlite:${options.databaseFile}`, LOG_LEVEL: 'info', ...options.env },
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
  const log = { warn: 0, error: 0, fatal: 0, errorLines: [] as string[] };
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // Cheap checks first: this sees one line per request.
      if (line.includes('"msg":"listening"')) resolve(`http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level === '40') log.warn++;
      else if (level === '50' || level === '60') {
        log[level === '50' ? 'error' : 'fatal']++;
        if (log.errorLines.length < 5) log.errorLines.push(line.slice(0, 400));
      }
    });
  });
  return {
    url,
    pid: child.pid!,
    child,
    log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
