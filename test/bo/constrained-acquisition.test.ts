import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { logEiAcquisition } from '../../src/bo/acquisition.js';
import { constrainedLogEiAcquisition, logProbabilityBelow, logProbabilityFeasible, type ConstraintModel } from '../../src/bo/constrained-acquisition.js';
import { gaussianProcess, type Hyperparameters } from '../../src/bo/gp.js';
import { pseudoData } from '../support/pseudo-data.js';

function hyper(d: number, ell = 0.4): Hyperparameters {
  return { logLengthscales: new Float64Array(d).fill(Math.log(ell)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-4), mean: 0 };
}

/** An objective GP and two constraint GPs on the same 12 points of [0, 1]³. */
function setting() {
  const d = 3;
  const { X, y, isCategorical } = pseudoData(12, d, false, 11);
  const objective = gaussianProcess(X, y, isCategorical, hyper(d));
  const c1 = Float64Array.from({ length: 12 }, (_, i) => X[i * d]! + X[i * d + 2]! - 1); // feasible below 0
  const c2 = Float64Array.from({ length: 12 }, (_, i) => Math.cos(4 * X[i * d + 1]!)); // feasible below 0.2
  const constraints: ConstraintModel[] = [
    { gp: gaussianProcess(X, c1, isCategorical, hyper(d, 0.6)), bound: 0 },
    { gp: gaussianProcess(X, c2, isCategorical, hyper(d, 0.3)), bound: 0.2 },
  ];
  return { d, objective, constraints, best: 0.4 };
}

function valueAt(a: ReturnType<typeof constrainedLogEiAcquisition>, x: Float64Array): number {
  const out = new Float64Array(1);
  a.values(x, 1, out, new Float64Array(1), new Float64Array(1));
  return out[0]!;
}

