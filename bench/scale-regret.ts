/**
 * Regret of long studies (thousands of evaluations of a cheap objective) with the GP
 * conditioned on a subset of the observations (bo/model-subset.ts) against the exact GP
 * (every observation) given the same engine CPU time.
 *
 *   npm run bench:scale                                          noisy-hartmann6 and hartmann6, 2 seeds, 5,000 evaluations
 *   npm run bench:scale -- --problems noisy-hartmann6 --seeds 1  the decision record's run
 *   npm run bench:scale -- --budget 1000 --variants mixed-400,local-400,best-recent-400
 *   flags: --problems a,b  --seeds N  --budget B (evaluations of the subset variants)
 *          --variants v,w (default: the engine's subset, then exact); a variant is
 *            <kind>-<size> (kind: mixed | local | best-recent) or exact
 *          --exact-cpu-s S (exact's engine CPU cap, default 900)  --jobs J (worker processes, default 2)
 *
 * Problems: hartmann6 (bench/problems.ts), and noisy-hartmann6, the same with N(0, 0.1²)
 * added to every value the engine sees. Regret is the true (noise-free) f at the point the
 * study would report as best (lowest observed value) minus f*; with noise a lucky draw can
 * hold that point for good, so "tried" (printed per run) is also given: min f over every
 * point evaluated, minus f*. Every 250 evaluations a progress line (evaluations, engine CPU,
 * both regrets) goes to stderr, so a run cut short can still be compared at equal CPU time.
 * Protocol per (problem, seed): the Sobol' design of bench/problems.ts initialDesign, then
 * suggestNext one point at a time, θ warm-started from the previous call and the model kept
 * in a ModelCache between calls (as the service's engine thread does), no pending points.
 * The clock is the engine's CPU time (process.cpuUsage around suggestNext: this machine is
 * shared, and the engine is single-threaded, so CPU time is what an idle machine's wall time
 * would be); wall time is reported beside it. A subset variant runs `budget` evaluations.
 * "exact" (modelSubset: null) runs alongside, up to --exact-cpu-s of engine CPU or `budget`
 * evaluations, and is read (final regret, evaluations) at the engine CPU time the first
 * variant used on the same (problem, seed): the exact model stopped at the same time.
 * Columns: median [q25, q75] over seeds of the final regret, of the regret at 1,000 and
 * 2,000 evaluations, evaluations reached, engine CPU and wall seconds, and the median and
 * last-100 median CPU ms per call.
 */
import { performance } from 'node:perf_hooks';
import { createEncoding } from '../src/bo/encoding.js';
import { suggestNext, type EngineExperiment, type FittedHyperparameters, type ModelCache } from '../src/bo/engine.js';
import type { GaussianProcess } from '../src/bo/gp.js';
import type { SubsetKind } from '../src/bo/model-subset.js';
import { MODEL_SUBSET } from '../src/bo/engine-policy.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { initialDesign, PROBLEMS, type Problem } from './problems.js';
import { quantile } from './statistics.js';
import { flag, fmt, runQueued, servesQueuedTasks } from './harness.js';

interface Task { problem: string; seed: number; variant: string; budget: number; cpuBudgetMs?: number }
interface Result extends Task {
  regret: number; at1000: number; at2000: number; evaluations: number; cpuMs: number; wallMs: number; callMs: number[];
  /** [engine CPU ms so far, regret] after every evaluation that changed the regret. */
  trajectory: [number, number][];
  /** The true regret of the best point tried (min f over the evaluations; = regret without noise). */
  triedRegret: number;
}

const NOISE = 0.1;

function problemNamed(name: string): { problem: Problem; noise: number } {
  const base = PROBLEMS.find((p) => p.name === name.replace(/^noisy-/, ''));
  if (!base) throw new Error(`unknown problem ${name}`);
  return { problem: base, noise: name.startsWith('noisy-') ? NOISE : 0 };
}

