/**
 * Pareto utilities for several objectives and outcome constraints: feasibility,
 * non-dominated filtering and the exact hypervolume for 1, 2 and 3 objectives.
 *
 * | symbol | meaning                                                          | shape  | space     |
 * |--------|------------------------------------------------------------------|--------|-----------|
 * | v      | a trial's outcomes, as the user reported them, by name           |        | objective |
 * | s_k    | +1 to maximize objective k, −1 to minimize                       | (m)    |           |
 * | u      | (s_k · v_k): every objective turned into "larger is better"       | (m)    | maximized |
 * | r      | the reference point, in the same space as the points it bounds   | (m)    |           |
 * | HV     | Lebesgue measure of {z : r ≤ z ≤ u for some u in the set}         |        |           |
 *
 * Dominance (maximization): a ≻ b iff a_k ≥ b_k for every k and a_k > b_k for one.
 * Equal points do not dominate each other, so both are non-dominated.
 * Hypervolume (Zitzler & Thiele 1998): 2 objectives by one sweep after sorting,
 * 3 by slicing along the third objective and summing 2-objective areas
 * (O(n² log n), exact); points not strictly above r in every objective add nothing.
 */

import { InvariantError } from './errors.js';
import type { Goal } from './search-space.js';

export interface Objective { name: string; goal: Goal }

/** An outcome constraint: feasible when `v[name] op bound`. */
export interface OutcomeConstraint { name: string; op: '<=' | '>='; bound: number }

/** A trial's observed outcomes (objectives and constrained metrics), by name. */
export type Outcomes = Readonly<Record<string, number>>;

/**
 * True when every constraint holds for `values` (a missing or non-finite
 * constrained outcome makes the trial infeasible: nothing shows it holds).
 */
export function isFeasible(values: Outcomes, constraints: readonly OutcomeConstraint[]): boolean {
  for (const c of constraints) {
    const v = values[c.name];
    if (v === undefined || !Number.isFinite(v)) return false;
    if (c.op === '<=' ? !(v <= c.bound) : !(v >= c.bound)) return false;
  }
  return true;
}

/** u = (s_k v_k): the objectives of `values` turned into maximization, shape (m). */
export function maximizedObjectives(values: Outcomes, objectives: readonly Objective[]): number[] {
  return objectives.map((o) => {
    const v = values[o.name];
    if (v === undefined) throw new InvariantError(`maximizedObjectives: no value for objective ${o.name}`);
    return o.goal === 'maximize' ? v : -v;
  });
}

/** a ≻ b under maximization: a ≥ b everywhere and a > b somewhere. */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) throw new InvariantError(`dominates: ${a.length} against ${b.length} objectives`);
  let strictly = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! < b[k]!) return false;
    if (a[k]! > b[k]!) strictly = true;
  }
  return strictly;
}

/**
 * Indices (ascending) of the points that no other point dominates (maximization).
 * O(n² m); the service's fronts are small. Equal points are all kept.
 */
export function nonDominatedIndices(points: readonly ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) dominated = j !== i && dominates(points[j]!, points[i]!);
    if (!dominated) out.push(i);
  }
  return out;
}

/**
 * Indices of the feasible non-dominated trials (what `/pareto` answers): the trials whose
 * outcomes satisfy every constraint, filtered to the non-dominated ones under the goals.
 * With one objective: the best feasible trials (several when tied).
 */
export function paretoFrontIndices(trials: readonly Outcomes[], objectives: readonly Objective[], constraints: readonly OutcomeConstraint[]): number[] {
  if (objectives.length === 0) throw new InvariantError('paretoFrontIndices: no objectives');
  const feasible = trials.map((t, i) => i).filter((i) => isFeasible(trials[i]!, constraints));
  const front = nonDominatedIndices(feasible.map((i) => maximizedObjectives(trials[i]!, objectives)));
  return front.map((j) => feasible[j]!);
}

/**
 * HV of `points` relative to `reference`, both under maximization (larger is better).
 * @param points    each shape (m), m ∈ {1, 2, 3}.
 * @param reference shape (m); only the part of each point's box above it counts.
 * @returns the exact hypervolume, 0 for no point above the reference.
 */
export function hypervolume(points: readonly ArrayLike<number>[], reference: ArrayLike<number>): number {
  const m = reference.length;
  if (m < 1 || m > 3) throw new InvariantError(`hypervolume: ${m} objectives; exact hypervolume is implemented for 1 to 3`);
  for (const p of points) if (p.length !== m) throw new InvariantError(`hypervolume: a point has ${p.length} objectives, the reference ${m}`);
  const above = points.filter((p) => Array.from({ length: m }, (_, k) => p[k]! > reference[k]!).every(Boolean));
  if (above.length === 0) return 0;
  if (m === 1) return Math.max(...above.map((p) => p[0]!)) - reference[0]!;
  if (m === 2) return area(above.map((p) => [p[0]!, p[1]!]), reference[0]!, reference[1]!);
  // m = 3: between consecutive distinct third coordinates (descending), the slice is the
  // 2-objective area of every point whose third coordinate reaches that high.
  const sorted = above.map((p) => [p[0]!, p[1]!, p[2]!]).sort((a, b) => b[2]! - a[2]!);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = sorted[i]![2]!;
    const next = i + 1 < sorted.length ? sorted[i + 1]![2]! : reference[2]!;
    if (top === next) continue;
    volume += area(sorted.slice(0, i + 1), reference[0]!, reference[1]!) * (top - next);
  }
  return volume;
}

/** Area dominated by 2-objective points (each strictly above (r0, r1)), maximization: one sweep in u_0 descending. */
function area(points: number[][], r0: number, r1: number): number {
  const sorted = [...points].sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]!);
  let total = 0;
  let height = r1;
  for (const [u0, u1] of sorted) {
    if (u1! <= height) continue;
    total += (u0! - r0) * (u1! - height);
    height = u1!;
  }
  return total;
}
