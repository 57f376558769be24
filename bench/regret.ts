/**
 * Final simple regret of the engine (src/bo/engine.ts) against random search on
 * the problems of bench/problems.ts, one point at a time and with parallel workers.
 *
 *   npm run bench:regret                                  every row below, 16 seeds
 *   npm run bench:regret -- --seeds 4 --problems branin   quick iteration
 *   npm run bench:regret -- --problems hartmann6,hartmann6-batch4,hartmann6-async8
 *   flags: --seeds N  --problems a,b  --jobs J (worker processes, default 2)
 *          --warp none|yeo-johnson|half-rank (engine output warp; default: the engine's)
 *          --fantasies K (fantasies per pending-aware suggestion; default: the engine's)
 *          --fit-max-points N (fit θ on a random subset of at most N observations; default: the engine's)
 *          --refit always|policy (refit θ on every call, or as engine-policy.ts refitHyperparameters says; default policy)
 *          --cat-signal-floor none|σ² (floor on σ² in spaces with a categorical; none = the old engine; default: the engine's)
 *          --trace (for seeds ending below 0.01: distance of the last TRACE_TAIL points to the incumbent, share that improved it)
 *          --per-seed (also print every seed's final regret and how many seeds end below 0.05 and 0.01)
 *
 * A row is a problem name (sequential) or <problem>-batch<q> / <problem>-async<w>,
 * optionally with @<budget> for another number of evaluations (hartmann6@31: the
 * sequential engine given as many rounds as hartmann6-batch4 has).
 * Protocol per (row, seed): a scrambled Sobol' design of n0 = max(5, 2d + 2)
 * points (designPoint), evaluated, then the engine until the budget is spent,
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
 * Simple regret r = min_t f(x_t) − f* over all budget evaluations. An EngineError
 * falls back to uniformly random points, as the service does, and is counted.
 * Random search spends the same budget on designPoint of uniform draws (it is the
 * same for every parallelism). "× seq" is the engine median over the median of
 * the plain sequential row of the same problem when both are in the run.
 * Prints a markdown table of the median and quartiles of r over seeds, and the
 * median wall time per suggestNext call (for latency alone, npm run bench:latency).
 * Categoricals as Hamming dimension vs one-hot: npx tsx bench/one-hot.ts.
 */

import { performance } from 'node:perf_hooks';
import { createEncoding, designPoint, encode } from '../src/bo/encoding.js';
import { EngineError, suggestNext, type EngineOptions, type FittedHyperparameters } from '../src/bo/engine.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { initialDesign, PROBLEMS, type Problem } from './problems.js';
import { quantile } from './statistics.js';
import { flag, fmt, runInProcesses, servesTasks } from './harness.js';

/** How the budget is spent: one at a time, synchronous batches of `width`, or `width` asynchronous workers. */
interface Parallelism { mode: 'sequential' | 'batch' | 'async'; width: number }
interface Row { name: string; problem: Problem; parallelism: Parallelism }
/** `options` must survive the trip to a child process (no functions): refitting on every call is a flag. */
interface Task { row: string; seed: number; options: EngineOptions; refitAlways: boolean }
interface TaskResult { row: string; seed: number; regret: number; randomRegret: number; millis: number[]; failures: number; trace: TraceStep[]; trainingTime: number }
/** One engine point (--trace): its issue index, distance in the encoded cube to the incumbent when asked, and whether it beat the incumbent when observed. */
interface TraceStep { index: number; distance: number; improved: boolean; regret: number }

/** Engine points per seed summarized by --trace: the end of the run, where the incumbent is refined. */
const TRACE_TAIL = 30;
/** --trace: points after the first one below 0.01 over which the descent in the basin is compared. */
const AFTER = 12;

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

/** trainingTime: simulated time until the last engine point finished, in mean training times (the design is free). */
interface EngineRun { regret: number; millis: number[]; failures: number; trace: TraceStep[]; trainingTime: number }

function runEngine(problem: Problem, parallelism: Parallelism, seed: number, options: EngineOptions): EngineRun {
  // NOTE: no model cache here: it would change the time per call, never a suggestion.
  const enc = createEncoding(problem.space);
  const d = enc.dim;
  const rng = createRng(seed);
  const observations = initialDesign(problem, enc, rng.fork(1));
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
  const best = Math.min(...observations.map((o) => o.value));
  return { regret: best - problem.optimum, millis, failures, trace, trainingTime: now };
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
  const { problem, parallelism } = parseRow(task.row);
  const engine = runEngine(problem, parallelism, task.seed, task.refitAlways ? { ...task.options, experiment: { ...task.options.experiment, refit: () => true } } : task.options);
  return { row: task.row, seed: task.seed, regret: engine.regret, randomRegret: runRandom(problem, task.seed), millis: engine.millis, failures: engine.failures, trace: engine.trace, trainingTime: engine.trainingTime };
}




