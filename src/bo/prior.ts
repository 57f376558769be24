/**
 * Priors and bounds on the GP hyperparameters, in the packed layout of gp.ts:
 * θ = [u_1..u_d, s, v, c] with u_j = log ℓ_j, s = log σ², v = log σ_n², c = constant mean.
 *
 * | symbol | prior                                                    | bounds (θ space)        |
 * |--------|----------------------------------------------------------|-------------------------|
 * | ℓ_j    | LogNormal(μ_ℓ = √2 + ½ log d, σ_ℓ = √3) on ℓ              | log 0.025 .. log 1000   |
 * | σ_n²   | LogNormal(−4, 1) on σ_n²                                  | log 1e-4 .. log 2       |
 * | σ²     | Normal(0, 1) on log σ²                                    | log 0.01 .. log 100     |
 * | c      | flat                                                     | −5 .. 5                 |
 *
 * Lengthscale and noise priors are BoTorch's defaults (SingleTaskGP since 0.12):
 * the dimension-scaled lengthscale prior of Hvarfner, Hellsten & Nardi 2024,
 * "Vanilla Bayesian optimization performs great in high dimensions" (ICML), and
 * LogNormal(−4, 1) on the noise with GreaterThan(1e-4); BoTorch's lower
 * lengthscale constraint is GreaterThan(0.025).
 *
 * NOTE: like GPyTorch, the log density of a LogNormal prior is that of the
 * natural-scale parameter, log p(ℓ) = −log ℓ − (log ℓ − μ)²/(2σ²) + const,
 * evaluated at ℓ = e^u without the Jacobian of u = log ℓ; so the MAP estimate
 * matches BoTorch's, and the prior mode is e^{μ−σ²} (BoTorch's initial value).
 *
 * NOTE: BoTorch no longer has a signal variance at all (σ² ≡ 1, since y is
 * standardized). We keep σ² so that a warped or badly scaled objective can
 * still shrink or grow the prior amplitude, but with Normal(0, 1) on log σ²,
 * which keeps σ² within e^{±2} ≈ [0.14, 7.4] at two standard deviations and
 * has its mode at BoTorch's fixed value 1.
 */

const LOG_2PI = Math.log(2 * Math.PI);

/** Location of the LogNormal lengthscale prior for dimension d. */
export function lengthscalePriorLocation(d: number): number {
  return Math.SQRT2 + 0.5 * Math.log(Math.max(d, 1));
}
export const LENGTHSCALE_PRIOR_SCALE = Math.sqrt(3);
export const NOISE_PRIOR_LOCATION = -4;
export const NOISE_PRIOR_SCALE = 1;
export const SIGNAL_PRIOR_SCALE = 1;

export const LOG_LENGTHSCALE_BOUNDS = [Math.log(0.025), Math.log(1000)] as const;
export const LOG_NOISE_BOUNDS = [Math.log(1e-4), Math.log(2)] as const;
export const LOG_SIGNAL_BOUNDS = [Math.log(0.01), Math.log(100)] as const;
export const MEAN_BOUNDS = [-5, 5] as const;

/** Box for θ (shape d + 3). */
export function hyperparameterBounds(d: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(d + 3);
  const upper = new Float64Array(d + 3);
  lower.fill(LOG_LENGTHSCALE_BOUNDS[0], 0, d);
  upper.fill(LOG_LENGTHSCALE_BOUNDS[1], 0, d);
  lower[d] = LOG_SIGNAL_BOUNDS[0];
  upper[d] = LOG_SIGNAL_BOUNDS[1];
  lower[d + 1] = LOG_NOISE_BOUNDS[0];
  upper[d + 1] = LOG_NOISE_BOUNDS[1];
  lower[d + 2] = MEAN_BOUNDS[0];
  upper[d + 2] = MEAN_BOUNDS[1];
  return { lower, upper };
}

/** log LogNormal(e^u; μ, σ) = −u − ½ log 2π − log σ − (u − μ)²/(2σ²); writes d/du into grad[i] (added). */
function logNormalOnNaturalScale(u: number, mu: number, sigma: number, grad: Float64Array | undefined, i: number): number {
  const z = (u - mu) / sigma;
  if (grad) grad[i] = grad[i]! - 1 - z / sigma;
  return -u - 0.5 * LOG_2PI - Math.log(sigma) - 0.5 * z * z;
}

/**
 * log p(θ) = Σ_j log LogNormal(ℓ_j) + log LogNormal(σ_n²) + log N(log σ²; 0, 1).
 * @param theta  packed θ, shape (d + 3).
 * @param grad   if given, ∂ log p/∂θ is ADDED into it (shape d + 3), so a caller can accumulate.
 */
export function logPrior(theta: Float64Array, grad?: Float64Array): number {
  const d = theta.length - 3;
  const mu = lengthscalePriorLocation(d);
  let lp = 0;
  for (let j = 0; j < d; j++) lp += logNormalOnNaturalScale(theta[j]!, mu, LENGTHSCALE_PRIOR_SCALE, grad, j);
  const zs = theta[d]! / SIGNAL_PRIOR_SCALE;
  lp += -0.5 * LOG_2PI - Math.log(SIGNAL_PRIOR_SCALE) - 0.5 * zs * zs;
  if (grad) grad[d] = grad[d]! - zs / SIGNAL_PRIOR_SCALE;
  lp += logNormalOnNaturalScale(theta[d + 1]!, NOISE_PRIOR_LOCATION, NOISE_PRIOR_SCALE, grad, d + 1);
  return lp;
}

/** The prior mode: ℓ_j = e^{μ_ℓ − σ_ℓ²}, σ² = 1, σ_n² = e^{−5}, c = 0 (shape d + 3). */
export function priorMode(d: number): Float64Array {
  const theta = new Float64Array(d + 3);
  theta.fill(lengthscalePriorLocation(d) - LENGTHSCALE_PRIOR_SCALE ** 2, 0, d);
  theta[d] = 0;
  theta[d + 1] = NOISE_PRIOR_LOCATION - NOISE_PRIOR_SCALE ** 2;
  theta[d + 2] = 0;
  return clampToBounds(theta);
}

/** A draw from the prior (c = 0), clamped into the bounds; uses rng.normal() d + 2 times. */
export function samplePrior(d: number, rng: { normal(): number }): Float64Array {
  const theta = new Float64Array(d + 3);
  const mu = lengthscalePriorLocation(d);
  for (let j = 0; j < d; j++) theta[j] = mu + LENGTHSCALE_PRIOR_SCALE * rng.normal();
  theta[d] = SIGNAL_PRIOR_SCALE * rng.normal();
  theta[d + 1] = NOISE_PRIOR_LOCATION + NOISE_PRIOR_SCALE * rng.normal();
  theta[d + 2] = 0;
  return clampToBounds(theta);
}

/** θ clamped into hyperparameterBounds, in place. */
export function clampToBounds(theta: Float64Array): Float64Array {
  const { lower, upper } = hyperparameterBounds(theta.length - 3);
  for (let i = 0; i < theta.length; i++) theta[i] = Math.min(upper[i]!, Math.max(lower[i]!, theta[i]!));
  return theta;
}
