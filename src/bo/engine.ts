/**
 * The entry point the service calls: the next point(s) to evaluate for a study,
 * from its search space, goal, finished observations and pending trials.
 *
 * | symbol | meaning                                                          | shape  | space     |
 * |--------|------------------------------------------------------------------|--------|-----------|
 * | v_i    | an observed objective value, as the user reported it             | (n)    | objective |
 * | s      | +1 to maximize, −1 to minimize                                   |        |           |
 * | y_i    | T(s·v_i), standardized to mean 0 and variance 1                  | (n)    | yStd      |
 * | T      | output warp, output-transform.ts (half-rank by default)          |        |           |
 * | X      | encoded observations                                             | (n, d) | xUnit     |
 * | P      | encoded pending trials                                           | (p, d) | xUnit     |
 * | E      | excluded points: never returned, not conditioned on              |        | params    |
 * | θ      | MAP hyperparameters (fit.ts), warm-started from `previous`, or  | (d+3)  |           |
 * |        | `previous` itself when refitHyperparameters says so              |        |           |
 * | best   | max_i y_i (observations only, never fantasies)                   |        | yStd      |
 *
 * Steps (Optuna's GPSampler and BoTorch's SingleTaskGP + LogEI; for pending
 * and batch points log EI averaged over fantasies of their outcomes, the
 * marginal of BoTorch's qLogEI with X_pending, pending-acquisition.ts; or, with
 * pending = 'believer', the kriging believer of Ginsbourger et al. 2010,
 * "Kriging is well-suited to parallelize optimization", plus the local
 * penalty of González et al. 2016 around them, local-penalty.ts):
 *  1. encode and validate; y = standardized T(s·v).
 *  2. θ = argmax log p(y | X, θ) + log p(θ) (or the previous θ, see
 *     refitHyperparameters); the GP conditioned on (X, y), extending the factor
 *     of the model in `options.modelCache` when it is a prefix of this one.
 *  3. For every pending x_p: append (x_p, μ(x_p)) with θ fixed. Because the
 *     fantasy equals the current mean, appending them one by one or all at once
 *     gives the same model.
 *  4. For k = 1..count: x_k = argmax a(x) (acquisition-optimizer.ts), never an
 *     observed, pending, excluded or already suggested point; append (x_k, μ(x_k)).
 *     With centres (every pending point and every earlier x_j) a(x) is
 *     'fantasy': log (1/K) Σ_k EI under the step-3 GP with the centres' outcomes
 *     drawn from their joint posterior (seeded, rng.fork(200 + k));
 *     'believer': log EI of the step-3 GP + Σ_c log φ_c, penalties at the
 *     centres with μ_c, s_c and Λ from the step-2 GP.
 *     Without centres (count = 1, no pending: the sequential case) a(x) is
 *     plain log EI either way.
 *     A finite space that runs out after k ≥ 1 points ends the batch there.
 *  5. decode; report μ and s at x_k back in objective units.
 *
 * Deterministic: every random draw comes from createRng(seed) forks.
 */

import { AcquisitionOptimizerError, maximizeLogEi, type LogEiMaximum } from './acquisition-optimizer.js';
import { logExpectedImprovement } from './acquisition.js';
import { NotPositiveDefiniteError } from './cholesky.js';
import { createEncoding, encode, paramsKey, validateParams, type Encoding } from './encoding.js';
import { fitHyperparameters } from './fit.js';
import { appendObservations, gaussianProcess, posterior, reusableRows, type GaussianProcess, type Hyperparameters } from './gp.js';
import { lipschitzEstimate, localPenalty } from './local-penalty.js';
import { fantasyBaseSamples, fantasyLogEi } from './pending-acquisition.js';
import { DEFAULT_OUTPUT_WARP, outputTransform, type OutputWarp } from './output-transform.js';
import { createRng, type Rng } from './rng.js';
import { sobolSequence } from './sobol.js';
import type { Goal, ParamSpec, Params } from './search-space.js';

export type { OutputWarp } from './output-transform.js';

/** Why the engine could not suggest; the service falls back to a random point on any of them. */
export type EngineErrorReason = 'invalid-input' | 'no-observations' | 'numerical-failure' | 'space-exhausted';

