/**
 * The standard normal distribution and the error functions under it, accurate
 * far into the tails (what log expected improvement needs).
 *
 * | symbol    | meaning                                            |
 * |-----------|----------------------------------------------------|
 * | φ(z)      | standard normal density, e^{−z²/2} / √(2π)         |
 * | Φ(z)      | standard normal CDF, ½ erfc(−z/√2)                 |
 * | erfc(x)   | 1 − erf(x) = (2/√π) ∫_x^∞ e^{−t²} dt               |
 * | erfcx(x)  | e^{x²} erfc(x), ~ 1/(x√π) as x → ∞                 |
 * | ε         | 2^−52, double-precision machine epsilon             |
 *
 * All functions are scalar: number → number, no allocation.
 *
 * NOTE: erf/erfc/erfcx use the three rational Chebyshev approximations of
 * W. J. Cody, "Rational Chebyshev approximations for the error function",
 * Math. Comp. 23 (1969) 631–637 (|x| ≤ 0.46875: erf; 0.46875 < x ≤ 4: erfcx;
 * x > 4: erfcx in 1/x²), whose approximation error is below 1e-17, and the
 * e^{−x²} = e^{−h²}·e^{−(x−h)(x+h)} split with h = trunc(16x)/16 so that the
 * rounding of x² (relative error x²·ε) does not leak into the tail. Measured
 * against mpmath (test/fixtures/generate-gp-golden.py): see test/bo/normal.test.ts
 * for the stated multiples of ε.
 */

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_PI = 0.5641895835477563; // 1/√π
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const HALF_LOG_2PI = 0.9189385332046728; // ½ log(2π)
const LN2 = Math.LN2;

// Cody (1969), Table for |x| ≤ 0.5: erf(x) ≈ x·P(x²)/Q(x²), highest degree first.
const ERF_P = [0.18577770618460315, 3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694];
const ERF_Q = [1, 23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
// Cody (1969), 0.46875 ≤ x ≤ 4: erfcx(x) ≈ P(x)/Q(x).
const ERFCX_MID_P = [
  2.1531153547440383e-8, 0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001,
  881.952221241769, 1712.0476126340707, 2051.0783778260716, 1230.3393547979972,
];
const ERFCX_MID_Q = [
  1, 15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
// Cody (1969), x > 4: erfcx(x) ≈ (1/√π − w·P(w)/Q(w)) / x with w = 1/x².
const ERFCX_TAIL_P = [0.016315387137302097, 0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378];
const ERFCX_TAIL_Q = [1, 2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];

/** Horner evaluation of Σ c_k t^{n−k} (coefficients highest degree first). */
function horner(c: readonly number[], t: number): number {
  let acc = c[0]!;
  for (let k = 1; k < c.length; k++) acc = acc * t + c[k]!;
  return acc;
}

/** e^{−x²} without the x²·ε relative error of Math.exp(−x*x) (Cody's split). */
function expNegSquare(x: number): number {
  const h = Math.trunc(x * 16) / 16;
  return Math.exp(-h * h) * Math.exp(-(x - h) * (x + h));
}

/** erf(x) for |x| ≤ 0.46875 (Cody's first interval). */
function erfSmall(x: number): number {
  const t = x * x;
  return (x * horner(ERF_P, t)) / horner(ERF_Q, t);
}

/** erfcx(y) for y > 0.46875. */
function erfcxLarge(y: number): number {
  if (y <= 4) return horner(ERFCX_MID_P, y) / horner(ERFCX_MID_Q, y);
  if (y >= 6.71e7) return INV_SQRT_PI / y; // the correction is below ε·(1/√π) here
  const w = 1 / (y * y);
  return (INV_SQRT_PI - (w * horner(ERFCX_TAIL_P, w)) / horner(ERFCX_TAIL_Q, w)) / y;
}

/** erf(x) = (2/√π) ∫_0^x e^{−t²} dt. */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  const r = 1 - erfcxLarge(y) * expNegSquare(y);
  return x < 0 ? -r : r;
}

/** erfc(x) = 1 − erf(x), relative accuracy kept for large positive x (until underflow near x ≈ 27.2). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = erfcxLarge(y) * expNegSquare(y);
  return x < 0 ? 2 - r : r;
}

/**
 * erfcx(x) = e^{x²} erfc(x), the scaled complementary error function.
 * Finite for x ≥ −26.62 and +Infinity below (e^{x²} overflows); ~ 1/(x√π) for large x.
 */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x >= 0) {
    if (x <= 0.46875) return Math.exp(x * x) * (1 - erfSmall(x));
    return erfcxLarge(x);
  }
  if (x < -26.62) return Infinity;
  const y = -x;
  // erfcx(−y) = e^{y²}(2 − erfc(y)) = 2e^{y²} − erfcx(y); e^{y²} split like expNegSquare.
  const h = Math.trunc(y * 16) / 16;
  const e = Math.exp(h * h) * Math.exp((y - h) * (y + h));
  const inner = y <= 0.46875 ? e * (1 - erfSmall(y)) : erfcxLarge(y);
  return 2 * e - inner;
}

/** φ(z) = e^{−z²/2} / √(2π). */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** log φ(z) = −z²/2 − ½ log(2π). */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - HALF_LOG_2PI;
}

/**
 * Φ(z) = ½ erfc(−z/√2), the standard normal CDF, with relative accuracy in the
 * lower tail (Φ(z) for z → −∞ underflows only below z ≈ −38.5).
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return z;
  const u = z * SQRT1_2;
  const a = Math.abs(u);
  if (a <= 0.46875) return 0.5 + 0.5 * erfSmall(u);
  // e^{−z²/2} split on z itself: h·h is exact for h = trunc(16z)/16, |z| < 2^20.
  const h = Math.trunc(z * 16) / 16;
  const tail = 0.5 * erfcxLarge(a) * Math.exp(-0.5 * h * h) * Math.exp(-0.5 * (z - h) * (z + h));
  return z < 0 ? tail : 1 - tail;
}

/**
 * log Φ(z), finite for every finite z.
 *
 * Regimes: z < −1: log Φ(z) = log(½ erfcx(−z/√2)) − z²/2, no underflow (down to
 * z = −1e154 where z² overflows); −1 ≤ z ≤ 0: log(Φ(z)) directly; z > 0:
 * log1p(−Φ(−z)) so that log Φ(z) ≈ −Φ(−z) keeps its relative accuracy.
 */
export function logNormalCdf(z: number): number {
  if (Number.isNaN(z)) return z;
  if (z < -1) return Math.log(0.5 * erfcxLarge(-z * SQRT1_2)) - 0.5 * z * z;
  if (z <= 0) return Math.log(normalCdf(z));
  return Math.log1p(-normalCdf(-z));
}

/**
 * log(1 − e^x) for x ≤ 0, −Infinity at x = 0.
 * NOTE: switch at −log 2 between log(−expm1(x)) and log1p(−e^x), Mächler (2012),
 * "Accurately computing log(1 − exp(−|a|))", CRAN Rmpfr vignette, §2.
 */
export function log1mexp(x: number): number {
  return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}
