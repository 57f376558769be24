/**
 * Feasibility-weighted log expected improvement for outcome constraints (Gardner et
 * al. 2014, "Bayesian optimization with inequality constraints", ICML, eq. 5;
 * Gelbart et al. 2014), in log space so that it stays finite far from the feasible set.
 *
 * | symbol  | meaning                                                           | space |
 * |---------|-------------------------------------------------------------------|-------|
 * | μ_f, σ_f | posterior of the objective GP at x (maximization)                | yStd  |
 * | best    | largest standardized objective among the FEASIBLE observations    | yStd  |
 * | μ_k, σ_k | posterior of constraint k's GP at x, oriented so feasible = small | cStd  |
 * | b_k     | constraint k's bound in the same orientation and scale            | cStd  |
 * | z_k     | (b_k − μ_k)/σ_k                                                   |       |
 *
 *   a(x) = log EI(μ_f, σ_f; best) + Σ_k log Φ(z_k)         (some observation feasible)
 *   a(x) = Σ_k log Φ(z_k)                                   (none yet: find the feasible set)
 *
 * log Φ is normal.ts's logNormalCdf, finite for every finite z; log EI is acquisition.ts's.
 * Gradients: ∂ log Φ(z)/∂μ = −r/σ, ∂ log Φ(z)/∂σ = −z·r/σ with r = φ(z)/Φ(z) = e^{log φ − log Φ}
 * (the inverse Mills ratio, ≈ −z for z → −∞, computed in logs so it neither overflows nor is 0/0).
 * NOTE: the constraints are independent GPs and the product of their Φ is the probability of
 * feasibility under that independence, as in Gardner et al. and BoTorch's constrained LogEI
 * (decision 0034).
 */

import { logExpectedImprovement, logExpectedImprovementAt, type Acquisition } from './acquisition.js';
import { posterior, posteriorWithGradient, posteriorWorkspace, type GaussianProcess } from './gp.js';
import { InvariantError } from './errors.js';
import { logNormalCdf, logNormalPdf } from './normal.js';

/** One constraint's model: feasible where its latent c(x) ≤ bound (both in the GP's standardized units). */
export interface ConstraintModel {
  gp: GaussianProcess;
  bound: number;
}

/**
 * log P(c ≤ b) = log Φ((b − μ)/σ) and its gradient w.r.t. (μ, σ).
 * @param grad  Float64Array(≥2), receives [∂/∂μ, ∂/∂σ] when given.
 * @returns finite for every finite input with σ > 0; ≈ −z²/2 for z → −∞.
 */
export function logProbabilityBelow(mean: number, std: number, bound: number, grad?: Float64Array): number {
  const z = (bound - mean) / std;
  const logCdf = logNormalCdf(z);
  if (grad) {
    const r = Math.exp(logNormalPdf(z) - logCdf);
    grad[0] = -r / std;
    grad[1] = -z * r / std;
  }
  return logCdf;
}

/** Σ_k log Φ(z_k) at m points Z (m, d), added into out (m); O(K n² m). */
function addLogFeasibility(constraints: readonly ConstraintModel[], Z: Float64Array, m: number, out: Float64Array, mu: Float64Array, s2: Float64Array): void {
  for (const c of constraints) {
    posterior(c.gp, Z, m, mu, s2);
    for (let j = 0; j < m; j++) out[j] = out[j]! + logProbabilityBelow(mu[j]!, Math.sqrt(s2[j]!), c.bound);
  }
}

/**
 * log P(feasible) at the m points Z (m, d), xUnit: Σ_k log Φ(z_k), into out (m).
 * The suggestion reports it beside the acquisition.
 */
export function logProbabilityFeasible(constraints: readonly ConstraintModel[], Z: Float64Array, m: number, out: Float64Array): void {
  out.fill(0, 0, m);
  addLogFeasibility(constraints, Z, m, out, new Float64Array(m), new Float64Array(m));
}

/**
 * a(x) of the module doc as an Acquisition (acquisition-optimizer.ts maximizes it unchanged).
 * @param objective    the objective's GP (maximization, yStd); its μ, s² are what `values` reports.
 * @param constraints  one GP per constraint, each with its bound; may be empty (then plain log EI).
 * @param best         best feasible standardized objective, or null when no observation is feasible.
 */
export function constrainedLogEiAcquisition(objective: GaussianProcess, constraints: readonly ConstraintModel[], best: number | null): Acquisition {
  for (const c of constraints) {
    if (c.gp.d !== objective.d) throw new InvariantError(`constrainedLogEiAcquisition: a constraint GP has ${c.gp.d} dimensions, the objective ${objective.d}`);
  }
  const ws = posteriorWorkspace(objective);
  const constraintWs = constraints.map((c) => posteriorWorkspace(c.gp));
  const g2 = new Float64Array(2);
  let mu = new Float64Array(0);
  let s2 = new Float64Array(0);
  return {
    values(Z, m, out, mean, variance) {
      posterior(objective, Z, m, mean, variance);
      for (let j = 0; j < m; j++) out[j] = best === null ? 0 : logExpectedImprovement(mean[j]!, Math.sqrt(variance[j]!), best);
      if (mu.length < m) {
        mu = new Float64Array(m);
        s2 = new Float64Array(m);
      }
      addLogFeasibility(constraints, Z, m, out, mu, s2);
    },
    valueWithGradient(x, grad) {
      const d = objective.d;
      let value: number;
      if (best === null) {
        grad.fill(0, 0, d);
        value = 0;
      } else {
        value = logExpectedImprovementAt(objective, x, best, ws, grad);
      }
      constraints.forEach((c, k) => {
        const w = constraintWs[k]!;
        posteriorWithGradient(c.gp, x, w);
        const std = Math.sqrt(w.variance);
        value += logProbabilityBelow(w.mean, std, c.bound, g2);
        const gVar = g2[1]! / (2 * std);
        for (let j = 0; j < d; j++) grad[j] = grad[j]! + g2[0]! * w.dMean[j]! + gVar * w.dVariance[j]!;
      });
      return value;
    },
  };
}