async function main(): Promise<void> {
  if (servesTasks(runTask)) return;
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
  const rows = (flag('problems')?.split(',') ?? DEFAULT_ROWS).map(parseRow);
  const tasks: Task[] = [];
  for (const r of rows) for (let s = 0; s < seeds; s++) tasks.push({ row: r.name, seed: s, options, refitAlways: refitFlag === 'always' });
  const started = performance.now();
  const results = await runInProcesses<Task, TaskResult>(tasks, jobs);

  console.log(`\nFinal simple regret over ${seeds} seeds (median [q25, q75]); warp: ${warp ?? 'engine default'}${fantasiesFlag !== undefined ? `; K = ${fantasiesFlag}` : ''}${flag('cat-signal-floor') !== undefined ? `; categorical σ² floor ${flag('cat-signal-floor')}` : ''}${flag('fit-max-points') !== undefined ? `; fit subset ≤ ${flag('fit-max-points')}` : ''}; refit: ${refitFlag}\n`);
  console.log('| problem | d | budget | engine median | engine [q25, q75] | × seq | random median | random [q25, q75] | BoTorch ref | random ref | ms/suggest p50 (max) | engine errors | training time |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const medianOf = (name: string): number | undefined => {
    const e = results.filter((r) => r.row === name).map((r) => r.regret);
    return e.length > 0 ? quantile(e, 0.5) : undefined;
  };
  for (const { name, problem: p, parallelism } of rows) {
    const rs = results.filter((r) => r.row === name);
    const e = rs.map((r) => r.regret);
    const q = rs.map((r) => r.randomRegret);
    const ms = rs.flatMap((r) => r.millis);
    const failures = rs.reduce((a, r) => a + r.failures, 0);
    const sequential = parallelism.mode === 'sequential' ? undefined : medianOf(name.replace(/-(batch|async)\d+/, ''));
    const ratio = sequential === undefined ? '–' : sequential > 0 ? `${(quantile(e, 0.5) / sequential).toFixed(2)}×` : '∞';
    console.log(
      `| ${name} | ${p.space.length} | ${p.budget} | ${fmt(quantile(e, 0.5))} | [${fmt(quantile(e, 0.25))}, ${fmt(quantile(e, 0.75))}] | ${ratio} | ${fmt(quantile(q, 0.5))} | [${fmt(quantile(q, 0.25))}, ${fmt(quantile(q, 0.75))}] | ` +
        `${p.reference ? fmt(p.reference.botorch) : '–'} | ${p.reference ? fmt(p.reference.random) : '–'} | ${quantile(ms, 0.5).toFixed(0)} (${Math.max(...ms).toFixed(0)}) | ${failures} | ${quantile(rs.map((r) => r.trainingTime), 0.5).toFixed(1)} |`,
    );
  }
  if (process.argv.includes('--per-seed')) {
    for (const { name } of rows) {
      const rs = results.filter((r) => r.row === name).sort((a, b) => a.seed - b.seed);
      console.log(`${name} per seed: ${rs.map((r) => fmt(r.regret)).join(' ')}`);
      console.log(`${name} seeds with regret < 0.05: ${rs.filter((r) => r.regret < 0.05).length}/${rs.length}, < 0.01: ${rs.filter((r) => r.regret < 0.01).length}/${rs.length}`);
    }
  }
  if (process.argv.includes('--trace')) {
    // Seeds that end in the global basin (regret < 0.01), their last TRACE_TAIL engine points.
    console.log(`\nLast ${TRACE_TAIL} points of seeds with regret < 0.01: distance to the incumbent (encoded cube) when asked, share that beat the incumbent`);
    console.log(`| row | seeds | points | distance q25 / median / q75 | < 0.02 | 0.02–0.1 | 0.1–0.3 | > 0.3 | improved | geo-mean regret | first point < 0.1 / < 0.01 (median index) | geo-mean regret ${AFTER} points after the first < 0.01 (seeds) |`);
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const { name, problem: p } of rows) {
      const rs = results.filter((r) => r.row === name && r.regret < 0.01);
      const steps = rs.flatMap((r) => r.trace.filter((t) => t.index >= p.budget - TRACE_TAIL));
      if (steps.length === 0) continue;
      const dist = steps.map((t) => t.distance);
      const share = (f: (v: number) => boolean): string => `${((100 * dist.filter(f).length) / dist.length).toFixed(0)}%`;
      const firstBelow = (level: number): number => quantile(rs.map((r) => r.trace.find((t) => t.regret < level)?.index ?? p.budget), 0.5);
      // Descent speed in the basin, independent of when it was reached: best regret among
      // the first point below 0.01 and the AFTER points issued after it.
      const after = rs.flatMap((r) => {
        const sorted = [...r.trace].sort((a, b) => a.index - b.index);
        const i = sorted.findIndex((t) => t.regret < 0.01);
        return i >= 0 && i + AFTER < sorted.length ? [Math.min(...sorted.slice(i, i + AFTER + 1).map((t) => t.regret))] : [];
      });
      const geoAfter = after.length > 0 ? fmt(Math.exp(after.reduce((a, v) => a + Math.log(Math.max(v, 1e-12)), 0) / after.length)) : '–';
      const geo = Math.exp(rs.reduce((a, r) => a + Math.log(Math.max(r.regret, 1e-12)), 0) / rs.length);
      console.log(
        `| ${name} | ${rs.length} | ${steps.length} | ${fmt(quantile(dist, 0.25))} / ${fmt(quantile(dist, 0.5))} / ${fmt(quantile(dist, 0.75))} | ${share((v) => v < 0.02)} | ${share((v) => v >= 0.02 && v < 0.1)} | ` +
          `${share((v) => v >= 0.1 && v < 0.3)} | ${share((v) => v >= 0.3)} | ${((100 * steps.filter((t) => t.improved).length) / steps.length).toFixed(1)}% | ${fmt(geo)} | ${firstBelow(0.1)} / ${firstBelow(0.01)} | ${geoAfter} (${after.length}) |`,
      );
    }
  }
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s, ${jobs} worker(s)`);
}

await main();
