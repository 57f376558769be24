/**
 * Regret on conditional spaces: the engine on the conditional space (src/bo/conditional-engine.ts:
 * imputation, branch projection) against the flat engine (engine.ts suggestNext on every parameter,
 * the objective ignoring inactive ones), independent models per branch (bench/outcomes/per-branch.ts),
 * random search, and Optuna 3.1's TPE sampling the same conditional space define-by-run
 * (bench/outcomes/optuna-ask-tell.py), on the problems of bench/outcomes/conditional-problems.ts.
 *
 *   npm run bench:conditional                      every problem and method, 16 seeds, 2 processes
 *   flags: --seeds N  --problems a,b  --methods engine,engine-flat,per-branch,random,optuna-tpe  --jobs J
 *
 * Protocol per (problem, seed): the engines (per-branch too) start from the same n0 = max(5, 2d + 2) scrambled
 * Sobol' points of the flat space (fork 1), the conditional engine seeing only their active
 * parameters; then one point at a time, θ warm-started, until the budget is spent (an EngineError
 * falls back to a uniform point and is counted). Random search: uniform flat points reduced to their
 * active parameters (fork 3). Regret = min f − f*. Latency: median wall and CPU ms per suggestion.
 */
import { performance } from 'node:perf_hooks';
import { suggestConditional } from '../src/bo/conditional-engine.js';
import { activeParams, flatSpace } from '../src/bo/conditional-space.js';
import { createEncoding, designPoint } from '../src/bo/encoding.js';
import { EngineError, suggestNext, type FittedHyperparameters } from '../src/bo/engine.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { flag, fmt, runQueued, servesQueuedTasks } from './harness.js';
import { CONDITIONAL_PROBLEMS, type ConditionalProblem } from './outcomes/conditional-problems.js';
import { optunaAskTell } from './outcomes/optuna-ask-tell.js';
import { perBranchSuggestion, type BranchState } from './outcomes/per-branch.js';
import { quantile } from './statistics.js';

type Method = 'engine' | 'engine-flat' | 'per-branch' | 'random' | 'optuna-tpe';
interface Task { problem: string; method: Method; seed: number }
interface Result extends Task { regret: number; millis: number[]; cpuMillis: number[]; failures: number }
type Outcome = Omit<Result, keyof Task>;

function problemNamed(name: string): ConditionalProblem {
  const p = CONDITIONAL_PROBLEMS.find((q) => q.name === name);
  if (!p) throw new Error(`unknown problem ${name}; known: ${CONDITIONAL_PROBLEMS.map((q) => q.name).join(', ')}`);
  return p;
}

function runEngine(problem: ConditionalProblem, seed: number, mode: 'conditional' | 'flat' | 'per-branch'): Outcome {
  const flat = mode === 'flat';
  const branchState: BranchState = { previous: [] };
  const branchRng = createRng(seed).fork(5);
  const space = flatSpace(problem.space);
  const enc = createEncoding(space);
  const rng = createRng(seed);
  const n0 = Math.max(5, 2 * enc.dim + 2);
  const shown = (p: Params) => (flat ? p : activeParams(problem.space, p));
  const observations = sobolSequence(enc.dim, n0, rng.fork(1)).map((u) => {
    const params = shown(designPoint(enc, u));
    return { params, value: problem.f(params) };
  });
  const fallback = rng.fork(2);
  let previous: FittedHyperparameters | undefined;
  const millis: number[] = [];
  const cpuMillis: number[] = [];
  let failures = 0;
  while (observations.length < problem.budget) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let params: Params;
    try {
      const common = { goal: 'minimize' as const, observations, pending: [], count: 1, seed: seed * 1000 + observations.length, ...(previous ? { previous } : {}) };
      if (mode === 'per-branch') {
        params = perBranchSuggestion(problem.space, problem.branches, observations, seed * 1000 + observations.length, branchRng, branchState);
      } else {
        const out = flat ? suggestNext({ ...common, space }) : suggestConditional({ ...common, space: problem.space });
        previous = out.hyperparameters;
        params = out.suggestions[0]!.params;
      }
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      failures++;
      params = shown(designPoint(enc, Array.from({ length: enc.dim }, () => fallback.uniform())));
    }
    const cpu = process.cpuUsage(c0);
    cpuMillis.push((cpu.user + cpu.system) / 1000);
    millis.push(performance.now() - t0);
    observations.push({ params, value: problem.f(params) });
  }
  return { regret: Math.min(...observations.map((o) => o.value)) - problem.optimum, millis, cpuMillis, failures };
}

