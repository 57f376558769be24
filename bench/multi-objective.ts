/**
 * Hypervolume after the budget for two objectives: the engine (src/bo/multi-objective-engine.ts,
 * log EHVI with a GP per objective, or ParEGO) against random search and Optuna 3.1's NSGA-II and
 * multi-objective TPE (bench/outcomes/optuna-ask-tell.py), on the problems of
 * bench/outcomes/multi-objective-problems.ts.
 *
 *   npm run bench:multi-objective                  every problem and method, 16 seeds, 2 processes
 *   npm run bench:multi-objective -- --seeds 4 --problems zdt1 --methods engine,engine-parego
 *   flags: --seeds N  --problems a,b  --jobs J
 *          --methods engine,engine-parego,random,optuna-nsga2,optuna-motpe
 *          --with-reference (tell the engine the benchmark's reference point; default: it infers one)
 *          --warp none|half-rank|yeo-johnson (the objectives' output warp for log EHVI; default: the engine's)
 *          --reference-rule front-nadir-margin|front-nadir|median (how the engine infers it; default: the engine's)
 *
 * Protocol per (problem, seed): the engine starts from n0 = max(5, 2d + 2) scrambled Sobol'
 * points (fork 1 of the seed) and asks for one point at a time, θ warm-started from the previous
 * call, until the budget is spent; an EngineError falls back to a uniform point and is counted.
 * Random search: uniform points (fork 3). Optuna: its samplers' defaults (NSGA-II: population 50;
 * TPE: 10 random startup trials). Hypervolume of all budget evaluations relative to the problem's
 * reference point (pareto.ts, exact); "% of max" where the true front's hypervolume is known.
 */
import { performance } from 'node:perf_hooks';
import { createEncoding, designPoint } from '../src/bo/encoding.js';
import { EngineError } from '../src/bo/engine.js';
import type { FittedHyperparameters } from '../src/bo/fit.js';
import { suggestMultiObjective, type ReferenceRule } from '../src/bo/multi-objective-engine.js';
import type { OutcomeObservation } from '../src/bo/outcome-models.js';
import type { OutputWarp } from '../src/bo/output-transform.js';
import { hypervolume } from '../src/bo/pareto.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { flag, runQueued, servesQueuedTasks } from './harness.js';
import { MULTI_OBJECTIVE_PROBLEMS, type MultiObjectiveProblem } from './outcomes/multi-objective-problems.js';
import { optunaAskTell, type OptunaSampler } from './outcomes/optuna-ask-tell.js';
import { quantile } from './statistics.js';

type Method = 'engine' | 'engine-parego' | 'random' | 'optuna-nsga2' | 'optuna-motpe';
/** Flags travel in the task: the forked children do not see the parent's command line. */
interface Task { problem: string; method: Method; seed: number; withReference: boolean; referenceRule?: ReferenceRule; warp?: OutputWarp }
interface Result extends Task { hypervolume: number; millis: number[]; cpuMillis: number[]; failures: number }
type Outcome = Omit<Result, keyof Task>;

const OBJECTIVES = [{ name: 'f1', goal: 'minimize' as const }, { name: 'f2', goal: 'minimize' as const }];

function problemNamed(name: string): MultiObjectiveProblem {
  const p = MULTI_OBJECTIVE_PROBLEMS.find((q) => q.name === name);
  if (!p) throw new Error(`unknown problem ${name}; known: ${MULTI_OBJECTIVE_PROBLEMS.map((q) => q.name).join(', ')}`);
  return p;
}

function evaluate(problem: MultiObjectiveProblem, params: Params): OutcomeObservation {
  const [f1, f2] = problem.f(params);
  return { params, values: { f1, f2 } };
}

function hypervolumeOf(problem: MultiObjectiveProblem, observations: OutcomeObservation[]): number {
  return hypervolume(observations.map((o) => [-o.values.f1!, -o.values.f2!]), [-problem.reference[0], -problem.reference[1]]);
}

function runEngine(problem: MultiObjectiveProblem, seed: number, kind: 'log-ehvi' | 'parego', withReference: boolean, referenceRule?: ReferenceRule, warp?: OutputWarp): Outcome {
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
      const out = suggestMultiObjective(
        {
          space: problem.space, objectives: OBJECTIVES, observations, pending: [], count: 1, seed: seed * 1000 + observations.length,
          ...(previous ? { previous } : {}), ...(withReference ? { reference: { f1: problem.reference[0], f2: problem.reference[1] } } : {}),
        },
        { experiment: { multiObjective: kind, ...(referenceRule ? { reference: referenceRule } : {}), ...(warp ? { outputWarp: warp } : {}) } },
      );
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
  return { hypervolume: hypervolumeOf(problem, observations), millis, cpuMillis, failures };
}

