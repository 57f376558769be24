/**
 * Test functions for the regret benchmark (bench/regret.ts), all minimized,
 * each with its known optimum so that simple regret = min observed − f*.
 *
 * | name       | d | space                                    | f*        | budget | source |
 * |------------|---|------------------------------------------|-----------|--------|--------|
 * | branin     | 2 | x1 ∈ [−5, 10], x2 ∈ [0, 15]              | 0.397887  | 40     | Dixon & Szegő 1978; constants as in BoTorch's test_functions |
 * | hartmann3  | 3 | [0, 1]³                                  | −3.86278  | 50     | Hartmann 1972; A, P, α as published (Surjanovic & Bingham, SFU library) |
 * | hartmann6  | 6 | [0, 1]⁶                                  | −3.32237  | 80     | idem |
 * | mixed      | 5 | 2 floats, int, ordinal, categorical      | 0         | 50     | ours, below |
 * | heavy      | 4 | [0, 1]⁴                                  | 1         | 50     | ours: exp of a smooth multimodal g ≥ 0 |
 * | cat6       | 4 | 3 floats, categorical of 6 choices        | 0         | 50     | ours, below |
 * | hcat4      | 4 | [0, 1]³, categorical of 4 choices         | −3.86278  | 60     | ours, below |
 * | hartmann6-30d | 30 | [0, 1]³⁰, f = hartmann6(x1..x6)       | −3.32237  | 120    | Hartmann6 embedded, 24 dimensions ignored (as REMBO's and Hvarfner et al. 2024's embedded benchmarks) |
 * | levy20     | 20 | [−10, 10]²⁰                              | 0         | 120    | Levy (Surjanovic & Bingham, SFU library), every dimension matters |
 *
 * mixed (ours): with c the categorical, the best float location depends on c:
 *   f = (x − a_c)² + 2 (y − 0.7)² + 0.01 (n − 13)² + 0.1 (log₂ w − 3)² + o_c
 *   a = {a: 0.2, b: 0.3, c: 0.6, d: 0.8},  o = {a: 0.4, b: 0, c: 0.6, d: 0.2},
 *   x, y ∈ [0, 1], n ∈ {1..20}, w ∈ {1, 2, 4, 8, 16, 32};  f* = 0 at (0.3, 0.7, 13, 8, b).
 *
 * heavy (ours): g(x) = Σ_i [6 (x_i − c_i)² + 0.4 (1 − cos(4π (x_i − c_i)))],
 *   c = (0.2, 0.4, 0.6, 0.8), f = exp(g); g ∈ [0, ≈ 5.6] so f spans 1 .. ≈ 300
 *   with most of the cube above 10: a right-skewed, heavy-tailed objective
 *   whose log is smooth. f* = 1 at x = c.
 *
 * cat6 (ours): a categorical of 6 choices whose best (x, y) location moves with
 *   the choice, several choices close to the best (offsets 0 .. 0.3):
 *   f = 3 (x − a_c)² + 2 (y − b_c)² + (z − 0.5)² + o_c,  x, y, z ∈ [0, 1],
 *   a = (0.1, 0.3, 0.5, 0.7, 0.9, 0.2), b = (0.8, 0.2, 0.6, 0.4, 0.1, 0.5),
 *   o = (0.3, 0.15, 0.05, 0, 0.2, 0.1) for choices p, q, r, s, t, u;
 *   f* = 0 at (0.7, 0.4, 0.5, s).
 *
 * hcat4 (ours): Hartmann3 plus an offset per choice, the same landscape for every
 *   choice (the opposite of cat6, where each choice moves the optimum):
 *   f = hartmann3(x) + o_c,  o = (0.3, 0, 0.1, 0.6) for choices a, b, c, d;
 *   f* = −3.86278 at Hartmann3's minimizer with b. Added after the categorical σ²
 *   floor (engine.ts) was tuned on mixed and cat6, to check it on a problem it
 *   was not chosen on.
 *
 * levy20: with w_i = 1 + (x_i − 1)/4,
 *   f = sin²(π w_1) + Σ_{i<d} (w_i − 1)² [1 + 10 sin²(π w_i + 1)] + (w_d − 1)² [1 + sin²(2π w_d)],
 *   x ∈ [−10, 10]²⁰; f* = 0 at x = (1, …, 1), which is 0.55 in every encoded coordinate.
 *
 * hartmann6-30d: the issue 17 case of a 30-dimensional study where 6 dimensions matter;
 *   the engine does not know which, TPE does not either.
 */

import { designPoint, type Encoding } from '../src/bo/encoding.js';
import type { Rng } from '../src/bo/rng.js';
import type { ParamSpec, Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { defaultInitialTrials } from '../src/domain/study.js';

export interface Problem {
  name: string;
  space: ParamSpec[];
  /** Objective to minimize. */
  f: (p: Params) => number;
  optimum: number;
  budget: number;
  /** BoTorch GP + LogEI, 16 seeds, median final regret (where known). */
  reference?: { botorch: number; random: number };
}

/**
 * The benchmarks' initial design: n0 scrambled Sobol' points drawn with `rng` (callers
 * pass their seed's fork 1), evaluated; n0 is the service's default
 * (src/domain/study.ts defaultInitialTrials) unless the caller gives another.
 */
export function initialDesign(problem: Problem, enc: Encoding, rng: Rng, n0 = defaultInitialTrials(problem.space.length)): { params: Params; value: number }[] {
  return sobolSequence(enc.dim, n0, rng).map((u) => {
    const params = designPoint(enc, u);
    return { params, value: problem.f(params) };
  });
}

const unitFloats = (d: number): ParamSpec[] => Array.from({ length: d }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, low: 0, high: 1 }));
const vector = (p: Params, d: number): number[] => Array.from({ length: d }, (_, i) => p[`x${i + 1}`] as number);