function experimentOf(variant: string): EngineExperiment {
  if (variant === 'exact') return { modelSubset: null };
  const m = /^(mixed|local|best-recent)-(\d+)$/.exec(variant);
  if (!m) throw new Error(`unknown variant ${variant}`);
  return { modelSubset: { kind: m[1] as SubsetKind, size: Number(m[2]) } };
}

function runTask(task: Task): Result {
  const { problem, noise } = problemNamed(task.problem);
  const enc = createEncoding(problem.space);
  const rng = createRng(task.seed);
  const noiseRng = rng.fork(7);
  const observations: { params: Params; value: number }[] = [];
  const truth: number[] = [];
  const observe = (params: Params): void => {
    const f = problem.f(params);
    truth.push(f);
    observations.push({ params, value: f + noise * noiseRng.normal() });
  };
  for (const o of initialDesign(problem, enc, rng.fork(1))) observe(o.params);
  // Regret at the lowest observed value so far.
  let bestObserved = Infinity;
  let bestTruth = Infinity;
  let bestTried = Math.min(...truth);
  const track = (): void => {
    const i = observations.length - 1;
    if (observations[i]!.value < bestObserved) {
      bestObserved = observations[i]!.value;
      bestTruth = truth[i]!;
    }
  };
  for (let i = 0; i < observations.length; i++) if (observations[i]!.value < bestObserved) [bestObserved, bestTruth] = [observations[i]!.value, truth[i]!];
  let model: GaussianProcess | undefined;
  const modelCache: ModelCache = { get: () => model, set: (gp) => void (model = gp) };
  const experiment = experimentOf(task.variant);
  let previous: FittedHyperparameters | undefined;
  let cpuMs = 0;
  let wallMs = 0;
  let at1000 = NaN;
  let at2000 = NaN;
  const callMs: number[] = [];
  const trajectory: [number, number][] = [[0, bestTruth - problem.optimum]];
  while (observations.length < task.budget && (task.cpuBudgetMs === undefined || cpuMs < task.cpuBudgetMs)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = suggestNext(
      { space: problem.space, goal: 'minimize', observations, pending: [], count: 1, seed: task.seed * 100_000 + observations.length, ...(previous ? { previous } : {}) },
      { modelCache, experiment },
    );
    const c = process.cpuUsage(c0);
    wallMs += performance.now() - t0;
    const ms = (c.user + c.system) / 1000;
    cpuMs += ms;
    callMs.push(ms);
    // Past the CPU budget the point would not have been suggested in time.
    if (task.cpuBudgetMs !== undefined && cpuMs > task.cpuBudgetMs) break;
    previous = out.hyperparameters;
    observe(out.suggestions[0]!.params);
    const before = bestTruth;
    track();
    bestTried = Math.min(bestTried, truth[truth.length - 1]!);
    if (observations.length % 250 === 0) {
      console.error(`progress ${task.problem} seed ${task.seed} ${task.variant}: ${observations.length} evaluations, ${(cpuMs / 1000).toFixed(1)} s CPU, regret ${fmt(bestTruth - problem.optimum)}, tried ${fmt(bestTried - problem.optimum)}`);
    }
    if (bestTruth !== before) trajectory.push([cpuMs, bestTruth - problem.optimum]);
    if (observations.length === 1000) at1000 = bestTruth - problem.optimum;
    if (observations.length === 2000) at2000 = bestTruth - problem.optimum;
  }
  return { ...task, regret: bestTruth - problem.optimum, at1000, at2000, evaluations: observations.length, cpuMs, wallMs, callMs, trajectory, triedRegret: bestTried - problem.optimum };
}

function summary(xs: number[]): string {
  // A regret not reached is NaN here and null after the trip through the child process.
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return '—';
  return `${fmt(quantile(v, 0.5))} [${fmt(quantile(v, 0.25))}, ${fmt(quantile(v, 0.75))}]`;
}

/** The regret of a run once its engine had used `cpuMs` of CPU time (and the evaluations by then). */
function regretAt(r: Result, cpuMs: number): number {
  let v = r.trajectory[0]![1];
  for (const [t, regret] of r.trajectory) if (t <= cpuMs) v = regret;
  return v;
}

