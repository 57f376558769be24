/**
 * The server under fuzz: a real process (`src/server.ts` with VALIDATE_RESPONSES=1) on a fresh SQLite file, and
 * everything a fuzz case needs from it: a request with a deadline, a watchdog that
 * notices a blocked event loop long before that deadline, `/healthz`, a fingerprint of
 * the stored studies and trials, the error the server logged for a request, and a
 * restart (from a process started in advance) when a case hangs or kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';

export type TargetOptions = {
  /** Longest wait for any answer. */
  requestTimeoutMs: number;
  /**
   * Longest wait for `/healthz`; while a request is in flight it is polled, and a miss,
   * confirmed by a second miss with twice the deadline, means a blocked event loop.
   */
  healthTimeoutMs: number;
  /** Engine threads of the server. Default 1 (the fuzz runner needs the other core). */
  engineThreads?: number;
};

export type SentRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
};

export type Answer =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; text: string; ms: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'blocked'; ms: number; healthMs: number }
  | { kind: 'network-error'; message: string; ms: number };

type Proc = { child: ChildProcess; url: string; dir: string; dbPath: string; errors: Map<string, string[]>; exited: boolean; stderr: () => string };

// The real entry point, with every response checked against openapi.yaml (a mismatch is a 500).
const SERVER_ENTRY = new URL('../../../src/server.ts', import.meta.url).pathname;
const ROOT = new URL('../../../', import.meta.url).pathname;