function branin(p: Params): number {
  const x1 = p.x1 as number;
  const x2 = p.x2 as number;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H3_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H3_A = [[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]];
const H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]].map((r) => r.map((v) => v * 1e-4));

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));

/** f(x) = −Σ_i α_i exp(−Σ_j A_ij (x_j − P_ij)²). */
function hartmann(x: number[], alpha: number[], A: number[][], P: number[][]): number {
  let s = 0;
  for (let i = 0; i < alpha.length; i++) {
    let inner = 0;
    for (let j = 0; j < x.length; j++) inner += A[i]![j]! * (x[j]! - P[i]![j]!) ** 2;
    s += alpha[i]! * Math.exp(-inner);
  }
  return -s;
}

const MIXED_SHIFT: Record<string, number> = { a: 0.2, b: 0.3, c: 0.6, d: 0.8 };
const MIXED_OFFSET: Record<string, number> = { a: 0.4, b: 0, c: 0.6, d: 0.2 };

function mixed(p: Params): number {
  const c = p.c as string;
  return ((p.x as number) - MIXED_SHIFT[c]!) ** 2 + 2 * ((p.y as number) - 0.7) ** 2 + 0.01 * ((p.n as number) - 13) ** 2 + 0.1 * (Math.log2(p.w as number) - 3) ** 2 + MIXED_OFFSET[c]!;
}

const CAT6_CHOICES = ['p', 'q', 'r', 's', 't', 'u'];
const CAT6_A = [0.1, 0.3, 0.5, 0.7, 0.9, 0.2];
const CAT6_B = [0.8, 0.2, 0.6, 0.4, 0.1, 0.5];
const CAT6_OFFSET = [0.3, 0.15, 0.05, 0, 0.2, 0.1];

function cat6(p: Params): number {
  const c = CAT6_CHOICES.indexOf(p.c as string);
  return 3 * ((p.x as number) - CAT6_A[c]!) ** 2 + 2 * ((p.y as number) - CAT6_B[c]!) ** 2 + ((p.z as number) - 0.5) ** 2 + CAT6_OFFSET[c]!;
}

const HCAT4_CHOICES = ['a', 'b', 'c', 'd'];
const HCAT4_OFFSET = [0.3, 0, 0.1, 0.6];

function hcat4(p: Params): number {
  return hartmann(vector(p, 3), H3_ALPHA, H3_A, H3_P) + HCAT4_OFFSET[HCAT4_CHOICES.indexOf(p.c as string)]!;
}

/** Levy on x (any d), see the module doc; f* = 0 at x = 1. */
function levy(x: number[]): number {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const d = w.length;
  let f = Math.sin(Math.PI * w[0]!) ** 2;
  for (let i = 0; i < d - 1; i++) f += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
  return f + (w[d - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]!) ** 2);
}

const HEAVY_CENTRE = [0.2, 0.4, 0.6, 0.8];

function heavy(p: Params): number {
  const x = vector(p, 4);
  let g = 0;
  for (let i = 0; i < 4; i++) {
    const t = x[i]! - HEAVY_CENTRE[i]!;
    g += 6 * t * t + 0.4 * (1 - Math.cos(4 * Math.PI * t));
  }
  return Math.exp(g);
}

export const PROBLEMS: Problem[] = [
  {
    name: 'branin',
    space: [{ name: 'x1', type: 'float', low: -5, high: 10 }, { name: 'x2', type: 'float', low: 0, high: 15 }],
    f: branin, optimum: 0.397887, budget: 40, reference: { botorch: 0.0022, random: 0.83 },
  },
  { name: 'hartmann3', space: unitFloats(3), f: (p) => hartmann(vector(p, 3), H3_ALPHA, H3_A, H3_P), optimum: -3.86278, budget: 50, reference: { botorch: 0.00063, random: 0.24 } },
  { name: 'hartmann6', space: unitFloats(6), f: (p) => hartmann(vector(p, 6), H6_ALPHA, H6_A, H6_P), optimum: -3.32237, budget: 80, reference: { botorch: 0.079, random: 1.47 } },
  {
    name: 'mixed',
    space: [
      { name: 'x', type: 'float', low: 0, high: 1 },
      { name: 'y', type: 'float', low: 0, high: 1 },
      { name: 'n', type: 'int', low: 1, high: 20 },
      { name: 'w', type: 'ordinal', values: [1, 2, 4, 8, 16, 32] },
      { name: 'c', type: 'categorical', choices: ['a', 'b', 'c', 'd'] },
    ],
    f: mixed, optimum: 0, budget: 50,
  },
  { name: 'heavy', space: unitFloats(4), f: heavy, optimum: 1, budget: 50 },
  {
    name: 'cat6',
    space: [{ name: 'x', type: 'float', low: 0, high: 1 }, { name: 'y', type: 'float', low: 0, high: 1 }, { name: 'z', type: 'float', low: 0, high: 1 }, { name: 'c', type: 'categorical', choices: CAT6_CHOICES }],
    f: cat6, optimum: 0, budget: 50,
  },
  {
    name: 'hcat4',
    space: [...unitFloats(3), { name: 'c', type: 'categorical', choices: HCAT4_CHOICES }],
    f: hcat4, optimum: -3.86278, budget: 60,
  },
  { name: 'hartmann6-30d', space: unitFloats(30), f: (p) => hartmann(vector(p, 6), H6_ALPHA, H6_A, H6_P), optimum: -3.32237, budget: 120 },
  {
    name: 'levy20',
    space: Array.from({ length: 20 }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, low: -10, high: 10 })),
    f: (p) => levy(vector(p, 20)), optimum: 0, budget: 120,
  },
];
