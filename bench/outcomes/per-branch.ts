/**
 * The alternative to one model over a conditional space that issue 16 asks to measure against:
 * independent models per branch. A branch is one assignment of the parent parameters (listed per
 * problem); its space is the parameters that assignment activates, parents left out.
 * For each branch: the engine (engine.ts suggestNext) on that branch's own observations, and its
 * suggestion's prediction in objective units; the branch chosen is the one whose suggestion has the
 * largest EI against the best value over all branches (minimization), so the branches compete on
 * one scale. A branch without observations gets a uniform point first (branches in order).
 */
import { activeParameters, type ConditionalParamSpec } from '../../src/bo/conditional-space.js';
import { createEncoding, designPoint } from '../../src/bo/encoding.js';
import { suggestNext, type FittedHyperparameters } from '../../src/bo/engine.js';
import { normalCdf, normalPdf } from '../../src/bo/normal.js';
import type { Rng } from '../../src/bo/rng.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

export interface BranchState { previous: (FittedHyperparameters | undefined)[] }

function branchSpace(space: readonly ConditionalParamSpec[], branch: Params): ParamSpec[] {
  const active = activeParameters(space, branch);
  return space.filter((p) => active.has(p.name) && !Object.hasOwn(branch, p.name)).map(({ when: _w, ...p }) => p as ParamSpec);
}

/** EI of N(mean, std²) below `best` (minimization), in objective units. */
function expectedImprovementBelow(mean: number, std: number, best: number): number {
  if (!(std > 0)) return Math.max(0, best - mean);
  const z = (best - mean) / std;
  return std * (normalPdf(z) + z * normalCdf(z));
}

/** The next point (exactly its active parameters) by independent models per branch. */
export function perBranchSuggestion(
  space: readonly ConditionalParamSpec[], branches: readonly Params[], observations: { params: Params; value: number }[], seed: number, rng: Rng, state: BranchState,
): Params {
  const best = Math.min(...observations.map((o) => o.value));
  let choice: { params: Params; ei: number } | undefined;
  for (const [b, branch] of branches.entries()) {
    const sub = branchSpace(space, branch);
    const mine = observations.filter((o) => Object.entries(branch).every(([k, v]) => o.params[k] === v));
    if (mine.length === 0) {
      const enc = createEncoding(sub);
      return { ...branch, ...designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform())) };
    }
    const strip = (p: Params) => Object.fromEntries(sub.map((s) => [s.name, p[s.name]!]));
    const previous = state.previous[b];
    const out = suggestNext({ space: sub, goal: 'minimize', observations: mine.map((o) => ({ params: strip(o.params), value: o.value })), pending: [], count: 1, seed: seed * 8 + b, ...(previous ? { previous } : {}) });
    state.previous[b] = out.hyperparameters;
    const s = out.suggestions[0]!;
    const ei = expectedImprovementBelow(s.prediction.mean, s.prediction.std, best);
    if (!choice || ei > choice.ei) choice = { params: { ...branch, ...s.params }, ei };
  }
  return choice!.params;
}
