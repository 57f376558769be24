/**
 * Regret of the best feasible point for one objective under an outcome constraint: the engine
 * (src/bo/constrained-engine.ts: a GP per outcome and feasibility-weighted log EI) against
 * random search and Optuna 3.1's TPE with constraints_func (bench/outcomes/optuna-ask-tell.py),
 * on the problems of bench/outcomes/constrained-problems.ts.
 *
 *   npm run bench:constrained                         every problem, 16 seeds, 2 processes
 *   npm run bench:constrained -- --seeds 4 --problems gardner --methods engine
 *   flags: --seeds N  --problems a,b  --methods engine,random,optuna-tpe  --jobs J
 *
 * Protocol per (problem, seed): the engine starts from n0 = max(5, 2d + 2) scrambled Sobol'
 * points (fork 1 of the seed) and asks suggestConstrained for one point at a time, θ warm-started
 * from the previous call, until the budget is spent; an EngineError falls back to a uniformly
 * random point and is counted. Random search spends the budget on uniform points (fork 3).
 * Optuna's TPE runs its own 10 random startup trials. Every method is told f and c.
 * Regret = min over feasible evaluations of f − f*; a run without a feasible point is charged
 * `worst` − f* and counted in "no feasible".
 */
import { performance } from 'node:perf_hooks';
import { createEncoding, designPoint } from '../src/bo/encoding.js';
import { suggestConstrained } from '../src/bo/constrained-engine.js';
import { EngineError } from '../src/bo/engine.js';
import type { FittedHyperparameters } from '../src/bo/fit.js';
import type { OutcomeObservation } from '../src/bo/outcome-models.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { flag, fmt, runQueued, servesQueuedTasks } from './harness.js';
import { CONSTRAINED_PROBLEMS, type ConstrainedProblem } from './outcomes/constrained-problems.js';
import { optunaAskTell } from './outcomes/optuna-ask-tell.js';
import { quantile } from './statistics.js';

type Method = 'engine' | 'random' | 'optuna-tpe';
interface Task { problem: string; method: Method; seed: number }
interface Result extends Task { regret: number; feasibleFound: boolean; millis: number[]; cpuMillis: number[]; failures: number }

const CONSTRAINTS = [{ name: 'c', op: '<=' as const, bound: 0 }];

function problemNamed(name: string): ConstrainedProblem {
  const p = CONSTRAINED_PROBLEMS.find((q) => q.name === name);
  if (!p) throw new Error(`unknown problem ${name}; known: ${CONSTRAINED_PROBLEMS.map((q) => q.name).join(', ')}`);
  return p;
}

function evaluate(problem: ConstrainedProblem, params: Params): OutcomeObservation {
  return { params, values: { f: problem.f(params), c: problem.c(params) } };
}

function regretOf(problem: ConstrainedProblem, observations: OutcomeObservation[]): { regret: number; feasibleFound: boolean } {
  const feasible = observations.filter((o) => o.values.c! <= 0).map((o) => o.values.f!);
  if (feasible.length === 0) return { regret: problem.worst - problem.optimum, feasibleFound: false };
  return { regret: Math.max(0, Math.min(...feasible) - problem.optimum), feasibleFound: true };
}

function runEngine(problem: ConstrainedProblem, seed: number): Omit<Result, keyof Task> {
  const enc = createEncoding(problem.space);
  const rng = createRng(seed);
  const n0 = Math.max(5, 2 * enc.dim + 2);
  const observations = sobolSequence(enc.dim, n0, rng.fork(1)).map((u) => evaluate(problem, designPoint(enc, u)));
  const fallback = rng.fork(2);
  let previous: Record<string, FittedHyperparameters> | undefined;
  const millis: number[] = [];
  const cpuMillis: number[] = [];
  let failures = 0;
  while (observations.length < problem.budget) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let params: Params;
    try {
      const out = suggestConstrained({
        space: problem.space, objective: { name: 'f', goal: 'minimize' }, constraints: CONSTRAINTS,
        observations, pending: [], count: 1, seed: seed * 1000 + observations.length, ...(previous ? { previous } : {}),
      });
      previous = out.hyperparameters;
      params = out.suggestions[0]!.params;
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      failures++;
      params = designPoint(enc, Array.from({ length: enc.dim }, () => fallback.uniform()));
    }
    const cpu = process.cpuUsage(c0);
    cpuMillis.push((cpu.user + cpu.system) / 1000);
    millis.push(performance.now() - t0);
    observations.push(evaluate(problem, params));
  }
  return { ...regretOf(problem, observations), millis, cpuMillis, failures };
}

