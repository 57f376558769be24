/**
 * Latency of the GP building blocks in src/bo, for the suggestion budget
 * (fit + acquisition p50 ≤ 50 ms at n = 100, d = 6; ≤ 1 s at n = 1000, d = 6).
 *
 *   npx tsx bench/gp-latency.ts            # full table
 *   npx tsx bench/gp-latency.ts 100 6      # one (n, d)
 *
 * Columns (CPU milliseconds per call, median of batches; see the NOTE on time()):
 *   chol      Cholesky with jitter of K + σ_n² I (n×n)
 *   kmat      kernel matrix K (n×n)
 *   lml+grad  one log marginal likelihood + gradient (what each L-BFGS step costs)
 *   fitWarm   fitHyperparameters from the previous MAP on slightly changed data (the
 *             steady state of a study: the last 2% of points are new), maxPoints = 256
 *   fitCold   fitHyperparameters from scratch, prior mode + 2 prior draws, maxPoints = 256
 *   cond      gaussianProcess(): factor + α with fixed hyperparameters
 *   post1k    batched posterior mean/variance at 1000 points
 *   pt+grad   one posteriorWithGradient (per acquisition evaluation)
 */

import { choleskyWithJitter } from '../src/bo/cholesky.js';
import { fitHyperparameters } from '../src/bo/fit.js';
import {
  gaussianProcess, posterior, posteriorWithGradient, posteriorWorkspace, unpackHyperparameters,
} from '../src/bo/gp.js';
import { kernelMatrix, matern52 } from '../src/bo/kernel.js';
import { likelihoodWorkspace, logMarginalLikelihood } from '../src/bo/likelihood.js';
import { createRng } from '../src/bo/rng.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median CPU time (user + system, ms) of one call of fn. Calls are grouped in
 * batches of ≥ ~5 ms so the µs resolution of process.cpuUsage() does not matter.
 * NOTE: CPU time, not wall time: this 2-core box is shared with other work
 * (load average 6–8 while this was written), which inflated wall-clock medians
 * 2–4×; for single-threaded code CPU time is what an idle box would show.
 */
function time(fn: () => void, budgetMs = 300): number {
  const c0 = process.cpuUsage();
  fn();
  const c1 = process.cpuUsage(c0);
  const first = Math.max((c1.user + c1.system) / 1000, 1e-3);
  const batch = Math.max(1, Math.ceil(5 / first));
  const batches = Math.max(3, Math.min(50, Math.ceil(budgetMs / (first * batch))));
  const ts: number[] = [];
  for (let r = 0; r < batches; r++) {
    const s = process.cpuUsage();
    for (let b = 0; b < batch; b++) fn();
    const e = process.cpuUsage(s);
    ts.push((e.user + e.system) / 1000 / batch);
  }
  return median(ts);
}

function problem(n: number, d: number) {
  const rng = createRng(n * 100 + d);
  const X = Float64Array.from({ length: n * d }, () => rng.uniform());
  const y = Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.sin(3 * X[i * d + j]! * (j + 1)) / (j + 1);
    return s + 0.05 * rng.normal();
  });
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { X, y: y.map((v) => (v - mean) / sd), isCategorical: new Uint8Array(d) };
}

function row(n: number, d: number): string[] {
  const { X, y, isCategorical } = problem(n, d);
  const theta = Float64Array.from([...new Array<number>(d).fill(Math.log(0.5)), 0, Math.log(1e-3), 0]);
  const hyper = unpackHyperparameters(theta);
  const kern = matern52(hyper.logLengthscales, 0, isCategorical);
  const K = kernelMatrix(kern, X, n);
  for (let i = 0; i < n; i++) K[i * n + i] = K[i * n + i]! + 1e-3;
  const out = new Float64Array(n * n);
  const tChol = time(() => choleskyWithJitter(K, n, {}, out));
  const tK = time(() => kernelMatrix(kern, X, n, out));
  const ws = likelihoodWorkspace(n, d);
  const g = new Float64Array(d + 3);
  const tL = time(() => logMarginalLikelihood(X, y, isCategorical, theta, g, ws));
  const maxPoints = 256;
  const cold = time(() => fitHyperparameters(X, y, isCategorical, { rng: createRng(1), maxPoints }), 0);
  // Previous fit on the first 98% of the data, as after the last suggestion.
  const nOld = Math.max(2, Math.floor(0.98 * n));
  const previous = fitHyperparameters(X.subarray(0, nOld * d), y.subarray(0, nOld), isCategorical, { rng: createRng(1), maxPoints }).hyperparameters;
  let evals = 0;
  const tWarm = time(() => {
    evals = fitHyperparameters(X, y, isCategorical, { rng: createRng(1), previous, maxPoints }).evaluations;
  }, 0);
  const tCond = time(() => gaussianProcess(X, y, isCategorical, previous));
  const gp = gaussianProcess(X, y, isCategorical, previous);
  const rng = createRng(5);
  const Z = Float64Array.from({ length: 1000 * d }, () => rng.uniform());
  const mu = new Float64Array(1000);
  const v = new Float64Array(1000);
  const tPost = time(() => posterior(gp, Z, 1000, mu, v));
  const pws = posteriorWorkspace(gp);
  let k = 0;
  const tPt = time(() => {
    posteriorWithGradient(gp, Z.subarray((k % 1000) * d, (k % 1000) * d + d), pws);
    k++;
  });
  const f = (x: number) => (Number.isNaN(x) ? '—' : x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  return [String(n), String(d), f(tChol), f(tK), f(tL), f(tWarm) + ` (${evals} ev)`, f(cold), f(tCond), f(tPost), f(tPt)];
}

const args = process.argv.slice(2).map(Number);
const sizes = args.length === 2 ? [[args[0]!, args[1]!]] : [50, 100, 250, 500, 1000].flatMap((n) => [2, 6, 12].map((d) => [n, d]));
const header = ['n', 'd', 'chol', 'kmat', 'lml+grad', 'fitWarm', 'fitCold', 'cond', 'post1k', 'pt+grad'];
const rows = [header];
for (const [n, d] of sizes) {
  const r = row(n!, d!);
  rows.push(r);
  console.log(r.join('\t'));
}
const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log('\nCPU milliseconds per call, median; node ' + process.version);
for (const r of rows) console.log(r.map((s, c) => s.padStart(widths[c]!)).join('  '));
