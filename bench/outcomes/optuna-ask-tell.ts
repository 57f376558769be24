/**
 * Node side of optuna-ask-tell.py: one Python process per run, one JSON line per request
 * and per answer. A separate small bridge for now (the single-objective TPE bridge of
 * bench/ is being generalized elsewhere; the two can merge then).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Goal, ParamSpec, Params } from '../../src/bo/search-space.js';

const SCRIPT = fileURLToPath(new URL('./optuna-ask-tell.py', import.meta.url));

export type OptunaSampler = 'tpe' | 'nsga2' | 'motpe' | 'random';

export interface OptunaSetup {
  space: ParamSpec[];
  seed: number;
  sampler: OptunaSampler;
  directions: Goal[];
  /** Number of constraint values told with each trial (feasible when ≤ 0). */
  constraints: number;
}

export interface OptunaAskTell {
  ask(): Promise<{ id: number; params: Params }>;
  tell(id: number, values: number[], constraints?: number[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts the Python side with `python` (Debian's python3-optuna is on /usr/bin/python3's path). */
export function optunaAskTell(setup: OptunaSetup, python = '/usr/bin/python3'): OptunaAskTell {
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  let dead: Error | null = null;
  void exited.then((code) => {
    dead = new Error(`optuna-ask-tell.py exited with ${code}: ${stderr.slice(-2000)}`);
    for (const w of waiting.splice(0)) w.reject(dead);
  });
  const request = <A>(message: object): Promise<A> =>
    new Promise<string>((resolve, reject) => {
      if (dead) return reject(dead);
      waiting.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }).then((line) => JSON.parse(line) as A);
  child.stdin.write(`${JSON.stringify(setup)}\n`);
  return {
    ask: () => request<{ id: number; params: Params }>({ op: 'ask' }),
    tell: async (id, values, constraints) => void (await request<object>({ op: 'tell', id, values, ...(constraints ? { constraints } : {}) })),
    async close() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`optuna-ask-tell.py exited with ${code}: ${stderr.slice(-2000)}`);
    },
  };
}