function runRandom(problem: ConstrainedProblem, seed: number): Omit<Result, keyof Task> {
  const enc = createEncoding(problem.space);
  const rng = createRng(seed).fork(3);
  const observations = Array.from({ length: problem.budget }, () => evaluate(problem, designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform()))));
  return { ...regretOf(problem, observations), millis: [], cpuMillis: [], failures: 0 };
}

async function runOptuna(problem: ConstrainedProblem, seed: number): Promise<Omit<Result, keyof Task>> {
  const optuna = optunaAskTell({ space: problem.space, seed, sampler: 'tpe', directions: ['minimize'], constraints: 1 });
  const observations: OutcomeObservation[] = [];
  try {
    while (observations.length < problem.budget) {
      const { id, params } = await optuna.ask();
      const o = evaluate(problem, params);
      observations.push(o);
      await optuna.tell(id, [o.values.f!], [o.values.c!]);
    }
  } finally {
    await optuna.close();
  }
  return { ...regretOf(problem, observations), millis: [], cpuMillis: [], failures: 0 };
}

async function runTask(task: Task): Promise<Result> {
  const problem = problemNamed(task.problem);
  const r = task.method === 'engine' ? runEngine(problem, task.seed) : task.method === 'random' ? runRandom(problem, task.seed) : await runOptuna(problem, task.seed);
  return { ...task, ...r };
}

async function main(): Promise<void> {
  const seeds = Number(flag('seeds') ?? 16);
  const problems = (flag('problems') ?? CONSTRAINED_PROBLEMS.map((p) => p.name).join(',')).split(',');
  const methods = (flag('methods') ?? 'engine,random,optuna-tpe').split(',') as Method[];
  const jobs = Number(flag('jobs') ?? 2);
  const tasks: Task[] = problems.flatMap((problem) => methods.flatMap((method) => Array.from({ length: seeds }, (_, seed) => ({ problem, method, seed }))));
  const results = await runQueued<Task, Result>(tasks, jobs, (_r, done) => process.stderr.write(`\r${done}/${tasks.length}`));
  process.stderr.write('\n');
  console.log(`${seeds} seeds; regret of the best feasible point after the budget: median [quartiles]; no feasible = runs without one`);
  console.log('| problem | budget | method | median regret | quartiles | no feasible | engine ms/suggest (wall, CPU) | fallbacks |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of problems) {
    for (const method of methods) {
      const rs = results.filter((r) => r.problem === name && r.method === method);
      const regrets = rs.map((r) => r.regret);
      const ms = rs.flatMap((r) => r.millis);
      const cpu = rs.flatMap((r) => r.cpuMillis);
      const timing = ms.length > 0 ? `${quantile(ms, 0.5).toFixed(0)}, ${quantile(cpu, 0.5).toFixed(0)}` : '';
      console.log(`| ${name} | ${problemNamed(name).budget} | ${method} | ${fmt(quantile(regrets, 0.5))} | ${fmt(quantile(regrets, 0.25))} – ${fmt(quantile(regrets, 0.75))} | ${rs.filter((r) => !r.feasibleFound).length} | ${timing} | ${rs.reduce((a, r) => a + r.failures, 0)} |`);
    }
  }
}

if (!servesQueuedTasks(runTask)) await main();
