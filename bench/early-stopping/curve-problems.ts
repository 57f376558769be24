/**
 * The learning-curve problems of bench:early-stopping, both minimized, both fully trained
 * at maxStep = 27 epochs (ASHA's rungs 1, 3, 9 with η = 3):
 *
 * | name     | d | space                                                              | value per epoch |
 * |----------|---|--------------------------------------------------------------------|-----------------|
 * | mlp      | 6 | lr, L2 (log floats), hidden width (log int), batch size (ordinal), momentum (float), activation (categorical) | validation cross-entropy of a real training run (mlp-training.ts) |
 * | crossing | 4 | lr (log float), dropout (float), width (log int), optimizer (categorical) | the crossing-curve simulator (crossing-curves.ts) |
 *
 * A configuration's run is seeded by the benchmark seed and the configuration itself, so
 * every tuner that tries a configuration in one seed sees the same curve.
 */
import type { ParamSpec, Params } from '../../src/bo/search-space.js';
import { crossingCurveRun, type CrossingSettings } from './crossing-curves.js';
import { mlpTrainingRun, type MlpSettings } from './mlp-training.js';
import { spiralSplits } from './spiral-data.js';

export interface CurveProblem {
  name: string;
  space: ParamSpec[];
  /** The step (epoch) at which a run is fully trained. */
  maxStep: number;
  /** A run of `params`; each call trains one more step and returns the value to minimize. */
  run(params: Params, seed: number): () => number;
}

let splits: ReturnType<typeof spiralSplits> | undefined;

const MLP: CurveProblem = {
  name: 'mlp',
  space: [
    { name: 'learningRate', type: 'float', low: 1e-3, high: 1, log: true },
    { name: 'l2', type: 'float', low: 1e-5, high: 1e-1, log: true },
    { name: 'hidden', type: 'int', low: 4, high: 64, log: true },
    { name: 'batchSize', type: 'ordinal', values: [8, 16, 32, 64, 128] },
    { name: 'momentum', type: 'float', low: 0, high: 0.95 },
    { name: 'activation', type: 'categorical', choices: ['tanh', 'relu'] },
  ],
  maxStep: 27,
  run(params, seed) {
    splits ??= spiralSplits();
    return mlpTrainingRun(params as unknown as MlpSettings, splits.train, splits.validation, seed);
  },
};

const CROSSING: CurveProblem = {
  name: 'crossing',
  space: [
    { name: 'learningRate', type: 'float', low: 1e-4, high: 1, log: true },
    { name: 'dropout', type: 'float', low: 0, high: 0.8 },
    { name: 'width', type: 'int', low: 16, high: 512, log: true },
    { name: 'optimizer', type: 'categorical', choices: ['sgd', 'momentum', 'adam'] },
  ],
  maxStep: 27,
  run: (params, seed) => crossingCurveRun(params as unknown as CrossingSettings, seed),
};

export const CURVE_PROBLEMS: CurveProblem[] = [MLP, CROSSING];

export function curveProblem(name: string): CurveProblem {
  const problem = CURVE_PROBLEMS.find((p) => p.name === name);
  if (!problem) throw new Error(`unknown problem ${name}; known: ${CURVE_PROBLEMS.map((p) => p.name).join(', ')}`);
  return problem;
}

/**
 * The seed of a configuration's run: FNV-1a (32 bits) of the benchmark seed and the
 * parameter values in the space's order, so it does not depend on who proposed them.
 */
export function runSeed(problem: CurveProblem, seed: number, params: Params): number {
  const text = `${seed}|${JSON.stringify(problem.space.map((p) => params[p.name]))}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
