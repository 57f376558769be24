/**
 * Simple regret of the engine (src/bo/engine.ts) at 25%, 50%, 75% and 100% of the budget,
 * against Optuna's TPE and random search, on the problems of bench/problems.ts, one point at
 * a time and with parallel workers.
 *
 *   npm run bench:regret                                  every row below, 16 seeds
 *   npm run bench:regret -- --seeds 4 --problems branin   quick iteration
 *   npm run bench:regret -- --problems hartmann6,hartmann6-batch4,hartmann6-async8
 *   flags: --seeds N  --problems a,b  --jobs J (worker processes, default 2)
 *          --initial N|legacy (initial design size; default: the service's, defaultInitialTrials;
 *                    legacy = max(5, 2d + 2), the default before decision 0027)
 *          --tpe default|multivariate|both|none (Optuna TPE rows; default: default)
 *          --python P (with Debian's python3-optuna; default /usr/bin/python3)
 *          --warp none|yeo-johnson|half-rank (engine output warp; default: the engine's)
 *          --fantasies K (fantasies per pending-aware suggestion; default: the engine's)
 *          --fit-max-points N (fit θ on a random subset of at most N observations; default: the engine's)
 *          --refit always|policy (refit θ on every call, or as engine-policy.ts refitHyperparameters says; default policy)
 *          --cat-signal-floor none|σ² (floor on σ² in spaces with a categorical; none = the old engine; default: the engine's)
 *          --trace (for seeds ending below 0.01: distance of the last TRACE_TAIL points to the incumbent, share that improved it)
 *          --per-seed (also print every seed's regret at each fraction and how many seeds end below 0.05 and 0.01)
 *
 * A row is a problem name (sequential) or <problem>-batch<q> / <problem>-async<w>,
 * optionally with @<budget> for another number of evaluations (hartmann6@31: the
 * sequential engine given as many rounds as hartmann6-batch4 has).
 * Protocol per (row, seed): a scrambled Sobol' design of n0 points (designPoint; n0 as the
 * service chooses it, or --initial), evaluated, then the engine until the budget is spent,
 * hyperparameters always warm-started from the previous call:
 *   sequential  suggestNext one point at a time (count 1, no pending).
 *   batch<q>    synchronous batches: count q (the engine's kriging believer picks
 *               the batch), all q evaluated before the next call; the last batch
 *               is cut to the budget.
 *   async<w>    w workers: w points are asked for one after another, each with
 *               the ones before it pending; each point takes a training time
 *               uniform in [0.5, 1.5] (seeded); whenever the earliest in flight
 *               finishes it is observed and one new point is asked for with the
 *               other w − 1 pending, until budget points were issued; all finish.
 * Every engine point takes a training time uniform in [0.5, 1.5] (seeded, the
 * same draws in every mode; the design is free): "training time" is the median
 * simulated time until the last point finished, with one worker, one batch at
 * a time (a batch lasts as long as its slowest point), or w workers.
 * Simple regret after t evaluations r_t = min_{s ≤ t} f(x_s) − f*, in the order the values
 * were observed; the fractions are t = ⌈φ · budget⌉ for φ = 0.25, 0.5, 0.75, 1. An
 * EngineError falls back to uniformly random points, as the service does, and is counted.
 * Random search spends the same budget on designPoint of uniform draws. Optuna's TPE
 * (bench/optuna/ask-tell.py: TPESampler(seed) with Optuna's defaults, or
 * multivariate=True) asks and is told one point at a time; the problem is evaluated here,
 * so every method sees the same function. Random and TPE rows are sequential and shown
 * once per problem. "× seq" is the engine's final median over that of the plain
 * sequential row of the same problem when both are in the run.
 * Prints a markdown table of the median and quartiles of r_t over seeds, and the median
 * wall time per suggestNext call (for latency alone, npm run bench:latency).
 * Categoricals as Hamming dimension vs one-hot: npx tsx bench/one-hot.ts.
 */