function expectGradientMatchesFiniteDifferences(a: ReturnType<typeof constrainedLogEiAcquisition>, x: Float64Array): void {
  const d = x.length;
  const grad = new Float64Array(d);
  const value = a.valueWithGradient(x, grad);
  expect(value).toBeCloseTo(valueAt(a, x), 10);
  const h = 1e-6;
  for (let j = 0; j < d; j++) {
    const plus = x.slice();
    const minus = x.slice();
    plus[j] = plus[j]! + h;
    minus[j] = minus[j]! - h;
    const fd = (valueAt(a, plus) - valueAt(a, minus)) / (2 * h);
    expect(Math.abs(grad[j]! - fd), `∂/∂x_${j} at ${Array.from(x)}: ${grad[j]} vs ${fd}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
  }
}

describe('logProbabilityBelow', () => {
  it.each([
    [0, 1, 0, Math.log(0.5)],
    [0, 1, 1.959963984540054, Math.log(0.975)],
    [1, 2, 0, Math.log(0.3085375387259869)],
  ])('log P(c ≤ %d) for μ = %d … is log Φ by hand', (mean, std, bound, expected) => {
    expect(logProbabilityBelow(mean, std, bound)).toBeCloseTo(expected, 12);
  });

  it('is finite far on the infeasible side, ≈ −z²/2 − log(−z√(2π))', () => {
    const v = logProbabilityBelow(1e4, 1, 0);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(-0.5e8 - Math.log(1e4 * Math.sqrt(2 * Math.PI)), 3);
  });

  it('has (μ, σ) gradients that match central finite differences, from z = −60 to 30 (property)', () => {
    const g = new Float64Array(2);
    fc.assert(
      fc.property(fc.double({ min: -30, max: 60, noNaN: true }), fc.double({ min: 0.05, max: 5, noNaN: true }), (mu, sd) => {
        const v = logProbabilityBelow(mu, sd, 0, g);
        expect(Number.isFinite(v) && Number.isFinite(g[0]!) && Number.isFinite(g[1]!)).toBe(true);
        const h = 1e-6 * Math.max(1, Math.abs(mu));
        const dMu = (logProbabilityBelow(mu + h, sd, 0) - logProbabilityBelow(mu - h, sd, 0)) / (2 * h);
        const hs = 1e-6 * sd;
        const dSd = (logProbabilityBelow(mu, sd + hs, 0) - logProbabilityBelow(mu, sd - hs, 0)) / (2 * hs);
        expect(Math.abs(g[0]! - dMu)).toBeLessThan(1e-5 * Math.max(1, Math.abs(dMu)));
        expect(Math.abs(g[1]! - dSd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(dSd)));
      }),
      { seed: 34, numRuns: 300 },
    );
  });
});

describe('constrainedLogEiAcquisition', () => {
  it('is log EI + Σ log P(feasible), value for value', () => {
    const { d, objective, constraints, best } = setting();
    const a = constrainedLogEiAcquisition(objective, constraints, best);
    const plain = logEiAcquisition(objective, best);
    const Z = Float64Array.of(0.2, 0.3, 0.4, 0.9, 0.1, 0.8, 0.5, 0.5, 0.5);
    const m = 3;
    const out = new Float64Array(m);
    const ei = new Float64Array(m);
    const pf = new Float64Array(m);
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    a.values(Z, m, out, mean, variance);
    plain.values(Z, m, ei, new Float64Array(m), new Float64Array(m));
    logProbabilityFeasible(constraints, Z, m, pf);
    for (let j = 0; j < m; j++) expect(out[j]).toBeCloseTo(ei[j]! + pf[j]!, 12);
    expect(d).toBe(3);
  });

  it('with no constraints is plain log EI', () => {
    const { objective, best } = setting();
    const x = Float64Array.of(0.6, 0.2, 0.7);
    const g1 = new Float64Array(3);
    const g2 = new Float64Array(3);
    expect(constrainedLogEiAcquisition(objective, [], best).valueWithGradient(x, g1)).toBe(logEiAcquisition(objective, best).valueWithGradient(x, g2));
    expect(Array.from(g1)).toEqual(Array.from(g2));
  });

  it.each([
    ['inside the data', [0.3, 0.2, 0.9]],
    ['between points', [0.75, 0.6, 0.1]],
    ['at a corner', [0.999, 0.001, 0.999]],
  ])('has an x-gradient that matches central finite differences %s, with a feasible incumbent', (_where, x) => {
    const { objective, constraints, best } = setting();
    expectGradientMatchesFiniteDifferences(constrainedLogEiAcquisition(objective, constraints, best), Float64Array.from(x));
  });

  it('has an x-gradient that matches finite differences with no feasible point yet (log P(feasible) alone)', () => {
    const { objective, constraints } = setting();
    const a = constrainedLogEiAcquisition(objective, constraints, null);
    for (const x of [[0.3, 0.2, 0.9], [0.75, 0.6, 0.1]]) expectGradientMatchesFiniteDifferences(a, Float64Array.from(x));
  });

  it('stays finite where the constraint is violated by 100 standard deviations', () => {
    const { d } = setting();
    const { X, isCategorical } = pseudoData(12, d, false, 11);
    const objective = gaussianProcess(X, new Float64Array(12), isCategorical, hyper(d));
    const far = gaussianProcess(X, new Float64Array(12).fill(100), isCategorical, { ...hyper(d), logSignalVariance: -2, mean: 100 });
    const a = constrainedLogEiAcquisition(objective, [{ gp: far, bound: 0 }], 50);
    const grad = new Float64Array(d);
    const v = a.valueWithGradient(Float64Array.of(0.5, 0.5, 0.5), grad);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeLessThan(-1000);
    expect(grad.every(Number.isFinite)).toBe(true);
  });

  it('refuses constraint GPs of another dimension', () => {
    const { objective } = setting();
    const { X, y, isCategorical } = pseudoData(5, 2, false, 3);
    expect(() => constrainedLogEiAcquisition(objective, [{ gp: gaussianProcess(X, y, isCategorical, hyper(2)), bound: 0 }], 0)).toThrow(/dimensions/);
  });
});
