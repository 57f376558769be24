/**
 * The median stopping rule (Golovin et al. 2017, "Google Vizier", §3.2.2): stop a trial at
 * step s when its best value so far is strictly worse than the median of the other
 * trials' running averages up to s. Pure.
 */
import type { Goal } from '../../bo/search-space.js';

/** Other trials that must have reached the step before the rule speaks (Katib's default). */
export const MEDIAN_MIN_TRIALS = 3;

/** The median of xs (the mean of the middle two for an even count); xs non-empty. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * @param bestSoFar        the trial's best reported value up to s (its current report included).
 * @param runningAverages  each other trial's mean of its reports up to s, for those that reached s.
 * @returns stop, and the median it was compared with (null when too few trials reached s).
 */
export function medianStops(bestSoFar: number, runningAverages: number[], goal: Goal): { stop: boolean; median: number | null } {
  if (runningAverages.length < MEDIAN_MIN_TRIALS) return { stop: false, median: null };
  const m = median(runningAverages);
  return { stop: goal === 'minimize' ? bestSoFar > m : bestSoFar < m, median: m };
}