import { performance } from 'node:perf_hooks';
import { createEncoding, designPoint, encode } from '../src/bo/encoding.js';
import { EngineError, suggestNext, type EngineOptions, type FittedHyperparameters } from '../src/bo/engine.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { initialDesign, PROBLEMS, type Problem } from './problems.js';
import { flag, runQueued, servesQueuedTasks } from './harness.js';
import { optunaStudy } from './optuna/bridge.js';
import { printRegretTable, printPerSeed, printTrace, type RegretRow, type TaskResult, type TraceStep } from './regret-report.js';

/** How the budget is spent: one at a time, synchronous batches of `width`, or `width` asynchronous workers. */
interface Parallelism { mode: 'sequential' | 'batch' | 'async'; width: number }
type Row = RegretRow & { parallelism: Parallelism };
type TpeMode = 'default' | 'multivariate';
/** `options` must survive the trip to a child process (no functions): refitting on every call is a flag. */
interface Task { row: string; seed: number; options: EngineOptions; refitAlways: boolean; initial: number | 'legacy' | undefined; tpe: TpeMode[]; python: string }

/** φ: the budget fractions at which regret is reported. */
export const FRACTIONS = [0.25, 0.5, 0.75, 1];

/** Rows run by default: every problem sequentially, plus issue 4's batch and asynchronous Hartmann6. */
const DEFAULT_ROWS = [...PROBLEMS.map((p) => p.name), 'hartmann6-batch4', 'hartmann6-async8'];

function parseRow(name: string): Row {
  const m = /^(.+?)(?:-(batch|async)(\d+))?(?:@(\d+))?$/.exec(name)!;
  const known = PROBLEMS.find((q) => q.name === m[1]);
  if (!known) throw new Error(`unknown problem ${m[1]}; known: ${PROBLEMS.map((q) => q.name).join(', ')} (suffixes: -batch<q>, -async<w>, @<budget>)`);
  const width = m[3] ? Number(m[3]) : 1;
  if (!(width >= 1)) throw new Error(`row ${name}: the width must be at least 1`);
  // Another budget: the published references no longer apply.
  const problem = m[4] ? { ...known, budget: Number(m[4]), reference: undefined } : known;
  return { name, problem, parallelism: { mode: (m[2] as 'batch' | 'async' | undefined) ?? 'sequential', width } };
}

/** r_t at t = ⌈φ · budget⌉ for each φ of FRACTIONS, from the values in the order they were observed. */
export function regretAtFractions(values: number[], budget: number, optimum: number): number[] {
  return FRACTIONS.map((phi) => Math.min(...values.slice(0, Math.ceil(phi * budget))) - optimum);
}

/** trainingTime: simulated time until the last engine point finished, in mean training times (the design is free). */
interface EngineRun { values: number[]; millis: number[]; failures: number; trace: TraceStep[]; trainingTime: number; n0: number }

