/** `shouldStop`: how a deadline or a cancellation cuts the engine's work short without a clock in bo. */
import { describe, expect, it } from 'vitest';
import { suggestNext, type EngineInput } from '../../src/bo/engine.js';
import { createEncoding, designPoint, paramsKey, validateParams } from '../../src/bo/encoding.js';
import { minimizeBox } from '../../src/bo/lbfgsb.js';
import { createRng } from '../../src/bo/rng.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

const space: ParamSpec[] = [
  { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
  { name: 'depth', type: 'int', low: 1, high: 8 },
  { name: 'act', type: 'categorical', choices: ['relu', 'tanh', 'gelu'] },
  { name: 'x', type: 'float', low: -1, high: 1 },
];
const f = (p: Params) => (Math.log10(p.lr as number) + 2) ** 2 + 0.3 * Math.abs((p.depth as number) - 5) + (p.act === 'gelu' ? 0 : 1) + (p.x as number) ** 2;

function input(n: number, extra: Partial<EngineInput> = {}): EngineInput {
  const enc = createEncoding(space);
  const rng = createRng(5);
  const observations = Array.from({ length: n }, () => {
    const params = designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform()));
    return { params, value: f(params) };
  });
  return { space, goal: 'minimize', observations, pending: [], count: 1, seed: 11, ...extra };
}

/** A shouldStop that says stop from its k-th call on, and counts its calls. */
function stopAfter(k: number): { shouldStop: () => boolean; calls: () => number } {
  let calls = 0;
  return { shouldStop: () => ++calls > k, calls: () => calls };
}

describe('shouldStop', () => {
  it('never stopping gives exactly what no shouldStop gives, and reports no interruption', () => {
    const plain = suggestNext(input(12, { count: 3 }));
    const never = suggestNext(input(12, { count: 3 }), { shouldStop: () => false });
    expect(never.suggestions).toEqual(plain.suggestions);
    expect(never.hyperparameters).toEqual(plain.hyperparameters);
    expect(never.work.interrupted).toBe(false);
  });

  it('a stop in the fit alone keeps the whole batch, and says it was interrupted', () => {
    const out = suggestNext(input(12, { count: 3 }), { shouldStop: (stage) => stage === 'fit' });
    expect(out.work.interrupted).toBe(true);
    expect(out.suggestions).toHaveLength(3);
  });

  it('stopping at once still answers one valid, unused point of a batch, and says it was interrupted', () => {
    const enc = createEncoding(space);
    const given = input(12, { count: 4 });
    const out = suggestNext(given, { shouldStop: () => true });
    expect(out.work.interrupted).toBe(true);
    expect(out.suggestions).toHaveLength(1);
    const [s] = out.suggestions;
    expect(validateParams(enc, s!.params)).toEqual([]);
    expect(given.observations.map((o) => paramsKey(enc, o.params))).not.toContain(paramsKey(enc, s!.params));
    expect(Number.isFinite(s!.prediction.mean) && Number.isFinite(s!.acquisition)).toBe(true);
  });

  it('stopping part-way through costs fewer checks than the full computation and keeps the points found', () => {
    const full = stopAfter(Number.MAX_SAFE_INTEGER);
    suggestNext(input(12, { count: 3 }), { shouldStop: full.shouldStop });
    const cut = stopAfter(Math.floor(full.calls() / 2));
    const out = suggestNext(input(12, { count: 3 }), { shouldStop: cut.shouldStop });
    expect(out.work.interrupted).toBe(true);
    expect(out.suggestions.length).toBeGreaterThanOrEqual(1);
    expect(out.suggestions.length).toBeLessThanOrEqual(3);
    expect(cut.calls()).toBeLessThan(full.calls());
  });

  it('minimizeBox takes no step once told to stop, and returns its projected start', () => {
    const fg = (x: Float64Array, g: Float64Array) => {
      g[0] = 2 * (x[0]! - 0.3);
      return (x[0]! - 0.3) ** 2;
    };
    const out = minimizeBox(fg, Float64Array.of(2), Float64Array.of(-1), Float64Array.of(1), { shouldStop: () => true });
    expect(out.iterations).toBe(0);
    expect(Array.from(out.x)).toEqual([1]);
    expect(minimizeBox(fg, Float64Array.of(2), Float64Array.of(-1), Float64Array.of(1)).x[0]).toBeCloseTo(0.3, 6);
  });
});