async function main(): Promise<void> {
  const problems = (flag('problems') ?? 'noisy-hartmann6,hartmann6').split(',');
  const seeds = Number(flag('seeds') ?? 2);
  const budget = Number(flag('budget') ?? 5000);
  const jobs = Number(flag('jobs') ?? 2);
  const exactCpuMs = Number(flag('exact-cpu-s') ?? 900) * 1000;
  const variants = (flag('variants') ?? `${MODEL_SUBSET.kind}-${MODEL_SUBSET.size},exact`).split(',');
  const lead = variants[0]!;
  const started = performance.now();
  const log = (r: Result, done: number): void =>
    console.error(`[${done}] ${r.problem} seed ${r.seed} ${r.variant}: regret ${fmt(r.regret)} after ${r.evaluations} evaluations, ${(r.cpuMs / 1000).toFixed(0)} s CPU, tried ${fmt(r.triedRegret)}; trajectory ${JSON.stringify(r.trajectory.map(([t, v]) => [Math.round(t), Number(v.toPrecision(3))]))}`);
  const seedList = Array.from({ length: seeds }, (_, s) => s + 1);
  // Seeds first, so that a short run still pairs every variant on the first seeds.
  const tasks = seedList.flatMap((seed) => problems.flatMap((problem) => variants.map((variant): Task => ({
    problem, seed, variant, budget, ...(variant === 'exact' ? { cpuBudgetMs: exactCpuMs } : {}),
  }))));
  const all = await runQueued<Task, Result>(tasks, jobs, log);
  console.log(`\n${seeds} seeds, budget ${budget} evaluations; "exact" runs up to ${exactCpuMs / 1000} s of engine CPU and is read at the engine CPU time ${lead} used on the same seed\n`);
  console.log('| problem | variant | final regret | at 1,000 evaluations | at 2,000 evaluations | evaluations | engine CPU s | wall s | CPU ms/call median / last 100 |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const problem of problems) {
    for (const variant of variants) {
      const rs = all.filter((r) => r.problem === problem && r.variant === variant);
      const last = rs.flatMap((r) => r.callMs.slice(-100));
      const leadOf = (r: Result) => all.find((l) => l.problem === r.problem && l.seed === r.seed && l.variant === lead)!;
      // exact at the lead's CPU time: its regret then, and how many evaluations it had made by then.
      const final = variant === 'exact' && variant !== lead ? rs.map((r) => regretAt(r, leadOf(r).cpuMs)) : rs.map((r) => r.regret);
      const evaluations = variant === 'exact' && variant !== lead
        ? rs.map((r) => { let k = 0, t = 0; while (k < r.callMs.length && t + r.callMs[k]! <= leadOf(r).cpuMs) t += r.callMs[k++]!; return r.evaluations - r.callMs.length + k; })
        : rs.map((r) => r.evaluations);
      console.log(
        `| ${problem} | ${variant} | ${summary(final)} | ${summary(rs.map((r) => r.at1000))} | ${summary(rs.map((r) => r.at2000))} | ${quantile(evaluations, 0.5)} | ${quantile(rs.map((r) => r.cpuMs / 1000), 0.5).toFixed(0)} | ${quantile(rs.map((r) => r.wallMs / 1000), 0.5).toFixed(0)} | ${quantile(rs.flatMap((r) => r.callMs), 0.5).toFixed(0)} / ${quantile(last, 0.5).toFixed(0)} |`,
      );
    }
  }
  const stoppedShort = all.filter((r) => r.variant === 'exact' && r.cpuBudgetMs !== undefined && r.cpuMs < (all.find((l) => l.problem === r.problem && l.seed === r.seed && l.variant === lead)?.cpuMs ?? 0));
  if (stoppedShort.length > 0) console.log(`\nexact reached its CPU cap before ${lead} ended on ${stoppedShort.length} run(s): read at its cap`);
  console.log(`\nper seed: ${all.map((r) => `${r.problem}/${r.seed}/${r.variant}=${fmt(r.regret)}@${r.evaluations}`).join(' ')}`);
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (!servesQueuedTasks(runTask)) void main();
