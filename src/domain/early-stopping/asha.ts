/**
 * Asynchronous successive halving (Li et al. 2020, "A system for massively parallel
 * hyperparameter tuning", MLSys; Algorithm 2 with stopping instead of pausing), with the
 * brackets of Hyperband (Li et al. 2018) chosen by mode as Determined's adaptive ASHA does.
 *
 * | symbol | meaning                                                                 |
 * |--------|-------------------------------------------------------------------------|
 * | r      | minStep, the first step at which a trial may be stopped                  |
 * | R      | maxStep, the step at which a trial is fully trained                      |
 * | η      | reductionFactor: 1/η of a rung's trials go on                             |
 * | s_max  | ⌊log_η(R / r)⌋: the number of rungs below R in the first bracket         |
 * | b      | a bracket, 0 ≤ b < brackets; its rungs are r·η^(b+k) < R, k = 0, 1, …   |
 *
 * Bracket 0 stops hardest (its first rung is r); bracket b starts stopping at r·η^b.
 * Modes: aggressive = bracket 0 only; conservative = every bracket 0..s_max; standard =
 * the first ⌈(s_max + 1)/2⌉. A trial's bracket is its number modulo the bracket count, so
 * brackets fill evenly and every process computes the same one.
 *
 * Pure: the decision is a function of the values already recorded at the rung.
 */
import type { Goal } from '../../bo/search-space.js';
import type { AshaMode } from '../study.js';

export type AshaSettings = { minStep: number; maxStep: number; reductionFactor: number; mode: AshaMode };

/** s_max = ⌊log_η(maxStep / minStep)⌋, by integer steps (no floating-point logarithm). */
export function maxBracketIndex(settings: AshaSettings): number {
  const { minStep, maxStep, reductionFactor } = settings;
  let s = 0;
  while (minStep * reductionFactor ** (s + 1) <= maxStep) s++;
  return s;
}

/** Brackets in use for the mode. */
export function bracketCount(settings: AshaSettings): number {
  const all = maxBracketIndex(settings) + 1;
  switch (settings.mode) {
    case 'aggressive':
      return 1;
    case 'conservative':
      return all;
    case 'standard':
      return Math.ceil(all / 2);
  }
}

/** The bracket of trial number n. */
export function bracketOf(trialNumber: number, settings: AshaSettings): number {
  return trialNumber % bracketCount(settings);
}

/** The rungs of bracket b, ascending: r·η^(b+k) below maxStep. */
export function rungsOf(bracket: number, settings: AshaSettings): number[] {
  const { minStep, maxStep, reductionFactor } = settings;
  const rungs: number[] = [];
  for (let k = bracket; minStep * reductionFactor ** k < maxStep; k++) rungs.push(minStep * reductionFactor ** k);
  return rungs;
}

/**
 * The rung a report at `step` is judged at: the highest rung of the bracket not above
 * `step` and above every rung the trial was already judged at; null when there is none
 * (between rungs, or past the last one).
 */
export function rungToJudge(step: number, bracket: number, settings: AshaSettings, judgedUpTo: number | null): number | null {
  let rung: number | null = null;
  for (const r of rungsOf(bracket, settings)) if (r <= step && (judgedUpTo === null || r > judgedUpTo)) rung = r;
  return rung;
}

/**
 * Whether a value goes on from its rung: it is promoted when it is at least as good as the
 * k-th best of all values recorded at the rung (its own included), k = max(1, ⌊m/η⌋) for m
 * values. So until a rung holds 2η values only a value as good as the best so far goes on:
 * early in a study ASHA stops hard, as Optuna's SuccessiveHalvingPruner does. A report that
 * skips past a rung is judged there with its later value (it was never seen at the rung).
 *
 * @param value   the trial's value at the rung, in the study's units.
 * @param others  the values the other trials of its bracket recorded at this rung.
 * @returns promote, its 1-based rank among the m values, and the cut-off value.
 */
export function ashaPromotes(value: number, others: number[], reductionFactor: number, goal: Goal): { promote: boolean; rank: number; of: number; cutoff: number } {
  const better = (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);
  const all = [...others, value].sort((a, b) => (goal === 'minimize' ? a - b : b - a));
  const k = Math.max(1, Math.floor(all.length / reductionFactor));
  const cutoff = all[k - 1]!;
  const rank = 1 + others.filter((o) => better(o, value)).length;
  return { promote: !better(cutoff, value), rank, of: all.length, cutoff };
}
