/**
 * Conditional test problems for bench/conditional.ts, minimized, with f* = 0.
 *
 * optimizers (ours, in the shape of issue 16's "optimizer ∈ {sgd, adam, rmsprop} with each one's own
 * parameters"): lr ∈ [1e-5, 1] log and wd ∈ [1e-6, 1e-2] log for all;
 *   sgd:     momentum ∈ [0, 0.99], nesterov ∈ {false, true}
 *   adam:    beta1 ∈ [0.5, 0.999], beta2 ∈ [0.9, 0.9999]
 *   rmsprop: rho ∈ [0.5, 0.99]
 *   f = 0.25 (log₁₀ lr − l_o)² + 0.05 (log₁₀ wd + 4)² + branch term + o_o, where
 *   sgd: l = −1, 2 (momentum − 0.9)² + 0.1·[not nesterov], o = 0.1;
 *   adam: l = −3, 3 (beta1 − 0.9)² + 200 (beta2 − 0.999)², o = 0;
 *   rmsprop: l = −2.5, 2 (rho − 0.9)², o = 0.05.   f* = 0 at adam, lr 1e-3, wd 1e-4, beta1 0.9, beta2 0.999.
 * layers (ours, Determined's nested hyperparameters): layers ∈ {1, 2, 3}; width_i ∈ {16, 32, …, 512}
 *   (ordinal) active when layers ≥ i; dropout ∈ [0, 0.6] for all;
 *   f = 0.3 (3 − layers)/2 + Σ_{i ≤ layers} 0.05 (log₂ width_i − t_i)² + (dropout − 0.2)²,
 *   t = (7, 6, 5): f* = 0 at 3 layers of 128, 64, 32 and dropout 0.2.
 */
import type { ConditionalParamSpec } from '../../src/bo/conditional-space.js';
import type { Params } from '../../src/bo/search-space.js';

export interface ConditionalProblem {
  name: string;
  space: ConditionalParamSpec[];
  f: (p: Params) => number;
  optimum: number;
  budget: number;
  /** Every assignment of the parent parameters: the branches of the per-branch baseline. */
  branches: Params[];
}

function optimizers(p: Params): number {
  const lr = Math.log10(p.lr as number);
  const common = 0.05 * (Math.log10(p.wd as number) + 4) ** 2;
  switch (p.optimizer) {
    case 'sgd':
      return 0.25 * (lr + 1) ** 2 + common + 2 * ((p.momentum as number) - 0.9) ** 2 + (p.nesterov === true ? 0 : 0.1) + 0.1;
    case 'adam':
      return 0.25 * (lr + 3) ** 2 + common + 3 * ((p.beta1 as number) - 0.9) ** 2 + 200 * ((p.beta2 as number) - 0.999) ** 2;
    default:
      return 0.25 * (lr + 2.5) ** 2 + common + 2 * ((p.rho as number) - 0.9) ** 2 + 0.05;
  }
}

const TARGETS = [7, 6, 5];
const WIDTHS = [16, 32, 64, 128, 256, 512];

function layers(p: Params): number {
  const n = p.layers as number;
  let f = (0.3 * (3 - n)) / 2 + ((p.dropout as number) - 0.2) ** 2;
  for (let i = 1; i <= n; i++) f += 0.05 * (Math.log2(p[`width${i}`] as number) - TARGETS[i - 1]!) ** 2;
  return f;
}

export const CONDITIONAL_PROBLEMS: ConditionalProblem[] = [
  {
    name: 'optimizers',
    space: [
      { name: 'optimizer', type: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
      { name: 'lr', type: 'float', low: 1e-5, high: 1, log: true },
      { name: 'wd', type: 'float', low: 1e-6, high: 1e-2, log: true },
      { name: 'momentum', type: 'float', low: 0, high: 0.99, when: { parameter: 'optimizer', in: ['sgd'] } },
      { name: 'nesterov', type: 'categorical', choices: [false, true], when: { parameter: 'optimizer', in: ['sgd'] } },
      { name: 'beta1', type: 'float', low: 0.5, high: 0.999, when: { parameter: 'optimizer', in: ['adam'] } },
      { name: 'beta2', type: 'float', low: 0.9, high: 0.9999, when: { parameter: 'optimizer', in: ['adam'] } },
      { name: 'rho', type: 'float', low: 0.5, high: 0.99, when: { parameter: 'optimizer', in: ['rmsprop'] } },
    ],
    f: optimizers, optimum: 0, budget: 60,
    branches: [{ optimizer: 'sgd', nesterov: false }, { optimizer: 'sgd', nesterov: true }, { optimizer: 'adam' }, { optimizer: 'rmsprop' }],
  },
  {
    name: 'layers',
    space: [
      { name: 'layers', type: 'int', low: 1, high: 3 },
      { name: 'width1', type: 'ordinal', values: WIDTHS },
      { name: 'width2', type: 'ordinal', values: WIDTHS, when: { parameter: 'layers', in: [2, 3] } },
      { name: 'width3', type: 'ordinal', values: WIDTHS, when: { parameter: 'layers', in: [3] } },
      { name: 'dropout', type: 'float', low: 0, high: 0.6 },
    ],
    f: layers, optimum: 0, budget: 50,
    branches: [{ layers: 1 }, { layers: 2 }, { layers: 3 }],
  },
];
