/**
 * Workers training configurations step by step against a tuner, on a simulated clock,
 * until a budget of steps is spent: the protocol every row of bench:early-stopping runs,
 * whatever tunes it (the service's use cases, or Optuna over a pipe).
 *
 * Every step takes one unit of simulated time. At each tick, first every idle worker asks
 * the tuner for a trial (in worker order, so each sees the ones before it pending), then
 * every worker trains one step and reports it (in worker order); a trial told to stop
 * frees its worker, and one at maxStep is completed with its last value and frees its
 * worker. A worker thus asks for a new trial as soon as its trial ends. The run ends when
 * `budget` steps were trained in all; a trial cut short by the budget is not a result.
 * One worker is the sequential case.
 */
import type { Params } from '../../src/bo/search-space.js';
import { runSeed, type CurveProblem } from './curve-problems.js';

/** What a worker needs from whoever proposes and judges trials. */
export interface Tuner {
  ask(): Promise<{ id: string; params: Params }>;
  /** The decision on a trial's value after `step` steps. */
  report(id: string, step: number, value: number): Promise<'continue' | 'stop'>;
  /** The trial is fully trained with `value`. */
  complete(id: string, value: number): Promise<void>;
  /** Simulated time moved on by one step. */
  tick?(): void;
}

/** A fully trained trial: its value, and the steps trained in all (every worker) when it completed. */
export type Completion = { steps: number; value: number };

export type SimulationResult = {
  completions: Completion[];
  /** Trials that trained at least one step. */
  started: number;
  stopped: number;
  /** Steps trained in all (= the budget), and simulated time to the end. */
  steps: number;
  ticks: number;
};

export async function simulateWorkers(tuner: Tuner, problem: CurveProblem, seed: number, workers: number, budget: number): Promise<SimulationResult> {
  type Running = { id: string; next: () => number; step: number };
  const slots: (Running | null)[] = Array.from({ length: workers }, () => null);
  const completions: Completion[] = [];
  let steps = 0;
  let ticks = 0;
  let started = 0;
  let stopped = 0;
  while (steps < budget) {
    for (let w = 0; w < workers; w++) {
      if (slots[w]) continue;
      const { id, params } = await tuner.ask();
      slots[w] = { id, next: problem.run(params, runSeed(problem, seed, params)), step: 0 };
    }
    for (let w = 0; w < workers && steps < budget; w++) {
      const trial = slots[w]!;
      const value = trial.next();
      if (trial.step === 0) started++;
      trial.step++;
      steps++;
      const decision = await tuner.report(trial.id, trial.step, value);
      if (trial.step >= problem.maxStep) {
        await tuner.complete(trial.id, value);
        completions.push({ steps, value });
        slots[w] = null;
      } else if (decision === 'stop') {
        stopped++;
        slots[w] = null;
      }
    }
    ticks++;
    tuner.tick?.();
  }
  return { completions, started, stopped, steps, ticks };
}
