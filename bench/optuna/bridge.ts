/**
 * Optuna's TPE (ask-tell.py) driven from Node: one Python process per run, one JSON line
 * per request and per answer. bench:regret asks and completes; bench:early-stopping also
 * reports intermediate values to the Hyperband pruner (early-stopping/optuna-tuner.ts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

const SCRIPT = fileURLToPath(new URL('./ask-tell.py', import.meta.url));

export interface OptunaSettings {
  space: ParamSpec[];
  seed: number;
  /** With the Hyperband pruner up to this step; without it nothing is pruned. */
  maxStep?: number;
  /** TPESampler(multivariate=True); default false, Optuna's default. */
  multivariate?: boolean;
}

export interface OptunaStudy {
  ask(): Promise<{ id: string; params: Params }>;
  report(id: string, step: number, value: number): Promise<'continue' | 'stop'>;
  complete(id: string, value: number): Promise<void>;
  /** Ends the Python process; rejects if it failed. */
  close(): Promise<void>;
}

/** Starts the Python side with `python` (Debian's python3-optuna is in /usr/bin/python3's path). */
export function optunaStudy(settings: OptunaSettings, python: string): OptunaStudy {
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  let dead: Error | null = null;
  void exited.then((code) => {
    dead = new Error(`ask-tell.py exited with ${code}: ${stderr.slice(-2000)}`);
    for (const w of waiting.splice(0)) w.reject(dead);
  });

  const request = <A>(message: object): Promise<A> =>
    new Promise<string>((resolve, reject) => {
      if (dead) return reject(dead);
      waiting.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }).then((line) => JSON.parse(line) as A);

  child.stdin.write(`${JSON.stringify(settings)}\n`);
  return {
    ask: () => request<{ id: string; params: Params }>({ op: 'ask' }),
    report: async (id, step, value) => (await request<{ decision: 'continue' | 'stop' }>({ op: 'report', id, step, value })).decision,
    complete: async (id, value) => void (await request<object>({ op: 'complete', id, value })),
    async close() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`ask-tell.py exited with ${code}: ${stderr.slice(-2000)}`);
    },
  };
}