function runRandom(problem: MultiObjectiveProblem, seed: number): Outcome {
  const enc = createEncoding(problem.space);
  const rng = createRng(seed).fork(3);
  const observations = Array.from({ length: problem.budget }, () => evaluate(problem, designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform()))));
  return { hypervolume: hypervolumeOf(problem, observations), millis: [], cpuMillis: [], failures: 0 };
}

async function runOptuna(problem: MultiObjectiveProblem, seed: number, sampler: OptunaSampler): Promise<Outcome> {
  const optuna = optunaAskTell({ space: problem.space, seed, sampler, directions: ['minimize', 'minimize'], constraints: 0 });
  const observations: OutcomeObservation[] = [];
  try {
    while (observations.length < problem.budget) {
      const { id, params } = await optuna.ask();
      const o = evaluate(problem, params);
      observations.push(o);
      await optuna.tell(id, [o.values.f1!, o.values.f2!]);
    }
  } finally {
    await optuna.close();
  }
  return { hypervolume: hypervolumeOf(problem, observations), millis: [], cpuMillis: [], failures: 0 };
}

async function runTask(task: Task): Promise<Result> {
  const problem = problemNamed(task.problem);
  const run: Record<Method, () => Outcome | Promise<Outcome>> = {
    engine: () => runEngine(problem, task.seed, 'log-ehvi', task.withReference, task.referenceRule, task.warp),
    'engine-parego': () => runEngine(problem, task.seed, 'parego', task.withReference, task.referenceRule, task.warp),
    random: () => runRandom(problem, task.seed),
    'optuna-nsga2': () => runOptuna(problem, task.seed, 'nsga2'),
    'optuna-motpe': () => runOptuna(problem, task.seed, 'motpe'),
  };
  return { ...task, ...(await run[task.method]()) };
}

async function main(): Promise<void> {
  const seeds = Number(flag('seeds') ?? 16);
  const problems = (flag('problems') ?? MULTI_OBJECTIVE_PROBLEMS.map((p) => p.name).join(',')).split(',');
  const methods = (flag('methods') ?? 'engine,engine-parego,random,optuna-nsga2,optuna-motpe').split(',') as Method[];
  const jobs = Number(flag('jobs') ?? 2);
  const withReference = process.argv.includes('--with-reference');
  const referenceRule = flag('reference-rule') as ReferenceRule | undefined;
  const warp = flag('warp') as OutputWarp | undefined;
  const tasks: Task[] = problems.flatMap((problem) => methods.flatMap((method) => Array.from({ length: seeds }, (_, seed) => ({ problem, method, seed, withReference, ...(referenceRule ? { referenceRule } : {}), ...(warp ? { warp } : {}) }))));
  const results = await runQueued<Task, Result>(tasks, jobs, (_r, done) => process.stderr.write(`\r${done}/${tasks.length}`));
  process.stderr.write('\n');
  console.log(`${seeds} seeds; hypervolume of all evaluations after the budget (larger is better): median [quartiles]${withReference ? '; engine told the reference point' : ''}`);
  console.log('| problem | budget | method | median HV | quartiles | % of max | engine ms/suggest (wall, CPU) | fallbacks |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of problems) {
    const problem = problemNamed(name);
    for (const method of methods) {
      const rs = results.filter((r) => r.problem === name && r.method === method);
      const hv = rs.map((r) => r.hypervolume);
      const ms = rs.flatMap((r) => r.millis);
      const cpu = rs.flatMap((r) => r.cpuMillis);
      const timing = ms.length > 0 ? `${quantile(ms, 0.5).toFixed(0)}, ${quantile(cpu, 0.5).toFixed(0)}` : '';
      const share = problem.maxHypervolume ? `${((100 * quantile(hv, 0.5)) / problem.maxHypervolume).toFixed(1)}` : '';
      console.log(`| ${name} | ${problem.budget} | ${method} | ${quantile(hv, 0.5).toFixed(4)} | ${quantile(hv, 0.25).toFixed(4)} – ${quantile(hv, 0.75).toFixed(4)} | ${share} | ${timing} | ${rs.reduce((a, r) => a + r.failures, 0)} |`);
    }
  }
}

if (!servesQueuedTasks(runTask)) await main();