function runEngine(problem: Problem, parallelism: Parallelism, seed: number, options: EngineOptions, initial: number | 'legacy' | undefined): EngineRun {
  // NOTE: no model cache here: it would change the time per call, never a suggestion.
  const enc = createEncoding(problem.space);
  const d = enc.dim;
  const rng = createRng(seed);
  const n0 = initial === 'legacy' ? Math.max(5, 2 * d + 2) : initial;
  const observations = initialDesign(problem, enc, rng.fork(1), n0);
  const designSize = observations.length;
  const fallback = rng.fork(2);
  const millis: number[] = [];
  const trace: TraceStep[] = [];
  /** The encoded incumbent (smallest value so far) and the distance of params to it. */
  const incumbentDistance = (params: Params): number => {
    let top = observations[0]!;
    for (const o of observations) if (o.value < top.value) top = o;
    const a = encode(enc, top.params);
    const b = encode(enc, params);
    let s = 0;
    for (let j = 0; j < d; j++) s += (a[j]! - b[j]!) ** 2;
    return Math.sqrt(s);
  };
  const incumbentValue = (): number => Math.min(...observations.map((o) => o.value));
  let failures = 0;
  let previous: FittedHyperparameters | undefined;
  /** `count` points from the engine given `pending`, or random ones when it fails; `salt` varies the engine seed. */
  const ask = (count: number, pending: Params[], salt: number): Params[] => {
    const t0 = performance.now();
    let points: Params[];
    try {
      const out = suggestNext(
        { space: problem.space, goal: 'minimize', observations, pending, count, seed: seed * 1000 + salt, ...(previous ? { previous } : {}) },
        options,
      );
      previous = out.hyperparameters;
      points = out.suggestions.map((s) => s.params);
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      failures++;
      points = [];
    }
    while (points.length < count) points.push(designPoint(enc, Array.from({ length: d }, () => fallback.uniform())));
    millis.push(performance.now() - t0);
    return points;
  };
  const { mode, width } = parallelism;
  /** Training time of one point, uniform in [0.5, 1.5]: the same draws in every mode. */
  const clock = rng.fork(4);
  let now = 0;
  if (mode === 'async') {
    const inFlight: { params: Params; finish: number; step: TraceStep }[] = [];
    let issued = observations.length;
    const issue = (): void => {
      const [params] = ask(1, inFlight.map((t) => t.params), issued);
      const step = { index: issued, distance: incumbentDistance(params!), improved: false, regret: NaN };
      trace.push(step);
      inFlight.push({ params: params!, finish: now + 0.5 + clock.uniform(), step });
      issued++;
    };
    while (issued < problem.budget && inFlight.length < width) issue();
    while (inFlight.length > 0) {
      let first = 0;
      for (let i = 1; i < inFlight.length; i++) if (inFlight[i]!.finish < inFlight[first]!.finish) first = i;
      const [done] = inFlight.splice(first, 1);
      now = done!.finish;
      const value = problem.f(done!.params);
      done!.step.improved = value < incumbentValue();
      done!.step.regret = value - problem.optimum;
      observations.push({ params: done!.params, value });
      if (issued < problem.budget) issue();
    }
  } else {
    while (observations.length < problem.budget) {
      const count = mode === 'batch' ? Math.min(width, problem.budget - observations.length) : 1;
      const points = ask(count, [], observations.length);
      const before = incumbentValue();
      // A synchronous round lasts as long as its slowest point.
      now += Math.max(...points.map(() => 0.5 + clock.uniform()));
      for (const params of points) {
        const value = problem.f(params);
        trace.push({ index: observations.length, distance: incumbentDistance(params), improved: value < before, regret: value - problem.optimum });
        observations.push({ params, value });
      }
    }
  }
  return { values: observations.map((o) => o.value), millis, failures, trace, trainingTime: now, n0: designSize };
}

function runRandom(problem: Problem, seed: number): number[] {
  const enc = createEncoding(problem.space);
  const rng = createRng(seed).fork(3);
  return Array.from({ length: problem.budget }, () => problem.f(designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform()))));
}

/** Optuna's TPE on the problem, asked and told one point at a time; the values in order. */
async function runTpe(problem: Problem, seed: number, mode: TpeMode, python: string): Promise<number[]> {
  const study = optunaStudy({ space: problem.space, seed, multivariate: mode === 'multivariate' }, python);
  const values: number[] = [];
  try {
    while (values.length < problem.budget) {
      const { id, params } = await study.ask();
      const value = problem.f(params);
      await study.complete(id, value);
      values.push(value);
    }
  } finally {
    await study.close();
  }
  return values;
}

async function runTask(task: Task): Promise<TaskResult> {
  const { problem, parallelism } = parseRow(task.row);
  const options = task.refitAlways ? { ...task.options, experiment: { ...task.options.experiment, refit: () => true } } : task.options;
  const engine = runEngine(problem, parallelism, task.seed, options, task.initial);
  const at = (values: number[]): number[] => regretAtFractions(values, problem.budget, problem.optimum);
  const tpe: Partial<Record<TpeMode, number[]>> = {};
  // Random and TPE do not depend on the parallelism: only the sequential row runs them.
  const sequential = parallelism.mode === 'sequential';
  if (sequential) for (const mode of task.tpe) tpe[mode] = at(await runTpe(problem, task.seed, mode, task.python));
  return {
    row: task.row, seed: task.seed, n0: engine.n0,
    engine: at(engine.values), ...(sequential ? { random: at(runRandom(problem, task.seed)) } : {}), tpe,
    millis: engine.millis, failures: engine.failures, trace: engine.trace, trainingTime: engine.trainingTime,
  };
}