async function spawnServer(engineThreads: number): Promise<Proc> {
  // NOTE: on tmpfs when there is one: every write fsyncs (synchronous = FULL) on the event
  // loop, and on a shared disk one fsync can stall past the health deadline, a false hang.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'posterior-fuzz-'));
  const dbPath = join(dir, 'fuzz.db');
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${dbPath}`, ENGINE_THREADS: String(engineThreads), LOG_LEVEL: 'info',
      VALIDATE_RESPONSES: '1', API_KEYS: '', API_KEYS_FILE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors = new Map<string, string[]>();
  let stderr = '';
  const proc: Omit<Proc, 'url'> = { child, dir, dbPath, errors, exited: false, stderr: () => stderr };
  child.once('exit', () => (proc.exited = true));
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fuzz server did not start in 30 s: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`fuzz server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: {
        msg?: string;
        port?: number;
        reqId?: string;
        req?: { id?: string };
        err?: { type?: string; message?: string; status?: number; code?: string };
      };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${entry.port}`);
        return;
      }
      const id = entry.reqId ?? entry.req?.id;
      if (id && entry.err?.message) {
        const list = errors.get(id) ?? [];
        const { type, message, status, code } = entry.err;
        // A library error that carries an HTTP status or a code says which library raised it.
        const tags = [status !== undefined ? `status ${status}` : '', code ? `code ${code}` : ''].filter(Boolean).join(', ');
        const text = `${type ?? 'Error'}: ${message}${tags ? ` (${tags})` : ''}`;
        if (!list.includes(text)) list.push(text);
        errors.set(id, list);
      }
    });
  });
  return { ...proc, url };
}

function killServer(proc: Proc): void {
  if (!proc.exited) proc.child.kill('SIGKILL');
  proc.child.stdout?.destroy();
  proc.child.stderr?.destroy();
  rmSync(proc.dir, { recursive: true, force: true });
}

export class LiveTarget {
  private proc: Proc;
  private spare: Promise<Proc> | null;
  private db: Database.Database | null = null;
  private counter = 0;
  /** Restarts so far, after hangs and crashes. */
  restarts = 0;

  private constructor(
    proc: Proc,
    readonly options: TargetOptions,
  ) {
    this.proc = proc;
    this.spare = null;
  }

  static async start(options: TargetOptions): Promise<LiveTarget> {
    const target = new LiveTarget(await spawnServer(options.engineThreads ?? 1), options);
    return target;
  }

  get url(): string {
    return this.proc.url;
  }

  /** A fresh id for `X-Request-Id`, to find what the server logged about the request. */
  nextRequestId(): string {
    return `fuzz-${process.pid}-${++this.counter}`;
  }

  /** Sends `req` and waits for its answer, its deadline, or a `/healthz` miss while it runs. */
  async send(req: SentRequest, timeoutMs = this.options.requestTimeoutMs): Promise<Answer> {
    const started = performance.now();
    const controller = new AbortController();
    const request = this.raw(req, timeoutMs, controller.signal);
    let watching = true;
    const watchdog = (async (): Promise<Answer | null> => {
      await sleep(Math.min(250, this.options.healthTimeoutMs));
      while (watching) {
        const health = await this.health();
        if (!watching) return null;
        if (!health.ok) return { kind: 'blocked', ms: performance.now() - started, healthMs: health.ms };
        await sleep(250);
      }
      return null;
    })();
    const first = await Promise.race([request, watchdog.then((a) => a ?? request)]);
    watching = false;
    if (first.kind === 'blocked') controller.abort();
    return first;
  }

  /**
   * `GET /healthz` with the health deadline; a miss is retried once with twice the
   * deadline. NOTE: this machine is shared (load averages of 7 on 2 cores were seen), and
   * a starved but healthy server can miss one deadline; a spinning one misses both.
   */
  async health(): Promise<{ ok: boolean; ms: number; detail: string }> {
    const first = await this.healthOnce(this.options.healthTimeoutMs);
    if (first.ok || !this.alive()) return first;
    const second = await this.healthOnce(2 * this.options.healthTimeoutMs);
    return second.ok ? second : { ...second, ms: first.ms + second.ms };
  }

  private async healthOnce(timeoutMs: number): Promise<{ ok: boolean; ms: number; detail: string }> {
    const answer = await this.raw({ method: 'GET', path: '/healthz', headers: {} }, timeoutMs);
    if (answer.kind !== 'response') return { ok: false, ms: answer.ms, detail: answer.kind };
    const ok = answer.status === 200 && answer.text === '{"status":"ok"}';
    return { ok, ms: answer.ms, detail: ok ? 'ok' : `${answer.status} ${answer.text.slice(0, 200)}` };
  }

  /** Whether the server process is still running. */
  alive(): boolean {
    return !this.proc.exited;
  }

  /** The end of what the server wrote to stderr: why it died, when it did. */
  lastWords(): string {
    return this.proc.stderr().trim().split('\n').slice(-5).join(' | ');
  }

  /**
   * A digest of what the studies, trials and idempotency keys hold. `studies.model` is
   * left out: the engine stores a fitted model after a suggestion, in the background.
   */
  fingerprint(): string {
    this.db ??= new Database(this.proc.dbPath, { readonly: true, fileMustExist: true });
    const hash = createHash('sha1');
    for (const sql of [
      'SELECT seq, id, name, parameters, objective, options, state, created_at FROM studies ORDER BY seq',
      'SELECT * FROM trials ORDER BY id',
      'SELECT study_seq, key, request_hash, trial_ids, created_at FROM idempotency_keys ORDER BY study_seq, key',
    ]) {
      for (const row of this.db.prepare(sql).raw().iterate()) hash.update(JSON.stringify(row)).update('\n');
      hash.update('\u0000');
    }
    return hash.digest('hex');
  }

  /** What the server logged as errors for the request, waiting briefly for the log line. */
  async serverErrors(requestId: string, waitMs = 200): Promise<string[]> {
    const deadline = performance.now() + waitMs;
    while (!this.proc.errors.has(requestId) && performance.now() < deadline && !this.proc.exited) await sleep(10);
    return this.proc.errors.get(requestId) ?? [];
  }

  /** Kills the server and continues on a new one with an empty database. */
  async restart(): Promise<void> {
    this.restarts++;
    this.db?.close();
    this.db = null;
    killServer(this.proc);
    this.proc = await (this.spare ?? spawnServer(this.options.engineThreads ?? 1));
    // Hangs come in runs while a failure shrinks: keep the next server starting.
    this.spare = spawnServer(this.options.engineThreads ?? 1);
  }

  async close(): Promise<void> {
    this.db?.close();
    killServer(this.proc);
    if (this.spare) killServer(await this.spare);
  }

  private raw(req: SentRequest, timeoutMs: number, signal?: AbortSignal): Promise<Answer> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    return new Promise<Answer>((resolve) => {
      const url = new URL(this.proc.url);
      let settled = false;
      const settle = (a: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(a);
      };
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body) headers['content-length'] = req.body.length;
      const r = http.request(
        // NOTE: a connection per request. A kept-alive socket that the server closes after its
        // keepAliveTimeout, just as a request reuses it, fails with ECONNRESET: a false finding.
        { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            settle({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: elapsed() }),
          );
          res.on('error', (err) => settle({ kind: 'network-error', message: err.message, ms: elapsed() }));
        },
      );
      const timer = setTimeout(() => {
        settle({ kind: 'timeout', ms: elapsed() });
        r.destroy();
      }, timeoutMs);
      signal?.addEventListener('abort', () => {
        settle({ kind: 'timeout', ms: elapsed() });
        r.destroy();
      });
      r.on('error', (err) => settle({ kind: 'network-error', message: err.message, ms: elapsed() }));
      r.end(req.body);
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
