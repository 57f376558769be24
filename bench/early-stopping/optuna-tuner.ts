/**
 * Optuna's TPE + Hyperband (bench/optuna/ask-tell.py through bench/optuna/bridge.ts) as a
 * tuner for bench:early-stopping.
 */
import { optunaStudy } from '../optuna/bridge.js';
import type { CurveProblem } from './curve-problems.js';
import type { Tuner } from './worker-simulation.js';

/** Starts the Python side with `python` (Debian's python3-optuna is in /usr/bin/python3's path). */
export function optunaTuner(problem: CurveProblem, seed: number, python: string): { tuner: Tuner; close(): Promise<void> } {
  const study = optunaStudy({ space: problem.space, maxStep: problem.maxStep, seed }, python);
  const tuner: Tuner = { ask: () => study.ask(), report: (id, step, value) => study.report(id, step, value), complete: (id, value) => study.complete(id, value) };
  return { tuner, close: () => study.close() };
}
