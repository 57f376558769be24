/**
 * Output transform: the user's objective values → the GP's training targets
 * (yStd, maximization), and the GP's latent posterior back → objective units.
 *
 * | symbol | meaning                                                            | shape | space     |
 * |--------|--------------------------------------------------------------------|-------|-----------|
 * | v_i    | an observed objective value, as the user reported it               | (n)   | objective |
 * | s      | +1 to maximize, −1 to minimize                                     |       |           |
 * | r_i    | s·v_i: larger is better                                            | (n)   | objective |
 * | m, sd  | mean and standard deviation of r (sd = 1 when r is constant)       |       |           |
 * | z_i    | (r_i − m)/sd                                                       | (n)   |           |
 * | T      | warp: none, half-rank (on r) or Yeo–Johnson ψ_λ (on z)             |       |           |
 * | w_i    | the warped value: z_i, H(r)_i or ψ_λ̂(z_i)                          | (n)   |           |
 * | y_i    | (w_i − mean w)/sd w, what the GP is fitted to                      | (n)   | yStd      |
 * | μ, σ   | the GP's posterior mean and standard deviation of the latent at x  |       | yStd      |
 *
 * Every warp is monotone non-decreasing, so argmax y = argmax r and the
 * incumbent does not depend on the warp. `toObjective` maps μ through the
 * inverse of the whole chain: with a non-identity warp it is the posterior
 * median in objective units (a monotone map sends the median to the median,
 * not the mean to the mean), and std is half the width of the image of
 * [μ − σ, μ + σ].
 */

import { normalCdf } from './normal.js';

/** Output transform applied after standardization. */
export type OutputWarp = 'none' | 'yeo-johnson' | 'half-rank';

/**
 * NOTE: half-rank by default: the best of the three warps on all five problems measured, and
 * the only one that fixes the heavy-tailed `heavy`, where no warp is worse than random search;
 * Yeo–Johnson by MLE can flatten the top of the data and stall the search (decision 0013).
 */
export const DEFAULT_OUTPUT_WARP: OutputWarp = 'half-rank';

export interface OutputTransform {
  /** y: yStd of each observation, shape (n). */
  y: Float64Array;
  /** (μ, σ) of the latent at a point, yStd → objective units (mean, std). */
  toObjective(mean: number, std: number): { mean: number; std: number };
}

/**
 * Yeo–Johnson transform ψ_λ(z) (Yeo & Johnson 2000, Biometrika 87(4), eq. 2.1):
 *   z ≥ 0: ((z + 1)^λ − 1)/λ  (log(z + 1) at λ = 0)
 *   z < 0: −((1 − z)^(2−λ) − 1)/(2 − λ)  (−log(1 − z) at λ = 2)
 * Strictly increasing in z for every λ; the identity at λ = 1.
 */
export function yeoJohnson(z: number, lambda: number): number {
  if (z >= 0) return Math.abs(lambda) < 1e-12 ? Math.log1p(z) : (Math.pow(z + 1, lambda) - 1) / lambda;
  const l2 = 2 - lambda;
  return Math.abs(l2) < 1e-12 ? -Math.log1p(-z) : -(Math.pow(1 - z, l2) - 1) / l2;
}

/** ψ_λ⁻¹(w); w outside ψ_λ's range is clamped to the edge of it (±Number.MAX_VALUE). */
export function yeoJohnsonInverse(w: number, lambda: number): number {
  if (w >= 0) {
    if (Math.abs(lambda) < 1e-12) return Math.expm1(w);
    const base = lambda * w + 1;
    return base <= 0 ? Number.MAX_VALUE : Math.pow(base, 1 / lambda) - 1;
  }
  const l2 = 2 - lambda;
  if (Math.abs(l2) < 1e-12) return -Math.expm1(-w);
  const base = 1 - l2 * w;
  return base <= 0 ? -Number.MAX_VALUE : 1 - Math.pow(base, 1 / l2);
}

