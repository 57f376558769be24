/**
 * The engine's measured choices: when to refit θ, on how many points, how long, the
 * categorical σ² floor, and the acquisition settings for pending and batch points.
 * Each constant's evidence is a decision record in docs/decisions/.
 */
import type { FittedHyperparameters } from './fit.js';
import type { SubsetPolicy } from './model-subset.js';

/** NOTE: σ² ≥ 1.5 in spaces with a categorical, so a choice seen at one or two points is not written off (decision 0004). */
export const CATEGORICAL_SIGNAL_FLOOR = 1.5;

/** NOTE: log EI averaged over 32 fantasies of the pending outcomes, not believer + local penalty (decision 0005). */
export const FANTASIES = 32;

/**
 * NOTE: with pending or batch points the raw candidates also perturb the best rows by
 * 0.01, so batch points refine the incumbent (decision 0006); sequential runs keep the
 * optimizer's default scales.
 */
export const CENTRED_PERTURBATION_SCALES: readonly number[] = [0.01, 0.05, 0.2];

/** NOTE: above 250 observations θ is fitted on a random subset of 250; no measurable regret cost at 300 (decision 0007). */
export const FIT_MAX_POINTS = 250;

/**
 * NOTE: above 400 observations the GP conditions on 400 of them: the 200 nearest the
 * incumbent (ℓ-scaled), the 100 best of the rest and 100 fixed pseudo-random ones; θ is
 * fitted on that set too. 74 ms CPU at n = 1,000 against 399 for the exact GP, and no worse
 * regret at equal time; the kind is chosen by argument, the runs could not tell (decision 0029).
 */
export const MODEL_SUBSET: SubsetPolicy = { size: 400, kind: 'mixed' };

/** NOTE: above n = 100 a warm fit stops after 8 L-BFGS steps, within 1e-3 nats of converged (decision 0008). */
export const WARM_FIT_ITERATIONS = 8;
export const WARM_CAP_ABOVE = 100;
export const FULL_FIT_ITERATIONS = 100;

/** NOTE: above 100 observations θ is refitted once n grows by 5%, and the factor extended in between (decision 0009). */
export const REFIT_ALWAYS_UP_TO = 100;
export const REFIT_GROWTH = 0.05;

/** Whether θ should be fitted anew for n observations, given the previous fit. */
export function refitHyperparameters(n: number, previous: FittedHyperparameters): boolean {
  const at = previous.observations;
  if (at === undefined || n < at) return true;
  if (n === at) return false;
  return n <= REFIT_ALWAYS_UP_TO || n >= at * (1 + REFIT_GROWTH);
}

/** L-BFGS iterations for a fit, warm (from `previous`) or not, at n observations. */
export function fitIterations(warm: boolean, n: number): number {
  return warm && n > WARM_CAP_ABOVE ? WARM_FIT_ITERATIONS : FULL_FIT_ITERATIONS;
}
