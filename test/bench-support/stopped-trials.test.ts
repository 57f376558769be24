import { describe, expect, test } from 'vitest';
import type { Study } from '../../src/domain/study.js';
import type { SuggestionRequest } from '../../src/domain/suggest/suggester.js';
import { newTrial, type Trial, type TrialReport } from '../../src/domain/trial.js';
import { modelRung, modelRungs, rungMinTrials, stoppedTrialsSnapshot } from '../../bench/early-stopping/stopped-trials.js';

const study: Study = {
  id: 'st_1',
  name: 's',
  parameters: [{ name: 'x', type: 'float', low: 0, high: 1, log: false }, { name: 'y', type: 'float', low: 0, high: 1, log: false }],
  objective: { name: 'value', goal: 'minimize' },
  options: { seed: 1, initialTrials: 6, leaseSeconds: 3600, algorithm: 'gp', earlyStopping: { rule: 'asha', maxStep: 27, minStep: 1, reductionFactor: 3, mode: 'standard' } },
  state: 'active',
  createdAt: 0,
  metadata: {},
};

/** Trial n, in `state`, that reported `curve` at steps 1, 2, …; its value is the last report. */
function trial(n: number, state: Trial['state'], curve: number[]): { trial: Trial; reports: TrialReport[] } {
  const reports = curve.map((value, i) => ({ step: i + 1, value, at: 0, decision: 'continue' as const, reason: '', rung: null }));
  const value = state === 'pending' ? null : (curve[curve.length - 1] ?? null);
  return {
    trial: newTrial({ id: `tr_${n}`, studyId: study.id, number: n, params: { x: n / 10, y: 0 }, paramsKey: `k${n}`, source: 'gp-logei', createdAt: 0, state, value }),
    reports,
  };
}

/** Steps 1..s of a curve that starts at `v` and improves by 0.01 a step. */
const curve = (v: number, s: number) => Array.from({ length: s }, (_, i) => v - 0.01 * i);

function request(entries: { trial: Trial; reports: TrialReport[] }[]): { request: SuggestionRequest; reports: Map<string, TrialReport[]> } {
  return {
    request: { study, trials: entries.map((e) => e.trial), firstNumber: entries.length, count: 1, now: 0 },
    reports: new Map(entries.map((e) => [e.trial.id, e.reports])),
  };
}

describe('what the GP is shown of stopped trials', () => {
  test('ASHA with minStep 1, maxStep 27, η = 3, standard mode models at rungs 1, 3, 9 and 27; d = 2 needs 4 trials', () => {
    expect(modelRungs(study)).toEqual([1, 3, 9, 27]);
    expect(rungMinTrials(2)).toBe(4);
    expect(rungMinTrials(6)).toBe(7);
  });

  test('excluded (production) leaves the snapshot as it is', () => {
    const { request: r, reports } = request([trial(0, 'stopped', curve(1, 3)), trial(1, 'completed', curve(0.9, 27))]);
    expect(stoppedTrialsSnapshot(r, 'excluded', reports)).toBe(r);
  });

  test('observed turns stopped trials into completed ones at their last value, and leaves the design alone', () => {
    const { request: r, reports } = request([trial(0, 'stopped', curve(1, 3)), trial(1, 'completed', curve(0.9, 27)), trial(2, 'stopped', curve(1, 1)), trial(3, 'pending', curve(1, 2))]);
    const out = stoppedTrialsSnapshot(r, 'observed', reports);
    expect(out.trials.map((t) => [t.state, t.value === null ? null : Number(t.value.toFixed(2))])).toEqual([
      ['completed', 0.98],
      ['completed', 0.64],
      ['completed', 1],
      ['pending', null],
    ]);
    expect(out.study.options.initialTrials).toBe(6);
  });

  test('rung models the finished trials at the highest rung 4 of them reached, and fails the others', () => {
    // Reached step 3: trials 0, 1, 2, 4 (finished) and 5 (pending, not counted); step 9: only 1 and 4.
    const { request: r, reports } = request([
      trial(0, 'stopped', curve(1, 3)),
      trial(1, 'completed', curve(0.9, 27)),
      trial(2, 'stopped', curve(0.8, 5)),
      trial(3, 'stopped', curve(1, 1)),
      trial(4, 'stopped', curve(0.95, 9)),
      trial(5, 'pending', curve(0.7, 4)),
    ]);
    expect(modelRung(r.trials, reports, modelRungs(study), 4)).toBe(3);
    const out = stoppedTrialsSnapshot(r, 'rung', reports);
    expect(out.trials.map((t) => [t.state, t.value === null ? null : Number(t.value.toFixed(2))])).toEqual([
      ['completed', 0.98],
      ['completed', 0.88],
      ['completed', 0.78],
      ['failed', null],
      ['completed', 0.93],
      ['pending', null],
    ]);
    expect(out.study.options.initialTrials).toBe(5);
  });

  test('rung leaves the snapshot as it is while no rung has enough finished trials', () => {
    const { request: r, reports } = request([trial(0, 'stopped', curve(1, 1)), trial(1, 'stopped', curve(1, 1)), trial(2, 'completed', curve(1, 27))]);
    expect(modelRung(r.trials, reports, modelRungs(study), 4)).toBeNull();
    expect(stoppedTrialsSnapshot(r, 'rung', reports)).toBe(r);
  });
});