/**
 * Profile log-likelihood of λ for z (n) under ψ_λ(z) ~ N(μ, σ²) with μ, σ² at
 * their MLE: −n/2·log σ̂²(λ) + (λ − 1) Σ sign(z_i) log(1 + |z_i|).
 * −Infinity when σ̂² is 0 or not finite.
 */
export function yeoJohnsonLogLikelihood(z: Float64Array, lambda: number): number {
  const n = z.length;
  let mean = 0;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = yeoJohnson(z[i]!, lambda);
    mean += w[i]!;
  }
  mean /= n;
  let ss = 0;
  let jac = 0;
  for (let i = 0; i < n; i++) {
    ss += (w[i]! - mean) ** 2;
    jac += Math.sign(z[i]!) * Math.log1p(Math.abs(z[i]!));
  }
  const variance = ss / n;
  if (!(variance > 0) || !Number.isFinite(variance)) return -Infinity;
  return -0.5 * n * Math.log(variance) + (lambda - 1) * jac;
}

/** Grid for λ: −2..4 in steps of 0.05. */
const LAMBDA_GRID = Array.from({ length: 121 }, (_, i) => -2 + 0.05 * i);

/**
 * λ̂ = argmax of yeoJohnsonLogLikelihood(z, ·) over LAMBDA_GRID, starting from
 * λ = 1 (the identity), which a grid value must beat by more than 1e-9 nats.
 */
export function yeoJohnsonLambda(z: Float64Array): number {
  let lambda = 1;
  let bestLl = yeoJohnsonLogLikelihood(z, 1);
  for (const l of LAMBDA_GRID) {
    const ll = yeoJohnsonLogLikelihood(z, l);
    if (ll > bestLl + 1e-9) {
      bestLl = ll;
      lambda = l;
    }
  }
  return lambda;
}

/** Φ⁻¹(q) for q ∈ (0, 1) by bisection on normalCdf over [−40, 40] (|error| < 1e-13); a warp needs no more. */
export function normalQuantile(q: number): number {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (normalCdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Half-rank warp H of z (n, maximization: larger is better), after the idea of
 * Vizier's HalfRankComponent (Song et al. 2024, "The Vizier Gaussian process
 * bandit algorithm", §3): the better half is kept as is, the worse half is
 * replaced by normal quantiles of its ranks, so a heavy tail of bad values
 * cannot dominate the fit while the values that decide where the optimum is
 * keep their linear scale.
 *   z_i ≥ med:  w_i = z_i
 *   z_i < med:  w_i = min(med, med + σ̂·Φ⁻¹(q_i)),  q_i = (r_i + ½)/n, r_i the
 *               0-based ascending rank (ties share their mean rank),
 *   σ̂ = mean_{z_i ≥ med}(z_i − med) / √(2/π)  (the scale of a half-normal
 *        matching the better half; 1 when that half is flat).
 * Monotone non-decreasing and affine-equivariant (H(a + b·z) = a + b·H(z) for
 * b > 0). Returned with the inverse on w: the identity at and above med,
 * piecewise linear through the (w_i, z_i) of the worse half below it, and
 * linear beyond the outermost knots.
 */
export function halfRankWarp(z: Float64Array): { w: Float64Array; inverse: (w: number) => number } {
  const n = z.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => z[a]! - z[b]!);
  const rank = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && z[order[j + 1]!] === z[order[i]!]) j++;
    for (let t = i; t <= j; t++) rank[order[t]!] = 0.5 * (i + j);
    i = j + 1;
  }
  const sorted = order.map((i) => z[i]!);
  const med = n % 2 ? sorted[(n - 1) / 2]! : 0.5 * (sorted[n / 2 - 1]! + sorted[n / 2]!);
  let dev = 0;
  let good = 0;
  for (let i = 0; i < n; i++) {
    if (z[i]! >= med) {
      dev += z[i]! - med;
      good++;
    }
  }
  const meanDev = good > 0 ? dev / good : 0;
  const sigma = meanDev > 0 ? meanDev / Math.sqrt(2 / Math.PI) : 1;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = z[i]! >= med ? z[i]! : Math.min(med, med + sigma * normalQuantile((rank[i]! + 0.5) / n));
  // Inverse on the worse half: knots (w, z) sorted by w, plus (med, med).
  const knots = order.filter((i) => z[i]! < med).map((i) => [w[i]!, z[i]!] as const);
  knots.push([med, med]);
  const inverse = (t: number): number => {
    if (t >= med) return t;
    if (knots.length < 2) return t;
    let k = 1;
    while (k < knots.length - 1 && knots[k]![0] < t) k++;
    const [w0, z0] = knots[k - 1]!;
    const [w1, z1] = knots[k]!;
    return w1 > w0 ? z0 + ((t - w0) * (z1 - z0)) / (w1 - w0) : z0;
  };
  return { w, inverse };
}

