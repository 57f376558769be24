/**
 * What bench:early-stopping reports of a run and over seeds: the best fully trained value
 * once a number of steps is spent, the steps spent when a target is first reached, and
 * quantiles over seeds in which a seed may never have got there (+∞).
 */
import type { Completion } from './worker-simulation.js';

/** The best (smallest) value among trials fully trained within `steps` steps; +∞ when there is none. */
export function bestWithin(completions: Completion[], steps: number): number {
  let best = Infinity;
  for (const c of completions) if (c.steps <= steps && c.value < best) best = c.value;
  return best;
}

/** The steps spent when a fully trained value ≤ `target` first completed; +∞ when none did. */
export function stepsToReach(completions: Completion[], target: number): number {
  let first = Infinity;
  for (const c of completions) if (c.value <= target && c.steps < first) first = c.steps;
  return first;
}

/**
 * Linear-interpolated quantile q of xs (type 7, as bench/statistics.ts), where xs may hold
 * +∞: a quantile that falls on or next to +∞ is +∞ (it is "not reached").
 */
export function quantileOrInfinity(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  if (s[hi] === Infinity) return Infinity;
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/**
 * The fewest steps s at which the median over runs of `bestWithin(run, s)` is ≤ `target`
 * (+∞ when it never is). It is the median over runs of `stepsToReach` up to how the two
 * middle runs of an even count are averaged; unlike that, a row measured against its own
 * final median reaches it, at the latest at its last completion.
 */
export function stepsForMedianToReach(runs: Completion[][], target: number): number {
  const steps = [...new Set(runs.flatMap((r) => r.map((c) => c.steps)))].sort((a, b) => a - b);
  for (const s of steps) if (quantileOrInfinity(runs.map((r) => bestWithin(r, s)), 0.5) <= target) return s;
  return Infinity;
}
