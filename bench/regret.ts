/**
 * Final simple regret of the engine (src/bo/engine.ts) against random search on
 * the problems of bench/problems.ts.
 *
 *   npm run bench:regret                                  all problems, 16 seeds
 *   npm run bench:regret -- --seeds 4 --problems branin   quick iteration
 *   flags: --seeds N  --problems a,b  --jobs J (worker processes, default 2)
 *          --warp none|yeo-johnson|half-rank (engine output warp; default: the engine's)
 *          --per-seed (also print every seed's final regret)
 *
 * Protocol per (problem, seed): a scrambled Sobol' design of n0 = max(5, 2d + 2)
 * points (designPoint), then suggestNext one point at a time (count 1, no pending,
 * hyperparameters warm-started from the previous call) until the budget is
 * spent. Simple regret r = min_t f(x_t) − f*. An EngineError falls back to a
 * uniformly random point, as the service does, and is counted. Random search
 * spends the same budget on designPoint of uniform draws.
 * Prints a markdown table of the median and quartiles of r over seeds, and the
 * median wall time per suggestNext call (for latency alone, npm run bench:latency).
 */

import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createEncoding, designPoint } from '../src/bo/encoding.js';
import { EngineError, suggestNext, type FittedHyperparameters, type OutputWarp } from '../src/bo/engine.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { PROBLEMS, type Problem } from './problems.js';

interface Task { problem: string; seed: number; warp: OutputWarp | null }
interface TaskResult { problem: string; seed: number; regret: number; randomRegret: number; millis: number[]; failures: number }

function runEngine(problem: Problem, seed: number, warp: OutputWarp | null): { regret: number; millis: number[]; failures: number } {
  const enc = createEncoding(problem.space);
  const d = enc.dim;
  const n0 = Math.max(5, 2 * d + 2);
  const rng = createRng(seed);
  const observations: { params: Params; value: number }[] = [];
  for (const u of sobolSequence(d, n0, rng.fork(1))) {
    const params = designPoint(enc, u);
    observations.push({ params, value: problem.f(params) });
  }
  const fallback = rng.fork(2);
  const millis: number[] = [];
  let failures = 0;
  let previous: FittedHyperparameters | undefined;
  while (observations.length < problem.budget) {
    let params: Params;
    const t0 = performance.now();
    try {
      const out = suggestNext(
        { space: problem.space, goal: 'minimize', observations, pending: [], count: 1, seed: seed * 1000 + observations.length, ...(previous ? { previous } : {}) },
        warp ? { outputWarp: warp } : {},
      );
      previous = out.hyperparameters;
      params = out.suggestions[0]!.params;
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      failures++;
      params = designPoint(enc, Array.from({ length: d }, () => fallback.uniform()));
    }
    millis.push(performance.now() - t0);
    observations.push({ params, value: problem.f(params) });
  }
  const best = Math.min(...observations.map((o) => o.value));
  return { regret: best - problem.optimum, millis, failures };
}

function runRandom(problem: Problem, seed: number): number {
  const enc = createEncoding(problem.space);
  const rng = createRng(seed).fork(3);
  let best = Infinity;
  for (let t = 0; t < problem.budget; t++) {
    best = Math.min(best, problem.f(designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform()))));
  }
  return best - problem.optimum;
}

function runTask(task: Task): TaskResult {
  const problem = PROBLEMS.find((p) => p.name === task.problem)!;
  const engine = runEngine(problem, task.seed, task.warp);
  return { problem: task.problem, seed: task.seed, regret: engine.regret, randomRegret: runRandom(problem, task.seed), millis: engine.millis, failures: engine.failures };
}

/** Linear-interpolated quantile q of xs (type 7, as numpy's default). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

const fmt = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(1));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--worker')) {
    process.on('message', (tasks: Task[]) => {
      const results = tasks.map(runTask);
      process.send!(results, () => process.exit(0));
    });
    return;
  }
  const seeds = Number(flag('seeds') ?? 16);
  const jobs = Math.max(1, Number(flag('jobs') ?? 2));
  const names = flag('problems')?.split(',') ?? PROBLEMS.map((p) => p.name);
  const warpFlag = flag('warp');
  const warp = warpFlag === 'none' || warpFlag === 'yeo-johnson' || warpFlag === 'half-rank' ? warpFlag : null;
  const problems = names.map((n) => {
    const p = PROBLEMS.find((q) => q.name === n);
    if (!p) throw new Error(`unknown problem ${n}; known: ${PROBLEMS.map((q) => q.name).join(', ')}`);
    return p;
  });
  const tasks: Task[] = [];
  for (const p of problems) for (let s = 0; s < seeds; s++) tasks.push({ problem: p.name, seed: s, warp });
  const chunks: Task[][] = Array.from({ length: jobs }, () => []);
  tasks.forEach((t, i) => chunks[i % jobs]!.push(t));
  const started = performance.now();
  const results = (
    await Promise.all(
      chunks.filter((c) => c.length > 0).map(
        (chunk) =>
          new Promise<TaskResult[]>((resolve, reject) => {
            const child = fork(process.argv[1]!, ['--worker'], { execArgv: process.execArgv });
            child.once('message', (m) => resolve(m as TaskResult[]));
            child.once('error', reject);
            child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
            child.send(chunk);
          }),
      ),
    )
  ).flat();

  console.log(`\nFinal simple regret over ${seeds} seeds (median [q25, q75]); warp: ${warp ?? 'engine default'}\n`);
  console.log('| problem | d | budget | engine median | engine [q25, q75] | random median | random [q25, q75] | BoTorch ref | random ref | ms/suggest p50 (max) | engine errors |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of problems) {
    const rs = results.filter((r) => r.problem === p.name);
    const e = rs.map((r) => r.regret);
    const q = rs.map((r) => r.randomRegret);
    const ms = rs.flatMap((r) => r.millis);
    const failures = rs.reduce((a, r) => a + r.failures, 0);
    console.log(
      `| ${p.name} | ${p.space.length} | ${p.budget} | ${fmt(quantile(e, 0.5))} | [${fmt(quantile(e, 0.25))}, ${fmt(quantile(e, 0.75))}] | ${fmt(quantile(q, 0.5))} | [${fmt(quantile(q, 0.25))}, ${fmt(quantile(q, 0.75))}] | ` +
        `${p.reference ? fmt(p.reference.botorch) : '–'} | ${p.reference ? fmt(p.reference.random) : '–'} | ${quantile(ms, 0.5).toFixed(0)} (${Math.max(...ms).toFixed(0)}) | ${failures} |`,
    );
  }
  if (process.argv.includes('--per-seed')) {
    for (const p of problems) {
      const rs = results.filter((r) => r.problem === p.name).sort((a, b) => a.seed - b.seed);
      console.log(`${p.name} per seed: ${rs.map((r) => fmt(r.regret)).join(' ')}`);
    }
  }
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s, ${jobs} worker(s)`);
}

await main();