export class EngineError extends Error {
  constructor(
    readonly reason: EngineErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
}

/** θ in a JSON-friendly form, to store with the study and pass back as `previous`. */
export interface FittedHyperparameters {
  /** log ℓ_j per encoded dimension (space order), length d. */
  logLengthscales: number[];
  logSignalVariance: number;
  logNoiseVariance: number;
  /** Constant prior mean, yStd. */
  mean: number;
  /** n when θ was last fitted (absent in states stored before it was recorded: refit). */
  observations?: number;
}

export interface SuggestInput {
  space: ParamSpec[];
  goal: Goal;
  observations: { params: Params; value: number }[];
  pending: Params[];
  /**
   * E: points never to return, which the GP does not condition on (the
   * service's failed and stale trials: their outcome is unknown, but a second
   * try of the same point is wasted work). Entries that are not valid params
   * of the space are ignored: no suggestion can equal them.
   */
  exclude?: Params[];
  /** Number of suggestions, ≥ 1. */
  count: number;
  /** Safe integer; same seed and inputs → same output. */
  seed: number;
  /** The `hyperparameters` of an earlier call on the same space, to warm-start the fit. */
  previous?: FittedHyperparameters;
  /**
   * Observations the study has, when `observations` is a subset of them (the service
   * caps what a model conditions on); the refit policy counts these. Default: n.
   */
  totalObservations?: number;
}

export interface Suggestion {
  params: Params;
  source: 'gp-logei';
  /** Posterior of the objective at params, in objective units (sign and scale of the user's values). */
  prediction: { mean: number; std: number };
  /** log EI at params (yStd, maximization), after conditioning on pending and earlier suggestions. */
  acquisition: number;
}

export interface SuggestOutput {
  /** `count` of them, or fewer (≥ 1) when a finite space runs out. */
  suggestions: Suggestion[];
  hyperparameters: FittedHyperparameters;
  /** What the call computed afresh and what it took over from earlier calls. */
  work: {
    /** θ was fitted in this call (false: `previous` was used as is). */
    fitted: boolean;
    /** Rows of the Cholesky factor taken from `options.modelCache`, of n. */
    reusedRows: number;
    /** `options.shouldStop` said stop: the search was cut short, and the batch may hold fewer points. */
    interrupted: boolean;
  };
}

/**
 * Where suggestNext finds and leaves one study's conditioned GP (observations only,
 * no fantasies) between calls; a bounded per-thread cache in the service
 * (workers/model-cache.ts). Whatever it returns, the result is the same: it only
 * saves work.
 */
export interface ModelCache {
  get(): GaussianProcess | undefined;
  set(gp: GaussianProcess): void;
}

export interface EngineOptions {
  /** Default DEFAULT_OUTPUT_WARP. */
  outputWarp?: OutputWarp;
  /** Extra prior draws for the hyperparameter fit (fit.ts default when undefined). */
  fitRestarts?: number;
  /** L-BFGS iterations per fit start. Default WARM_FIT_ITERATIONS with `previous` and n > WARM_CAP_ABOVE, else FULL_FIT_ITERATIONS. */
  fitIterations?: number;
  /** Fit θ on a random subset of at most this many observations. Default FIT_MAX_POINTS. */
  fitMaxPoints?: number;
  /**
   * Add the local penalty around pending and batch points (step 4). Default
   * LOCAL_PENALTY_DEFAULT with pending = 'believer', false with 'fantasy'.
   */
  localPenalty?: boolean;
  /** The study's model from earlier calls, to extend rather than refactor (step 2). */
  modelCache?: ModelCache;
  /** When to refit θ given `previous`. Default refitHyperparameters. */
  refit?: (n: number, previous: FittedHyperparameters) => boolean;
  /**
   * What is maximized when there are pending or earlier batch points: 'believer'
   * (log EI of the believer GP) or 'fantasy' (log EI averaged over sampled
   * pending outcomes, pending-acquisition.ts). Default PENDING_DEFAULT.
   */
  pending?: PendingStrategy;
  /** K, fantasies per suggestion with pending = 'fantasy'. Default FANTASIES. */
  fantasies?: number;
  /** Fantasize the latent f(P) (true) or noisy outcomes (false), pending-acquisition.ts. Default LATENT_FANTASIES. */
  latentFantasies?: boolean;
  /**
   * With centres, the acquisition optimizer's restarts and perturbation scales
   * (acquisition-optimizer.ts). Default { perturbationScales: CENTRED_PERTURBATION_SCALES }
   * and the optimizer's restarts.
   */
  centredSearch?: { restarts?: number; perturbationScales?: number[] };
  /**
   * Checked between units of work (L-BFGS steps, fit starts, raw-candidate chunks,
   * local-search moves, batch points), with the stage asking. Once true for 'fit', the
   * fit keeps its best θ so far; once true for 'acquisition', the acquisition search
   * answers with its best point so far and the batch ends. How a deadline or a
   * cancellation reaches the numerics without a clock in them: a caller with a time
   * budget can give the fit a part of it and the acquisition the rest.
   */
  shouldStop?: (stage: EngineStage) => boolean;
  /** Floor on the fitted lengthscale of categorical dims (fit.ts). Default: none. */
  minCategoricalLengthscale?: number;
  /**
   * Floor on the fitted σ² when the space has a categorical parameter (fit.ts);
   * null = none, the engine before CATEGORICAL_SIGNAL_FLOOR. Spaces without
   * categoricals never get a floor. Default CATEGORICAL_SIGNAL_FLOOR.
   */
  categoricalSignalFloor?: number | null;
}

export type PendingStrategy = 'believer' | 'fantasy';

/** The two parts of a call that `shouldStop` can cut short. */
export type EngineStage = 'fit' | 'acquisition';

/**
 * NOTE: why σ² has a floor when the space has a categorical parameter. A
 * choice seen at one or two design points is predicted, away from them, by
 * the prior N(c, σ²): categories are nearly independent (fitted categorical
 * ℓ ≈ 0.27, correlation ≈ 0.01 between choices). On cat6 (bench/problems.ts),
 * as points pile up around the incumbent, the fit moves c to ≈ −1.2 and σ² to
 * ≈ 0.43 (yStd; seeds 0–7, n = 41, bench/category-trace.ts
 * --cat-signal-floor none), so the prior's EI in another choice is that of a
 * z ≈ −4 gap and the engine spends its last ~30 points in the incumbent's
 * choice (seed 1: 38 of 40 in the second-best). bench/regret.ts
 * --problems cat6,mixed, 64 seeds (seeds < 0.01 in the right category,
 * median): no floor cat6 36/64 (2.9e-5), mixed 55/64 (5.0e-6); floor 0.7
 * 42, 61; 1: 47, 61; 1.5: 53, 64 (4.2e-5, 1.7e-5); 2: 50, 63; 3: 52, 64.
 * At 128 seeds, floor 1.5: cat6 64/128 → 98/128 (median 8.0e-3 → 4.5e-5),
 * mixed 113/128 → 126/128 (median 4.0e-6 → 1.4e-5: a wider prior costs some
 * refinement inside the right basin: geometric mean over seeds below 0.01
 * 5.4e-6 → 2.6e-5 on cat6, 3.2e-6 → 1.3e-5 on mixed; mean regret 0.040 →
 * 0.016 and 0.022 → 0.003). With the floor σ² sits on it and the fit answers
 * with c ≈ −2 and longer lengthscales, the categorical one ≈ 1.2–1.6 (seeds
 * 0–1, n = 31–41, bench/category-trace.ts): the gap to the incumbent in prior
 * standard deviations still shrinks, and choices share more. Applying the
 * floor only while some choice has fewer than 3 (or 6) points: cat6 52 (53),
 * mixed 55 (64) of 64, no better. Things that did not help at 64 seeds:
 * a floor on the categorical lengthscale (between-choice correlation ≥ 0.14,
 * 0.52, 0.83 for ℓ ≥ 0.5, 1, 2: cat6 37, 36, 39), which with one categorical
 * is roughly what a fitted "shared + per-choice" kernel k_cont·[w + (1 − w) k_cat]
 * could do (between-choice correlation ≥ w); fixing the constant mean at 0 or
 * bounding it below by −0.5, −1 (44, 46, 36). Spaces without categoricals
 * keep the old fit: there a floor of 1 made other rows 3–10× worse (earlier
 * measurement), and continuous smoothness already carries information.
 * Checked afterwards on hcat4 (bench/problems.ts), a problem the value was not
 * chosen on, where every choice has the same landscape (64 seeds, floor → none):
 * best choice found 64/64 → 63/64, mean regret 7.8e-4 → 2.3e-3, but median
 * 1.4e-4 → 1.4e-5 and geometric mean over the seeds in the right choice
 * 1.7e-4 → 1.5e-5: the floor costs about 10× in final precision there.
 */
export const CATEGORICAL_SIGNAL_FLOOR = 1.5;

/**
 * NOTE: fantasies beat believer + local penalty on asynchronous workers and
 * hold batches. bench/regret.ts, Hartmann6@80, 128 seeds (median [q25, q75],
 * seeds with regret < 0.01), sequential 2.2e-4, 91/128 in both runs
 * (bit-identical), believer + penalty → fantasy (K = 32, no penalty):
 *   batch4  4.8e-4 [1.6e-4, 0.119] 2.18×, 87/128 → 3.5e-4 [2.1e-4, 0.119] 1.60×, 86/128
 *           (48 seeds better, 68 worse, geometric mean over seeds below 0.01 in both 2.6e-4 → 2.3e-4)
 *   async8  3.7e-3 [1.1e-3, 0.120] 16.8×, 73/128 → 1.4e-3 [6.0e-4, 0.122] 6.5×, 80/128
 *           (75 better, 49 worse; 11 seeds newly below 0.01, 4 lost; geometric mean 1.1e-3 → 6.3e-4)
 * The local penalty on top of the fantasies did not help (64 seeds, async8
 * 1.5e-3 and 43/64 against 1.1e-3 and 42/64, 22 seeds better, 33 worse).
 * K = 16, 32, 64 gave 19/32 seeds each on async8 (medians 1.2e-3, 1.9e-3,
 * 2.1e-3: seed noise); latent instead of noisy fantasies 20/32 (1.2e-3).
 * Cost (bench/latency.ts, n = 100, d = 6, 7 pending, warm CPU p50): 33 ms
 * with believer + penalty, 43 ms with K = 32, 37 ms with K = 16.
 * Async8 is still not within issue 4's 1.5× of sequential: among seeds that
 * find the global basin its regret is 7.1e-4 against 1.4e-4 (geometric means).
 */
export const PENDING_DEFAULT: PendingStrategy = 'fantasy';
export const FANTASIES = 32;
export const LATENT_FANTASIES = false;

/**
 * NOTE: why async8 trails sequential, and three knobs that did not close it.
 * bench/regret.ts --trace, Hartmann6@80, 64 seeds, default engine: on seeds
 * ending below 0.01 (49 sequential, 42 async8), async8 first samples below
 * 0.1 at median index 46 (sequential 32) and below 0.01 at 62 (40), so it has
 * ~18 points left in the basin instead of ~40; twelve points after its first
 * point below 0.01 its regret is 1.2e-3 against 8.3e-4 (geometric means):
 * mostly a late arrival (8 points asked from the 14 design points alone, then a
 * 7-point information lag), partly a slower descent. Its last 30 points sit at
 * a median distance 0.053 from the incumbent (15% within 0.02) against 0.010
 * (68%), beating it as often (20% vs 17%): a ring around the pending points,
 * not global exploration (7% of points farther than 0.3, sequential 10%).
 * At 32 seeds (default: batch4 3.8e-4 1.06×, 20/32 below 0.01; async8 1.8e-3
 * 5.2×, 19/32, in-basin median distance 0.057):
 *   raiseFantasyIncumbent false  batch4 7.2e-3 20×, 16/32; async8 0.012 35×, 16/32 (distance 0.077)
 *   perturbObservedOnly          batch4 3.1e-4, 20/32;    async8 2.2e-3 6.1×, 19/32 (distance 0.065)
 *   fantasySpread 0.5            batch4 4.1e-4, 22/32;    async8 1.8e-3, 18/32 (distance 0.043, in-basin
 *                                regret 8.2e-4 against 6.4e-4: closer points, no better)
 *   fantasySpread 2              batch4 5.6e-4, 21/32;    async8 8.5e-3, 17/32 (distance 0.10)
 * and 10 restarts instead of 5 (centredSearch) at 64 seeds: batch4 3.2e-4, async8 1.1e-3
 * 6.1×, 41/64, against 3.1e-4 and 1.2e-3 6.6×, 42/64. Sequential runs are
 * bit-identical under all of them (the options act only with centres).
 * The first three were engine options (raiseFantasyIncumbent, perturbObservedOnly,
 * fantasySpread) in commit a25bfe1, removed since: check that commit out to
 * repeat these rows.
 */

/**
 * NOTE: how far the pending strategy could bring async8, and four more policies
 * that did not. The information lag alone costs more than issue 4's 1.5× leaves:
 * an async8 point is chosen with 7 outcomes missing, and the sequential engine
 * stopped 7 points early already has 1.32× the regret (bench/regret.ts, 128
 * seeds, median [q25, q75], seeds < 0.01):
 *   hartmann6 (80)     2.2e-4 [9.5e-5, 0.119]  91/128
 *   hartmann6@73       2.9e-4 [1.1e-4, 0.119]  90/128  1.32×
 *   hartmann6@66       4.0e-4 [1.6e-4, 0.119]  90/128  1.82×
 * and the lag also slows the climb to the basin, each step of which waits for
 * feedback (first point < 0.1 / < 0.01 at median index 32 / 40 sequentially,
 * 39 / 50 async4, 46 / 54 batch8, 49 / 64 async8). Same run:
 *   batch4 2.5e-4 1.14×, async4 3.5e-4 1.61×, batch8 5.4e-4 2.47×, async8 1.7e-3 7.8×;
 *   async8@100 4.0e-4, async8@110 2.2e-4 (the sequential 80-point median),
 *   async8@120 1.5e-4; simulated training time to the end 66.3 sequentially,
 *   12.5 for async8@110: 1.4× the evaluations in a fifth of the time.
 * Tried on async8 at 64 seeds (default 8.1e-4, 43/64 below 0.01), each from a
 * throwaway patch, none committed:
 *   pending only excluded, not conditioned on (plain log EI of the observations,
 *   as Riegler et al. 2026, "Standard acquisition is sufficient for asynchronous
 *   BO", argue for UCB): 0.138, 4/64 (async4 5.2e-3, 38/64 against 2.7e-4, 45/64):
 *   the points crowd the incumbent;
 *   argmax μ instead of the fantasies with probability ε (ε-greedy, as in De Ath
 *   et al. 2021's AEGiS): ε = 0.125 1.2e-3, 42/64; 0.25 2.2e-3, 40/64; 0.5 3.0e-3, 39/64;
 *   GP-BUCB, μ + √β s of the believer (Desautels et al. 2014): β = 1 1.6e-3,
 *   43/64; β = 4 1.5e-3, 39/64;
 *   the first 8 points space-filling (the design's Sobol' sequence continued)
 *   instead of asked from the 14-point model: 2.8e-3, 40/64.
 */

/**
 * NOTE: with centres, raw candidates also perturb the best rows by 0.01 (the
 * optimizer's default scales are 0.05 and 0.2): batch points then refine the
 * incumbent instead of landing on a mode of the fantasy acquisition 0.05 away.
 * bench/regret.ts --trace, Hartmann6@80, 128 seeds, default scales → these
 * (--centred-search '{"perturbationScales":[0.01,0.05,0.2]}' before this default):
 *   batch4  3.5e-4 [2.1e-4, 0.119] 1.60×, 86/128 below 0.01 → 2.5e-4 [9.3e-5, 0.119] 1.14×, 84/128
 *           (77 seeds better, 34 worse; geometric mean over the 84 seeds below 0.01
 *           in both 2.3e-4 → 1.2e-4, sequential 1.5e-4; last-30 median distance to
 *           the incumbent 0.015 → 0.012; 2 seeds left the global basin, none entered it)
 *   async8  1.6e-3 [6.1e-4, 0.122] 7.1×, 80/128 → 1.7e-3 [5.8e-4, 0.120] 7.8×, 79/128
 *           (55 better, 54 worse, geometric mean 7.0e-4 → 7.4e-4: no change)
 * Sequential bit-identical (91/128, 2.2e-4). At 64 seeds 10 restarts instead of
 * 5 added nothing (NOTE above) and cost time, so restarts stay at the optimizer's.
 */
export const CENTRED_PERTURBATION_SCALES: readonly number[] = [0.01, 0.05, 0.2];

/**
 * NOTE (pending = 'believer'): the believer alone lets batch and pending points crowd the incumbent's
 * basin. bench/regret.ts, Hartmann6, 128 seeds (median [q25, q75], seeds with
 * regret < 0.01), believer alone → believer + local penalty:
 *   batch4  2.8e-3 [6.4e-4, 0.119], 81/128 → 4.8e-4 [1.6e-4, 0.119], 87/128 (91 seeds better, 25 worse)
 *   async8  0.012  [1.9e-3, 0.120], 60/128 → 3.7e-3 [1.1e-3, 0.120], 73/128 (79 better, 40 worse)
 * The penalty without the believer did as well on async8 (5.1e-3, 75/128), and
 * Thompson sampling for batch members 2..q as well on batch4 (5.1e-4, 85/128)
 * but worse on async8 when used for every pending-aware point (32 seeds: 17/32
 * below 0.05 against 18/32), and it cost 76 ms per batch of 4 against 35 ms.
 * Sequential runs (count 1, no pending) are bit-identical either way.
 */
export const LOCAL_PENALTY_DEFAULT = true;

/** Points where ‖∇μ‖ is searched for Λ (local-penalty.ts), besides the data. */
const LIPSCHITZ_SOBOL_POINTS = 256;
const LIPSCHITZ_DATA_ROWS = 128;

/**
 * NOTE: one likelihood + gradient costs O(n³), ≈ 0.7 s at n = 1000 on the
 * 2-core box, so above 250 observations θ is fitted on a random subset of 250
 * (the GP is still conditioned on all n). Measured for n = 1000, d = 6 with a
 * warm start: fit 274 ms (25 evaluations), conditioning 180 ms, acquisition
 * 371 ms; about 1.0 s per suggestion in all. Without a subset a cold fit at
 * n = 1000 took 100 s. Since then (blocked Cholesky, the 8-iteration warm cap)
 * `npm run bench:latency` (Sobol' data, 3 pending, load average 2.2) gives a
 * warm p50 of 416 ms at n = 1000, d = 6 and 28 ms at n = 100, d = 6; cold
 * 1245 ms and 123 ms.
 * Regret cost of the subset, bench/regret.ts --problems hartmann6@300,heavy@300
 * --per-seed (16 seeds), subset of 250 → all points (--fit-max-points 1000):
 * hartmann6@300 8.4e-5 both, every seed identical; heavy@300 6.0e-5 → 5.3e-5,
 * one seed of 16 different (9.1e-5 → 5.7e-5). None measurable at 300.
 */
export const FIT_MAX_POINTS = 250;

/**
 * NOTE: a warm start is within 1e-3 nats of the converged log posterior after
 * 8 iterations (fit.ts, maxIterations NOTE), so above n = 100, where the fit
 * costs, warm fits stop there. Not below: with the cap at every n, bench
 * `mixed`@50 left 4 of 16 seeds in the wrong category instead of 2 (median
 * 3.8e-6 [1.7e-6, 0.050] vs 2.7e-6 [5.8e-7, 1.5e-5]), and a fit at n ≤ 100
 * costs a few ms anyway.
 */
export const WARM_FIT_ITERATIONS = 8;
export const WARM_CAP_ABOVE = 100;
export const FULL_FIT_ITERATIONS = 100;

/**
 * NOTE: above REFIT_ALWAYS_UP_TO observations θ is refitted only once n has grown by
 * REFIT_GROWTH since the last fit, and never when no observation arrived. In between,
 * θ stays fixed, so a new observation extends the Cholesky factor (O(n²)) instead of
 * paying a fit and a new factorization (O(n³)): at n = 1000, d = 6 that is the
 * difference between 433 ms and the numbers in the README's latency table.
 * Below the threshold a warm fit costs a few ms and the freshest θ matters most
 * for sample efficiency, so every call refits (all bench/regret.ts problems).
 * Regret cost, `bench/regret.ts --problems hartmann6@200,heavy@200 --per-seed`
 * (16 seeds, median [q25, q75]) with `--refit always` → this policy:
 *   hartmann6@200  9.1e-5 [7.3e-5, 0.119] → 8.4e-5 [4.7e-5, 0.119] (11/16 seeds < 0.01 both)
 *   heavy@200      6.0e-5 [2.5e-5, 1.2e-4] → 6.0e-5 [2.6e-5, 1.2e-4]
 * and ms per suggestion p50 69 → 24 and 48 → 25 (without the model cache).
 */
export const REFIT_ALWAYS_UP_TO = 100;
export const REFIT_GROWTH = 0.05;

/** Whether θ should be fitted anew for n observations, given the previous fit. */
export function refitHyperparameters(n: number, previous: FittedHyperparameters): boolean {
  const at = previous.observations;
  if (at === undefined || n < at) return true;
  if (n === at) return false;
  return n <= REFIT_ALWAYS_UP_TO || n >= at * (1 + REFIT_GROWTH);
}

function toFitted(h: Hyperparameters, observations: number): FittedHyperparameters {
  return {
    logLengthscales: Array.from(h.logLengthscales), logSignalVariance: h.logSignalVariance, logNoiseVariance: h.logNoiseVariance, mean: h.mean, observations,
  };
}

function fromFitted(f: FittedHyperparameters | undefined, d: number): Hyperparameters | undefined {
  if (!f || f.logLengthscales.length !== d) return undefined;
  const all = [...f.logLengthscales, f.logSignalVariance, f.logNoiseVariance, f.mean];
  if (!all.every(Number.isFinite)) return undefined;
  return { logLengthscales: Float64Array.from(f.logLengthscales), logSignalVariance: f.logSignalVariance, logNoiseVariance: f.logNoiseVariance, mean: f.mean };
}

function checkedParams(enc: Encoding, params: Params, what: string): Float64Array {
  const errors = validateParams(enc, params);
  if (errors.length > 0) throw new EngineError('invalid-input', `${what}: ${errors.map((e) => e.message).join('; ')}`);
  return encode(enc, params);
}

function rows(points: Float64Array[], d: number): Float64Array {
  const out = new Float64Array(points.length * d);
  points.forEach((x, i) => out.set(x, i * d));
  return out;
}

/** Translates the numerics' own failures into EngineError('numerical-failure'). */
function numerically<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    if (e instanceof AcquisitionOptimizerError) throw new EngineError('space-exhausted', e.message, { cause: e });
    if (e instanceof NotPositiveDefiniteError || e instanceof RangeError) throw new EngineError('numerical-failure', `${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The next `count` points to evaluate (see the module doc for the steps); fewer,
 * but at least one, when a finite space has fewer than `count` points left.
 * @throws EngineError: 'invalid-input' (space, params, values, count or seed),
 *   'no-observations' (n = 0: use a space-filling design instead),
 *   'numerical-failure' (the GP could not be fitted or conditioned),
 *   'space-exhausted' (a finite space has no point left that is neither observed,
 *   pending nor excluded).
 */
export function suggestNext(input: SuggestInput, options: EngineOptions = {}): SuggestOutput {
  let enc: Encoding;
  try {
    enc = createEncoding(input.space);
  } catch (e) {
    throw new EngineError('invalid-input', (e as Error).message, { cause: e });
  }
  if (!Number.isSafeInteger(input.count) || input.count < 1) throw new EngineError('invalid-input', `count must be a positive integer, got ${input.count}`);
  if (!Number.isSafeInteger(input.seed)) throw new EngineError('invalid-input', `seed must be a safe integer, got ${input.seed}`);
  if (input.observations.length === 0) throw new EngineError('no-observations', 'the GP needs at least one observation');
  if (enc.dim === 0) throw new EngineError('invalid-input', 'the search space has no parameters');
  const d = enc.dim;
  const X = rows(input.observations.map((o, i) => checkedParams(enc, o.params, `observation ${i}`)), d);
  input.observations.forEach((o, i) => {
    if (!Number.isFinite(o.value)) throw new EngineError('invalid-input', `observation ${i} has the non-finite value ${o.value}`);
  });
  const pendingX = input.pending.map((p, i) => checkedParams(enc, p, `pending ${i}`));
  const exclude = new Set<string>([
    ...input.observations.map((o) => paramsKey(enc, o.params)),
    ...input.pending.map((p) => paramsKey(enc, p)),
    ...(input.exclude ?? []).filter((p) => validateParams(enc, p).length === 0).map((p) => paramsKey(enc, p)),
  ]);

  const rng = createRng(input.seed);
  const sign = input.goal === 'maximize' ? 1 : -1;
  const transform = outputTransform(input.observations.map((o) => o.value), sign, options.outputWarp ?? DEFAULT_OUTPUT_WARP);
  const y = transform.y;
  const best = y.reduce((a, b) => Math.max(a, b), -Infinity);

  const n = input.observations.length;
  const total = input.totalObservations ?? n;
  const previous = fromFitted(input.previous, d);
  const signalFloor = !enc.isCategorical.some((c) => c === 1) ? null : options.categoricalSignalFloor === undefined ? CATEGORICAL_SIGNAL_FLOOR : options.categoricalSignalFloor;
  const fitNow = !previous || (options.refit ?? refitHyperparameters)(total, input.previous!);
  // Once the acquisition has seen the signal, every later check stops too; `interrupted`
  // reports that something was cut short, in either stage.
  let interrupted = false;
  let stopped = false;
  const stopSignal = options.shouldStop;
  const fitShouldStop = stopSignal ? () => stopSignal('fit') && (interrupted = true) : undefined;
  const shouldStop = stopSignal ? () => (stopped ||= stopSignal('acquisition')) && (interrupted = true) : undefined;
  const fit = !fitNow ? { hyperparameters: previous! } : numerically('hyperparameter fit', () =>
    fitHyperparameters(X, y, enc.isCategorical, {
      rng: rng.fork(1),
      ...(previous ? { previous } : {}),
      ...(options.fitRestarts !== undefined ? { restarts: options.fitRestarts } : {}),
      maxIterations: options.fitIterations ?? (previous && input.observations.length > WARM_CAP_ABOVE ? WARM_FIT_ITERATIONS : FULL_FIT_ITERATIONS),
      maxPoints: options.fitMaxPoints ?? FIT_MAX_POINTS,
      ...(options.minCategoricalLengthscale !== undefined ? { minCategoricalLengthscale: options.minCategoricalLengthscale } : {}),
      ...(signalFloor !== null ? { minSignalVariance: signalFloor } : {}),
      ...(fitShouldStop ? { shouldStop: fitShouldStop } : {}),
    }),
  );
  const theta = fit.hyperparameters;
  if (![...theta.logLengthscales, theta.logSignalVariance, theta.logNoiseVariance, theta.mean].every(Number.isFinite)) {
    throw new EngineError('numerical-failure', 'hyperparameter fit returned non-finite values');
  }

  const cached = options.modelCache?.get();
  const reusedRows = cached ? reusableRows(cached, X, n, enc.isCategorical, theta) : 0;
  const base: GaussianProcess = numerically('GP conditioning', () => gaussianProcess(X, y, enc.isCategorical, theta, reusedRows > 0 ? cached : undefined));
  options.modelCache?.set(base);
  let gp = base;
  if (pendingX.length > 0) gp = numerically('pending fantasies', () => withBelieverFantasies(gp, rows(pendingX, d), pendingX.length));
  const fantasized = (options.pending ?? PENDING_DEFAULT) === 'fantasy';
  const penalized = (options.localPenalty ?? (fantasized ? false : LOCAL_PENALTY_DEFAULT)) && (pendingX.length > 0 || input.count > 1);
  const lipschitz = penalized ? numerically('Lipschitz estimate', () => meanLipschitz(base, rng.fork(50))) : 0;
  const centres: Float64Array[] = [...pendingX];
  const fantasies = options.fantasies ?? FANTASIES;
  const latent = options.latentFantasies ?? LATENT_FANTASIES;

  const suggestions: Suggestion[] = [];
  for (let k = 0; k < input.count; k++) {
    let r: LogEiMaximum;
    try {
      r = numerically('acquisition optimization', () => {
        const penalty = penalized && centres.length > 0 ? localPenalty(base, rows(centres, d), centres.length, best, lipschitz) : undefined;
        // gp's last centres.length rows are the centres with their believer values.
        const acquisition = fantasized && centres.length > 0
          ? fantasyLogEi(gp, centres.length, best, fantasyBaseSamples(fantasies, centres.length, rng.fork(200 + k)), fantasies, { latent })
          : undefined;
        return maximizeLogEi(gp, enc, best, {
          rng: rng.fork(100 + k), exclude, ...(penalty ? { penalty } : {}), ...(acquisition ? { acquisition } : {}),
          ...(shouldStop ? { shouldStop } : {}),
          ...(centres.length > 0 ? options.centredSearch ?? { perturbationScales: CENTRED_PERTURBATION_SCALES } : {}),
        });
      });
    } catch (e) {
      // A finite space ran out part-way through the batch: the points so far are still good.
      if (k > 0 && e instanceof EngineError && e.reason === 'space-exhausted') break;
      throw e;
    }
    if (!Number.isFinite(r.mean) || !Number.isFinite(r.variance)) throw new EngineError('numerical-failure', 'non-finite posterior at the suggestion');
    // With a penalty or fantasies r.logEi is not log EI; report log EI itself.
    const acquisition = (penalized || fantasized) && centres.length > 0 ? logExpectedImprovement(r.mean, Math.sqrt(r.variance), best) : r.logEi;
    const prediction = transform.toObjective(r.mean, Math.sqrt(r.variance));
    if (!Number.isFinite(prediction.mean) || !Number.isFinite(prediction.std) || !Number.isFinite(acquisition)) {
      throw new EngineError('numerical-failure', 'the prediction at the suggestion does not fit in a double');
    }
    suggestions.push({ params: r.params, source: 'gp-logei', prediction, acquisition });
    exclude.add(paramsKey(enc, r.params));
    centres.push(r.x);
    if (k + 1 < input.count) {
      if (shouldStop?.()) break;
      gp = numerically('batch fantasy', () => appendObservations(gp, r.x, Float64Array.of(r.mean)));
    }
  }
  return {
    suggestions,
    hyperparameters: toFitted(theta, fitNow ? total : input.previous!.observations!),
    work: { fitted: fitNow, reusedRows, interrupted },
  };
}

/** The GP with (P, μ(P)) appended: kriging believer, hyperparameters fixed. */
function withBelieverFantasies(gp: GaussianProcess, P: Float64Array, p: number): GaussianProcess {
  const mean = new Float64Array(p);
  const variance = new Float64Array(p);
  posterior(gp, P, p, mean, variance);
  return appendObservations(gp, P, mean);
}

/**
 * Λ of local-penalty.ts for gp: the largest ‖∇μ‖ over LIPSCHITZ_SOBOL_POINTS
 * scrambled Sobol' points and the LIPSCHITZ_DATA_ROWS data rows of largest y.
 * NOTE: all n rows cost 116 ms at n = 1000, d = 6 (n² kernel evaluations); the
 * cap keeps it O(n) and changes nothing below 128 observations.
 */
function meanLipschitz(gp: GaussianProcess, rng: Rng): number {
  const { n, d } = gp;
  const rowsUsed = Array.from({ length: n }, (_, i) => i);
  if (n > LIPSCHITZ_DATA_ROWS) rowsUsed.sort((a, b) => gp.y[b]! - gp.y[a]! || a - b).splice(LIPSCHITZ_DATA_ROWS);
  const m = LIPSCHITZ_SOBOL_POINTS + rowsUsed.length;
  const Z = new Float64Array(m * d);
  // Categorical coordinates keep the first data row's choice: μ is flat along them between choices.
  sobolSequence(d, LIPSCHITZ_SOBOL_POINTS, rng).forEach((u, i) => {
    for (let j = 0; j < d; j++) Z[i * d + j] = gp.isCategorical[j] ? gp.X[j]! : u[j]!;
  });
  rowsUsed.forEach((a, i) => Z.set(gp.X.subarray(a * d, a * d + d), (LIPSCHITZ_SOBOL_POINTS + i) * d));
  return lipschitzEstimate(gp, Z, m);
}