function runRandom(problem: ConditionalProblem, seed: number): Outcome {
  const enc = createEncoding(flatSpace(problem.space));
  const rng = createRng(seed).fork(3);
  const values = Array.from({ length: problem.budget }, () => problem.f(activeParams(problem.space, designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform())))));
  return { regret: Math.min(...values) - problem.optimum, millis: [], cpuMillis: [], failures: 0 };
}

async function runOptuna(problem: ConditionalProblem, seed: number): Promise<Outcome> {
  const optuna = optunaAskTell({ space: problem.space, seed, sampler: 'tpe', directions: ['minimize'], constraints: 0 });
  const values: number[] = [];
  try {
    while (values.length < problem.budget) {
      const { id, params } = await optuna.ask();
      values.push(problem.f(params));
      await optuna.tell(id, [values.at(-1)!]);
    }
  } finally {
    await optuna.close();
  }
  return { regret: Math.min(...values) - problem.optimum, millis: [], cpuMillis: [], failures: 0 };
}

async function runTask(task: Task): Promise<Result> {
  const problem = problemNamed(task.problem);
  const run: Record<Method, () => Outcome | Promise<Outcome>> = {
    engine: () => runEngine(problem, task.seed, 'conditional'),
    'engine-flat': () => runEngine(problem, task.seed, 'flat'),
    'per-branch': () => runEngine(problem, task.seed, 'per-branch'),
    random: () => runRandom(problem, task.seed),
    'optuna-tpe': () => runOptuna(problem, task.seed),
  };
  return { ...task, ...(await run[task.method]()) };
}

async function main(): Promise<void> {
  const seeds = Number(flag('seeds') ?? 16);
  const problems = (flag('problems') ?? CONDITIONAL_PROBLEMS.map((p) => p.name).join(',')).split(',');
  const methods = (flag('methods') ?? 'engine,engine-flat,per-branch,random,optuna-tpe').split(',') as Method[];
  const jobs = Number(flag('jobs') ?? 2);
  const tasks: Task[] = problems.flatMap((problem) => methods.flatMap((method) => Array.from({ length: seeds }, (_, seed) => ({ problem, method, seed }))));
  const results = await runQueued<Task, Result>(tasks, jobs, (_r, done) => process.stderr.write(`\r${done}/${tasks.length}`));
  process.stderr.write('\n');
  console.log(`${seeds} seeds; final simple regret (f* = 0): median [quartiles]`);
  console.log('| problem | budget | method | median regret | quartiles | ms/suggest (wall, CPU) | fallbacks |');
  console.log('|---|---|---|---|---|---|---|');
  for (const name of problems) {
    for (const method of methods) {
      const rs = results.filter((r) => r.problem === name && r.method === method);
      const regrets = rs.map((r) => r.regret);
      const ms = rs.flatMap((r) => r.millis);
      const cpu = rs.flatMap((r) => r.cpuMillis);
      const timing = ms.length > 0 ? `${quantile(ms, 0.5).toFixed(0)}, ${quantile(cpu, 0.5).toFixed(0)}` : '';
      console.log(`| ${name} | ${problemNamed(name).budget} | ${method} | ${fmt(quantile(regrets, 0.5))} | ${fmt(quantile(regrets, 0.25))} – ${fmt(quantile(regrets, 0.75))} | ${timing} | ${rs.reduce((a, r) => a + r.failures, 0)} |`);
    }
  }
}

if (!servesQueuedTasks(runTask)) await main();
