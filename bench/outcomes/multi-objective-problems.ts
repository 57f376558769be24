/**
 * Two-objective test problems for bench/multi-objective.ts, both objectives minimized, with the
 * reference point of the hypervolume and (where known) the hypervolume of the true front.
 *
 * | name   | d | space                               | reference  | max HV   | budget | source |
 * |--------|---|-------------------------------------|------------|----------|--------|--------|
 * | zdt1   | 6 | [0, 1]⁶                              | (1.1, 1.1) | 0.87667  | 60     | Zitzler, Deb & Thiele 2000 |
 * | dtlz2  | 6 | [0, 1]⁶                              | (1.1, 1.1) | 0.42460  | 60     | Deb et al. 2002, M = 2, k = 5 |
 * | mixed2 | 5 | 2 floats, int, ordinal, categorical  | (1.5, 1.5) | —        | 50     | ours, below |
 *
 * zdt1: f₁ = x₁, f₂ = g (1 − √(f₁/g)), g = 1 + 9/(d − 1) Σ_{i≥2} x_i; front g = 1, f₂ = 1 − √f₁;
 *   max HV = ∫₀¹ (0.1 + √t) dt + 0.1 · 1.1 = 0.1 + 2/3 + 0.11.
 * dtlz2: f₁ = (1 + g) cos(π x₁/2), f₂ = (1 + g) sin(π x₁/2), g = Σ_{i≥2} (x_i − 0.5)²; front the
 *   quarter circle, max HV = 1.21 − π/4.
 * mixed2 (ours, "error against cost" of a model with a width n, a batch size w and a family c):
 *   f₁ = 0.5 (x − a_c)² + 0.5 (y − 0.5)² + 0.8 / (1 + n/4) + 0.05 (log₂ w − 3)² + e_c
 *   f₂ = n/20 + 0.3 x + 0.02 log₂ w + k_c
 *   a = {a: 0.2, b: 0.5, c: 0.8}, e = {a: 0.1, b: 0, c: 0.05}, k = {a: 0, b: 0.3, c: 0.1};
 *   x ∈ [0, 1], y ∈ [0, 1], n ∈ {1..20}, w ∈ {1, 2, 4, …, 64}: n and x trade error for cost,
 *   y and w have one best value, and each family moves the trade-off.
 */
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

export interface MultiObjectiveProblem {
  name: string;
  space: ParamSpec[];
  /** Both objectives, minimized. */
  f: (p: Params) => [number, number];
  reference: [number, number];
  maxHypervolume?: number;
  budget: number;
}

const unit = (d: number): ParamSpec[] => Array.from({ length: d }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, low: 0, high: 1 }));
const xs = (p: Params, d: number) => Array.from({ length: d }, (_, i) => p[`x${i + 1}`] as number);

function zdt1(p: Params): [number, number] {
  const x = xs(p, 6);
  const g = 1 + (9 / 5) * x.slice(1).reduce((a, b) => a + b, 0);
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

function dtlz2(p: Params): [number, number] {
  const x = xs(p, 6);
  const g = x.slice(1).reduce((a, v) => a + (v - 0.5) ** 2, 0);
  return [(1 + g) * Math.cos((Math.PI * x[0]!) / 2), (1 + g) * Math.sin((Math.PI * x[0]!) / 2)];
}

const MIXED_A: Record<string, number> = { a: 0.2, b: 0.5, c: 0.8 };
const MIXED_E: Record<string, number> = { a: 0.1, b: 0, c: 0.05 };
const MIXED_K: Record<string, number> = { a: 0, b: 0.3, c: 0.1 };

function mixed2(p: Params): [number, number] {
  const x = p.x as number;
  const y = p.y as number;
  const n = p.n as number;
  const lw = Math.log2(p.w as number);
  const c = p.c as string;
  return [
    0.5 * (x - MIXED_A[c]!) ** 2 + 0.5 * (y - 0.5) ** 2 + 0.8 / (1 + n / 4) + 0.05 * (lw - 3) ** 2 + MIXED_E[c]!,
    n / 20 + 0.3 * x + 0.02 * lw + MIXED_K[c]!,
  ];
}

export const MULTI_OBJECTIVE_PROBLEMS: MultiObjectiveProblem[] = [
  { name: 'zdt1', space: unit(6), f: zdt1, reference: [1.1, 1.1], maxHypervolume: 0.1 + 2 / 3 + 0.11, budget: 60 },
  { name: 'dtlz2', space: unit(6), f: dtlz2, reference: [1.1, 1.1], maxHypervolume: 1.21 - Math.PI / 4, budget: 60 },
  {
    name: 'mixed2',
    space: [
      { name: 'x', type: 'float', low: 0, high: 1 },
      { name: 'y', type: 'float', low: 0, high: 1 },
      { name: 'n', type: 'int', low: 1, high: 20 },
      { name: 'w', type: 'ordinal', values: [1, 2, 4, 8, 16, 32, 64] },
      { name: 'c', type: 'categorical', choices: ['a', 'b', 'c'] },
    ],
    f: mixed2, reference: [1.5, 1.5], budget: 50,
  },
];