/** (mean, population standard deviation) of xs; the sd is replaced by 1 when it is 0. */
function location(xs: Float64Array): { mean: number; sd: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, sd: sd > 0 ? sd : 1 };
}

/**
 * The transform of `values` (n ≥ 1, finite) for goal sign s (see the notation table):
 *   none:        y = z
 *   half-rank:   y = standardized H(r)  (on r itself: H is affine-equivariant,
 *                and a huge bad value would otherwise dominate m and sd and
 *                round the good values together)
 *   yeo-johnson: y = standardized ψ_λ̂(z)
 * With n < 3 or constant values no warp applies (y = z, all 0 when constant).
 */
export function outputTransform(values: number[], sign: number, warp: OutputWarp): OutputTransform {
  const c = valueScale(values);
  if (c === 1) return transformScaled(values, sign, warp);
  // Every step is affine-equivariant, so the transform of v/c is that of v, and c
  // goes back on at the end; a prediction beyond ±MAX_VALUE then comes out as ±Infinity.
  const inner = transformScaled(values.map((v) => v / c), sign, warp);
  return {
    y: inner.y,
    toObjective: (mu, s) => {
      const r = inner.toObjective(mu, s);
      return { mean: r.mean * c, std: r.std * c };
    },
  };
}

/**
 * 1 for values of ordinary magnitude; otherwise max |v|, by which they are divided so
 * that sums of squares neither overflow (|v| ≈ 1e300) nor underflow. NOTE: 1 in the
 * usual range keeps every earlier result bit for bit (issue 10: values near ±1e300 gave
 * a NaN model and null predictions).
 */
function valueScale(values: number[]): number {
  const max = values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return max > 1e100 || (max > 0 && max < 1e-100) ? max : 1;
}

function transformScaled(values: number[], sign: number, warp: OutputWarp): OutputTransform {
  const n = values.length;
  const raw = Float64Array.from(values, (v) => sign * v);
  const m = raw.reduce((a, b) => a + b, 0) / n;
  const sdRaw = Math.sqrt(raw.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  const sd = sdRaw > 0 && Number.isFinite(sdRaw) ? sdRaw : 1;
  const z = raw.map((v) => (v - m) / sd);
  if (warp === 'none' || n < 3 || sdRaw === 0) return { y: z, toObjective: (mu, s) => ({ mean: sign * (m + sd * mu), std: sd * s }) };
  let w: Float64Array;
  let inverse: (t: number) => number;
  if (warp === 'half-rank') {
    const h = halfRankWarp(raw);
    w = h.w;
    inverse = h.inverse;
  } else {
    const lambda = yeoJohnsonLambda(z);
    w = z.map((v) => yeoJohnson(v, lambda));
    inverse = (t) => m + sd * yeoJohnsonInverse(t, lambda);
  }
  const wl = location(w);
  const back = (t: number): number => sign * inverse(wl.mean + wl.sd * t);
  return {
    y: w.map((v) => (v - wl.mean) / wl.sd),
    toObjective: (mu, s) => ({ mean: back(mu), std: Math.abs(back(mu + s) - back(mu - s)) / 2 }),
  };
}
