/**
 * Constrained test problems for bench/constrained.ts: minimize f subject to c(x) ≤ 0, each with
 * its feasible optimum f* (scipy SLSQP from 400 random starts, the command in decision 0034).
 *
 * | name          | d | f                      | constraint c ≤ 0                      | f*                 | active at x*? | budget |
 * |---------------|---|------------------------|---------------------------------------|--------------------|---------------|--------|
 * | branin-disk   | 2 | Branin                 | (x1 − 2.5)² + (x2 − 7.5)² − 50        | 0.397887357729738  | no (two of the three minima are cut off) | 40 |
 * | gardner       | 2 | cos 2x1 · cos x2 + sin x1 | cos x1 cos x2 − sin x1 sin x2 − 0.5 | −2                 | no            | 40     |
 * | hartmann3-sum | 3 | Hartmann3              | x1 + x2 + x3 − 1.2                    | −2.962956838118676 | yes (x* = (0, 0.408, 0.792)) | 50 |
 *
 * branin-disk: Gelbart, Snoek & Adams 2014 (UAI), §5.1. gardner: Gardner et al. 2014 (ICML),
 * §5.1, on [0, 6]². hartmann3-sum (ours): Hartmann3's minimizer (sum 1.52) is infeasible and the
 * constrained optimum lies on the plane Σx = 1.2 and on the face x1 = 0.
 * `worst` is the regret charged to a run that never found a feasible point: max f − f* over the box.
 */
import { PROBLEMS } from '../problems.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

export interface ConstrainedProblem {
  name: string;
  space: ParamSpec[];
  f: (p: Params) => number;
  /** The constrained outcome; feasible when c ≤ 0 (the study's constraint {name: 'c', op: '<=', bound: 0}). */
  c: (p: Params) => number;
  optimum: number;
  /** An upper bound of f on the box, for runs with no feasible point. */
  worst: number;
  budget: number;
}

const known = (name: string) => PROBLEMS.find((p) => p.name === name)!;
const x = (p: Params, i: number) => p[`x${i}`] as number;

export const CONSTRAINED_PROBLEMS: ConstrainedProblem[] = [
  {
    name: 'branin-disk', space: known('branin').space, f: known('branin').f,
    c: (p) => (x(p, 1) - 2.5) ** 2 + (x(p, 2) - 7.5) ** 2 - 50,
    optimum: 0.397887357729738, worst: 310, budget: 40,
  },
  {
    name: 'gardner',
    space: [{ name: 'x1', type: 'float', low: 0, high: 6 }, { name: 'x2', type: 'float', low: 0, high: 6 }],
    f: (p) => Math.cos(2 * x(p, 1)) * Math.cos(x(p, 2)) + Math.sin(x(p, 1)),
    c: (p) => Math.cos(x(p, 1)) * Math.cos(x(p, 2)) - Math.sin(x(p, 1)) * Math.sin(x(p, 2)) - 0.5,
    optimum: -2, worst: 2, budget: 40,
  },
  {
    name: 'hartmann3-sum', space: known('hartmann3').space, f: known('hartmann3').f,
    c: (p) => x(p, 1) + x(p, 2) + x(p, 3) - 1.2,
    optimum: -2.962956838118676, worst: 0, budget: 50,
  },
];
