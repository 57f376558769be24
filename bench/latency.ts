/**
 * Wall time of ONE suggestion as the service computes it (src/domain/gp-suggester.ts):
 * suggestNext one observation after the study's previous call, with that call's
 * hyperparameters and its model in the engine thread's cache (fit when the refit
 * policy asks for it + GP conditioning + pending points + log EI maximization), at n
 * observations in d dimensions; the same call when θ is refitted (every call up to
 * n = 100, then every 5% of growth: engine-policy.ts refitHyperparameters); and cold (no warm
 * start, no cache), as for a study's first GP suggestion.
 *
 *   npm run bench:latency                                  full table (about 8 minutes on 2 cores)
 *   npm run bench:latency -- --n 100,1000 --d 6            some cells (every n × every d)
 *   npm run bench:latency -- --cells 5000x6,20000x20       some cells, as n x d
 *   flags: --n a,b  --d a,b  --cells nxd,…  --reps R (warm repetitions; default 15, 11 at n ≥ 500,
 *          7 at n ≥ 1000, 5 at n ≥ 20,000)  --cold-reps R (default 5, 3 at n ≥ 500, 1 at n ≥ 20,000)
 *          --pending P (pending trials conditioned on, default 3: four workers, one asking)
 *          --fantasies K (fantasies per pending-aware point; default: the engine's)
 *
 * Data per (n, d): the first n points of a scrambled Sobol' design (seed n·100 + d)
 * and the values of a shifted sphere with a ripple, minimized,
 *   f(x) = Σ_j [(x_j − c_j)² + 0.05 (1 − cos(6π (x_j − c_j)))] + 0.01 ε,  ε ~ N(0, 1),
 *   c_j = 0.25 + 0.5 · frac(0.618034 j),
 * smooth with a few bumps per axis, so the fitted lengthscales are neither tiny nor
 * huge. P further Sobol' points are pending.
 * Warm: the hyperparameters and cached model of a cold suggestNext on the first
 * n − 1 observations (the service's previous call, one observation ago); that call
 * is also the JIT warm-up and is not timed. Every timed repetition starts from that
 * same cache (a repetition's own model is not kept) and uses its own engine seed
 * (the service's seed moves with the trial number). "Refit" is the warm call with
 * θ fitted again (warm-started), and without the cache.
 * Default cells: n ∈ {50, 100, 250, 500, 1000} × d ∈ {2, 6, 12}, then n ∈ {5000, 20000} ×
 * d ∈ {6, 20}.
 * Memory: this process runs the engine itself (as one engine thread of the server does);
 * "RSS MB" is the process's resident set and "heap MB" V8's used heap, both read after the
 * cell's last call, and "peak RSS MB" the process's maximum so far (process.resourceUsage;
 * it only grows, so it is the peak over this cell and the ones before it).
 * Columns: p50 and p95 (linear interpolation, numpy's default; with 7 repetitions
 * p95 is close to the maximum) of performance.now() around suggestNext, and
 * the median CPU time of the warm calls (process.cpuUsage: the engine is
 * single-threaded, so on a loaded box the CPU time is closer to what an idle box
 * would show than the wall time is).
 */

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { suggestNext, type EngineOptions, type ModelCache, type EngineInput } from '../src/bo/engine.js';
import type { GaussianProcess } from '../src/bo/gp.js';
import { createRng } from '../src/bo/rng.js';
import type { ParamSpec, Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { quantile } from './statistics.js';
import { flag } from './harness.js';

/** The issues' targets for the warm p50 (issue 3 at n = 100; issue 17 from n = 1,000), in ms. */
const TARGETS: Record<string, number> = { '100,6': 50, '1000,6': 100, '5000,6': 300, '20000,6': 1000 };

const DEFAULT_CELLS: [number, number][] = [
  ...[50, 100, 250, 500, 1000].flatMap((n) => [2, 6, 12].map((d): [number, number] => [n, d])),
  ...[5000, 20000].flatMap((n) => [6, 20].map((d): [number, number] => [n, d])),
];

/** The cells the flags ask for: --cells nxd,…, or --n × --d, or the default table. */
function cells(): [number, number][] {
  const list = flag('cells');
  if (list) return list.split(',').map((c) => c.split('x').map(Number) as [number, number]);
  const ns = flag('n');
  const ds = flag('d');
  if (!ns && !ds) return DEFAULT_CELLS;
  const nList = (ns ?? '50,100,250,500,1000').split(',').map(Number);
  const dList = (ds ?? '2,6,12').split(',').map(Number);
  return nList.flatMap((n) => dList.map((d): [number, number] => [n, d]));
}

function objective(x: number[], noise: number): number {
  let f = 0;
  for (let j = 0; j < x.length; j++) {
    const c = 0.25 + 0.5 * ((0.618034 * j) % 1);
    const t = x[j]! - c;
    f += t * t + 0.05 * (1 - Math.cos(6 * Math.PI * t));
  }
  return f + 0.01 * noise;
}

function problem(n: number, d: number, pending: number): EngineInput {
  const space: ParamSpec[] = Array.from({ length: d }, (_, j) => ({ name: `x${j + 1}`, type: 'float' as const, low: 0, high: 1 }));
  const rng = createRng(n * 100 + d);
  const points = sobolSequence(d, n + pending, rng.fork(1));
  const noise = rng.fork(2);
  const toParams = (u: Float64Array): Params => Object.fromEntries(Array.from(u, (v, j) => [`x${j + 1}`, v]));
  return {
    space,
    goal: 'minimize',
    observations: points.slice(0, n).map((u) => ({ params: toParams(u), value: objective(Array.from(u), noise.normal()) })),
    pending: points.slice(n).map(toParams),
    count: 1,
    seed: 1,
  };
}

/** Wall and CPU milliseconds of f(). */
function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function main(): void {
  const pending = Number(flag('pending') ?? 3);
  const repsFlag = flag('reps');
  const coldFlag = flag('cold-reps');
  const fantasies = flag('fantasies');
  const options: EngineOptions = fantasies ? { experiment: { fantasies: Number(fantasies) } } : {};
  const [l1, l5, l15] = loadavg();
  console.log(`node ${process.version}, ${cpus().length} cores, load average at start ${l1!.toFixed(2)} ${l5!.toFixed(2)} ${l15!.toFixed(2)}; ${pending} pending${fantasies ? `, K = ${fantasies}` : ''}\n`);
  console.log('| n | d | warm p50 ms | warm p95 ms | warm CPU p50 ms | refit p50 ms | cold p50 ms | cold p95 ms | reps warm/cold | RSS MB | heap MB | peak RSS MB | target (warm p50) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const started = performance.now();
  for (const [n, d] of cells()) {
    const warmReps = repsFlag ? Number(repsFlag) : n >= 20000 ? 5 : n >= 1000 ? 7 : n >= 500 ? 11 : 15;
    const coldReps = coldFlag ? Number(coldFlag) : n >= 20000 ? 1 : n >= 500 ? 3 : 5;
    const input = problem(n, d, pending);
    let model: GaussianProcess | undefined;
    const before = suggestNext({ ...input, observations: input.observations.slice(0, n - 1), seed: 0 }, { ...options, modelCache: { get: () => undefined, set: (gp) => void (model = gp) } });
    const cache: ModelCache = { get: () => model, set: () => {} };
    const warm = Array.from({ length: warmReps }, (_, r) => timed(() => suggestNext({ ...input, seed: 1 + r, previous: before.hyperparameters }, { ...options, modelCache: cache })));
    const refit = Array.from({ length: warmReps }, (_, r) => timed(() => suggestNext({ ...input, seed: 1 + r, previous: before.hyperparameters }, { ...options, experiment: { ...options.experiment, refit: () => true } })));
    const cold = Array.from({ length: coldReps }, (_, r) => timed(() => suggestNext({ ...input, seed: 1 + r }, options)));
    const memory = process.memoryUsage();
    const peak = process.resourceUsage().maxRSS / 1024;
    const w = warm.map((t) => t.wall);
    const c = cold.map((t) => t.wall);
    const target = TARGETS[`${n},${d}`];
    const p50 = quantile(w, 0.5);
    const verdict = target === undefined ? '' : `≤ ${target}: ${p50 <= target ? 'met' : 'missed'}`;
    const f = (v: number): string => (v < 10 ? v.toFixed(1) : v.toFixed(0));
    const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    console.log(
      `| ${n} | ${d} | ${f(p50)} | ${f(quantile(w, 0.95))} | ${f(quantile(warm.map((t) => t.cpu), 0.5))} | ${f(quantile(refit.map((t) => t.wall), 0.5))} | ${f(quantile(c, 0.5))} | ${f(quantile(c, 0.95))} | ${warmReps}/${coldReps} | ${mb(memory.rss)} | ${mb(memory.heapUsed)} | ${peak.toFixed(0)} | ${verdict} |`,
    );
  }
  const [e1] = loadavg();
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end ${e1!.toFixed(2)}`);
}

main();