async function main(): Promise<void> {
  if (servesQueuedTasks(runTask)) return;
  const seeds = Number(flag('seeds') ?? 16);
  const jobs = Math.max(1, Number(flag('jobs') ?? 2));
  const warpFlag = flag('warp');
  const warp = warpFlag === 'none' || warpFlag === 'yeo-johnson' || warpFlag === 'half-rank' ? warpFlag : null;
  const fantasiesFlag = flag('fantasies');
  const options: EngineOptions = {
    experiment: {
      ...(warp ? { outputWarp: warp } : {}),
      ...(fantasiesFlag !== undefined ? { fantasies: Number(fantasiesFlag) } : {}),
      ...(flag('fit-max-points') !== undefined ? { fitMaxPoints: Number(flag('fit-max-points')) } : {}),
      ...(flag('cat-signal-floor') !== undefined ? { categoricalSignalFloor: flag('cat-signal-floor') === 'none' ? null : Number(flag('cat-signal-floor')) } : {}),
    },
  };
  const refitFlag = flag('refit') ?? 'policy';
  if (refitFlag !== 'always' && refitFlag !== 'policy') throw new Error('--refit: always or policy');
  const initialFlag = flag('initial');
  const initial = initialFlag === undefined ? undefined : initialFlag === 'legacy' ? 'legacy' : Number(initialFlag);
  if (typeof initial === 'number' && !(Number.isInteger(initial) && initial >= 1)) throw new Error('--initial: a positive integer or legacy');
  const tpeFlag = flag('tpe') ?? 'default';
  const tpeModes: Record<string, TpeMode[]> = { default: ['default'], multivariate: ['multivariate'], both: ['default', 'multivariate'], none: [] };
  const tpe = tpeModes[tpeFlag];
  if (!tpe) throw new Error('--tpe: default, multivariate, both or none');
  const python = flag('python') ?? '/usr/bin/python3';
  const rows = (flag('problems')?.split(',') ?? DEFAULT_ROWS).map(parseRow);
  const tasks: Task[] = [];
  // Longest rows first, so that the last task to finish is a short one.
  const sorted = [...rows].sort((a, b) => b.problem.space.length * b.problem.budget - a.problem.space.length * a.problem.budget);
  for (const r of sorted) for (let s = 0; s < seeds; s++) tasks.push({ row: r.name, seed: s, options, initial, tpe, python, refitAlways: refitFlag === 'always' });
  const started = performance.now();
  const results = await runQueued<Task, TaskResult>(tasks, jobs);

  const settings = [
    `initial design: ${initial === undefined ? 'service default' : initial === 'legacy' ? 'legacy max(5, 2d + 2)' : initial}`,
    `warp: ${warp ?? 'engine default'}`,
    ...(fantasiesFlag !== undefined ? [`K = ${fantasiesFlag}`] : []),
    ...(flag('cat-signal-floor') !== undefined ? [`categorical σ² floor ${flag('cat-signal-floor')}`] : []),
    ...(flag('fit-max-points') !== undefined ? [`fit subset ≤ ${flag('fit-max-points')}`] : []),
    `refit: ${refitFlag}`,
  ];
  console.log(`\nSimple regret at 25/50/75/100% of the budget over ${seeds} seeds, median [q25, q75]; ${settings.join('; ')}\n`);
  printRegretTable(rows, results, tpe);
  if (process.argv.includes('--per-seed')) printPerSeed(rows, results, tpe);
  if (process.argv.includes('--trace')) printTrace(rows, results);
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s, ${jobs} worker(s)`);
}

await main();
