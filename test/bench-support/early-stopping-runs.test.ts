import { describe, expect, test } from 'vitest';
import { curveProblem, runSeed, type CurveProblem } from '../../bench/early-stopping/curve-problems.js';
import { bestWithin, quantileOrInfinity, stepsForMedianToReach, stepsToReach } from '../../bench/early-stopping/summary.js';
import { simulateWorkers, type Tuner } from '../../bench/early-stopping/worker-simulation.js';

/** A problem whose curve of trial x is x + 1/step. */
const toy: CurveProblem = {
  name: 'toy',
  space: [{ name: 'x', type: 'float', low: 0, high: 10 }],
  maxStep: 3,
  run: (params) => {
    let t = 0;
    return () => (params.x as number) + 1 / ++t;
  },
};

/** Proposes x = 0, 1, 2, …; stops every trial with an odd x at step 1; records what it is told. */
function recordingTuner(): { tuner: Tuner; log: string[] } {
  const log: string[] = [];
  let next = 0;
  const tuner: Tuner = {
    ask: async () => {
      const x = next++;
      log.push(`ask ${x}`);
      return { id: String(x), params: { x } };
    },
    report: async (id, step, value) => {
      log.push(`report ${id}@${step}=${value.toFixed(2)}`);
      return Number(id) % 2 === 1 ? 'stop' : 'continue';
    },
    complete: async (id, value) => void log.push(`complete ${id}=${value.toFixed(2)}`),
    tick: () => void log.push('tick'),
  };
  return { tuner, log };
}

describe('the worker simulation', () => {
  test('one worker trains, reports every step, completes at maxStep and stops when told, until the budget', async () => {
    const { tuner, log } = recordingTuner();
    const result = await simulateWorkers(tuner, toy, 0, 1, 8);
    expect(log.filter((l) => l !== 'tick')).toEqual([
      'ask 0', 'report 0@1=1.00', 'report 0@2=0.50', 'report 0@3=0.33', 'complete 0=0.33',
      'ask 1', 'report 1@1=2.00',
      'ask 2', 'report 2@1=3.00', 'report 2@2=2.50', 'report 2@3=2.33', 'complete 2=2.33',
      'ask 3', 'report 3@1=4.00',
    ]);
    expect(result).toMatchObject({ steps: 8, ticks: 8, started: 4, stopped: 2, completions: [{ steps: 3, value: 1 / 3 }, { steps: 7, value: 2 + 1 / 3 }] });
  });

  test('two workers ask in worker order at a tick, and a freed worker asks at the next one', async () => {
    const { tuner, log } = recordingTuner();
    const result = await simulateWorkers(tuner, toy, 0, 2, 6);
    expect(log).toEqual([
      'ask 0', 'ask 1', 'report 0@1=1.00', 'report 1@1=2.00', 'tick',
      'ask 2', 'report 0@2=0.50', 'report 2@1=3.00', 'tick',
      'report 0@3=0.33', 'complete 0=0.33', 'report 2@2=2.50', 'tick',
    ]);
    expect(result).toMatchObject({ steps: 6, ticks: 3, started: 3, stopped: 1 });
  });
});

describe('run seeds and summaries', () => {
  test("a configuration's run seed depends on the benchmark seed and the values, not on key order", () => {
    const crossing = curveProblem('crossing');
    const a = { learningRate: 0.01, dropout: 0.2, width: 64, optimizer: 'adam' };
    const b = { optimizer: 'adam', width: 64, dropout: 0.2, learningRate: 0.01 };
    expect(runSeed(crossing, 3, a)).toBe(runSeed(crossing, 3, b));
    expect(runSeed(crossing, 4, a)).not.toBe(runSeed(crossing, 3, a));
    expect(runSeed(crossing, 3, { ...a, width: 65 })).not.toBe(runSeed(crossing, 3, a));
  });

  test('best within a step budget, steps to reach a target, and quantiles with +∞', () => {
    const completions = [{ steps: 27, value: 0.8 }, { steps: 60, value: 0.5 }, { steps: 90, value: 0.6 }, { steps: 120, value: 0.4 }];
    expect([26, 27, 100, 1000].map((s) => bestWithin(completions, s))).toEqual([Infinity, 0.8, 0.5, 0.4]);
    expect([0.9, 0.6, 0.45, 0.1].map((t) => stepsToReach(completions, t))).toEqual([27, 60, 120, Infinity]);
    expect(quantileOrInfinity([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantileOrInfinity([1, 2, Infinity], 0.5)).toBe(2);
    expect(quantileOrInfinity([1, 2, Infinity, Infinity], 0.5)).toBe(Infinity);
    expect(quantileOrInfinity([1, 2, 3, Infinity], 0.25)).toBe(1.75);
  });
});

describe('steps for the median to reach a target', () => {
  test('is the first step count at which the median best value over runs is at or below it', () => {
    const runs = [
      [{ steps: 10, value: 0.9 }, { steps: 40, value: 0.5 }],
      [{ steps: 20, value: 0.6 }, { steps: 50, value: 0.4 }],
      [{ steps: 30, value: 0.7 }],
    ];
    // Medians of the best so far: at 10 (0.9, ∞, ∞) ∞; 20 (0.9, 0.6, ∞) 0.9; 30 0.7; 40 0.6; 50 0.5.
    expect([0.95, 0.9, 0.7, 0.65, 0.5, 0.45].map((t) => stepsForMedianToReach(runs, t))).toEqual([20, 20, 30, 40, 50, Infinity]);
  });
});
