/**
 * Optuna's TPE + Hyperband (optuna-tpe-hyperband.py) as a tuner for bench:early-stopping:
 * one Python process per run, one JSON line per request and per answer.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Params } from '../../src/bo/search-space.js';
import type { CurveProblem } from './curve-problems.js';
import type { Tuner } from './worker-simulation.js';

const SCRIPT = fileURLToPath(new URL('./optuna-tpe-hyperband.py', import.meta.url));

/** Starts the Python side with `python` (Debian's python3-optuna is in /usr/bin/python3's path). */
export function optunaTuner(problem: CurveProblem, seed: number, python: string): { tuner: Tuner; close(): Promise<void> } {
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  let dead: Error | null = null;
  void exited.then((code) => {
    dead = new Error(`optuna-tpe-hyperband.py exited with ${code}: ${stderr.slice(-2000)}`);
    for (const w of waiting.splice(0)) w.reject(dead);
  });

  const request = <A>(message: object): Promise<A> =>
    new Promise<string>((resolve, reject) => {
      if (dead) return reject(dead);
      waiting.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }).then((line) => JSON.parse(line) as A);

  child.stdin.write(`${JSON.stringify({ space: problem.space, maxStep: problem.maxStep, seed })}\n`);
  const tuner: Tuner = {
    ask: () => request<{ id: string; params: Params }>({ op: 'ask' }),
    report: async (id, step, value) => (await request<{ decision: 'continue' | 'stop' }>({ op: 'report', id, step, value })).decision,
    complete: async (id, value) => void (await request<object>({ op: 'complete', id, value })),
  };
  return {
    tuner,
    async close() {
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`optuna-tpe-hyperband.py exited with ${code}: ${stderr.slice(-2000)}`);
    },
  };
}
