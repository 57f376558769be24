import { describe, expect, it } from 'vitest';
import { hyperparameterBounds, lengthscalePriorLocation, logPrior, priorMode, samplePrior } from '../../src/bo/prior.js';

/** Normal draws from a fixed list, for a deterministic check of samplePrior. */
const listRng = (values: number[]) => {
  let i = 0;
  return { uniform: () => 0.5, normal: () => values[i++ % values.length]! };
};

describe('hyperparameter priors', () => {
  it('centres the lengthscale prior at √2 + ½ log d (Hvarfner et al. 2024)', () => {
    expect(lengthscalePriorLocation(1)).toBeCloseTo(Math.SQRT2, 15);
    expect(lengthscalePriorLocation(6)).toBeCloseTo(Math.SQRT2 + 0.5 * Math.log(6), 15);
  });

  it('puts the mode at ℓ = e^{μ−3}, σ² = 1, σ_n² = e^{−5}, where the log-prior gradient vanishes', () => {
    for (const d of [1, 6, 12]) {
      const mode = priorMode(d);
      expect(mode[0]).toBeCloseTo(lengthscalePriorLocation(d) - 3, 15);
      expect(mode[d + 1]).toBe(-5);
      const g = new Float64Array(d + 3);
      logPrior(mode, g);
      for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-12);
    }
  });

  it('equals the hand-computed log density at a point (d = 1)', () => {
    // θ = [log ℓ = 0, log σ² = 0.5, log σ_n² = −3, c = 0.7]
    const mu = Math.SQRT2;
    const s = Math.sqrt(3);
    const lnN = (x: number, m: number, sd: number) => -0.5 * Math.log(2 * Math.PI) - Math.log(sd) - ((x - m) ** 2) / (2 * sd * sd);
    const expected = (lnN(0, mu, s) - 0) + lnN(0.5, 0, 1) + (lnN(-3, -4, 1) + 3);
    expect(logPrior(Float64Array.from([0, 0.5, -3, 0.7]))).toBeCloseTo(expected, 14);
  });

  it('has a gradient that matches central finite differences', () => {
    const theta = Float64Array.from([-1, 0.3, 2, 0.4, -6, 0.1]);
    const g = new Float64Array(6);
    logPrior(theta, g);
    for (let i = 0; i < 6; i++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[i] = tp[i]! + 1e-6;
      tm[i] = tm[i]! - 1e-6;
      expect(g[i]).toBeCloseTo((logPrior(tp) - logPrior(tm)) / 2e-6, 7);
    }
  });

  it('adds its gradient into the caller’s buffer instead of overwriting it', () => {
    const g = new Float64Array(4).fill(10);
    const g0 = new Float64Array(4);
    logPrior(Float64Array.from([0, 0, -3, 0]), g);
    logPrior(Float64Array.from([0, 0, -3, 0]), g0);
    g.forEach((v, i) => expect(v).toBeCloseTo(10 + g0[i]!, 14));
  });

  it('draws samples inside the bounds, clamping extreme draws', () => {
    const d = 2;
    const { lower, upper } = hyperparameterBounds(d);
    const t = samplePrior(d, listRng([100, -100, 0.5, 0]));
    expect(t[0]).toBe(upper[0]);
    expect(t[1]).toBe(lower[1]);
    expect(t[2]).toBe(0.5);
    expect(t[3]).toBe(-4);
    expect(t[4]).toBe(0);
    expect(lower[3]).toBeCloseTo(Math.log(1e-4), 15);
  });
});
