import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EngineError, suggestNext, type EngineInput } from '../../src/bo/engine.js';
import { CATEGORICAL_SIGNAL_FLOOR } from '../../src/bo/engine-policy.js';
import { createEncoding, designPoint, paramsKey, validateParams } from '../../src/bo/encoding.js';
import { createRng } from '../../src/bo/rng.js';
import type { ParamSpec, Params } from '../../src/bo/search-space.js';

const quadraticSpace: ParamSpec[] = [
  { name: 'a', type: 'float', low: -1, high: 1 },
  { name: 'b', type: 'float', low: -1, high: 1 },
];
/** Minimum 0 at (0.3, -0.4). */
const quadratic = (p: Params) => ((p.a as number) - 0.3) ** 2 + ((p.b as number) + 0.4) ** 2;

const mixedSpace: ParamSpec[] = [
  { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
  { name: 'depth', type: 'int', low: 1, high: 8 },
  { name: 'width', type: 'ordinal', values: [32, 64, 128, 256] },
  { name: 'act', type: 'categorical', choices: ['relu', 'tanh', 'gelu'] },
];
const mixedObjective = (p: Params) =>
  (Math.log10(p.lr as number) + 2) ** 2 + 0.3 * Math.abs((p.depth as number) - 5) + ((p.width as number) === 128 ? 0 : 0.5) + (p.act === 'gelu' ? 0 : 1);

function design(space: ParamSpec[], count: number, seed: number): Params[] {
  const enc = createEncoding(space);
  const rng = createRng(seed);
  return Array.from({ length: count }, () => designPoint(enc, Array.from({ length: enc.dim }, () => rng.uniform())));
}

function inputFor(space: ParamSpec[], f: (p: Params) => number, n: number, seed: number, extra: Partial<EngineInput> = {}): EngineInput {
  return {
    space, goal: 'minimize', observations: design(space, n, seed).map((params) => ({ params, value: f(params) })),
    pending: [], count: 1, seed, ...extra,
  };
}

/** A 6-point discrete space (k ∈ {0, 1, 2}, c ∈ {x, y}), every point in `all`, and a score with its minimum at {0, y}. */
const tinyDiscrete = (() => {
  const space: ParamSpec[] = [
    { name: 'k', type: 'int', low: 0, high: 2 },
    { name: 'c', type: 'categorical', choices: ['x', 'y'] },
  ];
  const all: Params[] = [];
  for (const k of [0, 1, 2]) for (const c of ['x', 'y']) all.push({ k, c });
  return { space, all, f: (p: Params) => (p.k as number) + (p.c === 'x' ? 1 : 0) };
})();

describe('suggestNext', () => {
  it('suggests valid params of the space that are neither observed nor pending', () => {
    const enc = createEncoding(mixedSpace);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 10 }), fc.integer({ min: 0, max: 3 }), (seed, n, p) => {
        const input = inputFor(mixedSpace, mixedObjective, n, seed, { pending: design(mixedSpace, p, seed + 7), count: 2 });
        const out = suggestNext(input);
        const taken = new Set([...input.observations.map((o) => paramsKey(enc, o.params)), ...input.pending.map((q) => paramsKey(enc, q))]);
        expect(out.suggestions).toHaveLength(2);
        for (const s of out.suggestions) {
          expect(validateParams(enc, s.params)).toEqual([]);
          expect(taken.has(paramsKey(enc, s.params))).toBe(false);
          expect(s.source).toBe('gp-logei');
          expect(Number.isFinite(s.prediction.mean) && s.prediction.std >= 0 && Number.isFinite(s.acquisition)).toBe(true);
        }
      }),
      { seed: 7, numRuns: 8 },
    );
  });

  it('floors σ² at CATEGORICAL_SIGNAL_FLOOR only when the space has a categorical, and null restores the unfloored fit', () => {
    const cat = inputFor(mixedSpace, mixedObjective, 12, 5);
    expect(Math.exp(suggestNext(cat).hyperparameters.logSignalVariance)).toBeGreaterThanOrEqual(CATEGORICAL_SIGNAL_FLOOR * (1 - 1e-12));
    expect(Math.exp(suggestNext(cat, { experiment: { categoricalSignalFloor: 10 } }).hyperparameters.logSignalVariance)).toBeGreaterThanOrEqual(10 * (1 - 1e-12));
    const unfloored = suggestNext(cat, { experiment: { categoricalSignalFloor: null } });
    expect(unfloored.hyperparameters.logSignalVariance).toBeLessThan(Math.log(10));
    const cont = inputFor(quadraticSpace, quadratic, 8, 5);
    expect(suggestNext(cont, { experiment: { categoricalSignalFloor: 10 } })).toEqual(suggestNext(cont));
  });

  it('returns the same suggestions and hyperparameters for the same seed and inputs', () => {
    const input = inputFor(mixedSpace, mixedObjective, 8, 3, { count: 2 });
    expect(suggestNext(input)).toEqual(suggestNext(structuredClone(input)));
  });

  it('moves towards the minimum of a quadratic', () => {
    const input = inputFor(quadraticSpace, quadratic, 10, 5);
    const best = Math.min(...input.observations.map((o) => o.value));
    // A few steps of the loop: the incumbent improves and the last suggestion lands near (0.3, -0.4).
    let previous = undefined;
    for (let t = 0; t < 6; t++) {
      const out = suggestNext({ ...input, seed: t, ...(previous ? { previous } : {}) });
      previous = out.hyperparameters;
      const s = out.suggestions[0]!;
      input.observations.push({ params: s.params, value: quadratic(s.params) });
    }
    const after = Math.min(...input.observations.map((o) => o.value));
    expect(after).toBeLessThan(best);
    expect(after).toBeLessThan(0.01);
  });

  it('maximizes when asked to: the suggestion for -f equals the one for f minimized', () => {
    const input = inputFor(quadraticSpace, quadratic, 8, 2);
    const flipped = { ...input, goal: 'maximize' as const, observations: input.observations.map((o) => ({ ...o, value: -o.value })) };
    const a = suggestNext(input).suggestions[0]!;
    const b = suggestNext(flipped).suggestions[0]!;
    expect(b.params).toEqual(a.params);
    expect(b.prediction.mean).toBeCloseTo(-a.prediction.mean, 9);
  });

  it('with fantasies, moves the next suggestion away from a pending point at the previous one, and keeps batch members apart', () => {
    const input = inputFor(quadraticSpace, quadratic, 10, 11);
    const first = suggestNext(input).suggestions[0]!;
    const second = suggestNext({ ...input, pending: [first.params] }).suggestions[0]!;
    const distance = Math.hypot((first.params.a as number) - (second.params.a as number), (first.params.b as number) - (second.params.b as number));
    const batch = suggestNext(inputFor(quadraticSpace, quadratic, 10, 11, { count: 4 }));
    const xs = batch.suggestions.map((s) => [s.params.a as number, s.params.b as number]);
    let min = Infinity;
    for (let i = 0; i < xs.length; i++) for (let j = 0; j < i; j++) min = Math.min(min, Math.hypot(xs[i]![0]! - xs[j]![0]!, xs[i]![1]! - xs[j]![1]!));
    // Measured 0.90 and 0.0063 (the range is 2 wide); the believer alone gave 0.011 and 0.0014, with a local penalty 0.037 and 0.035 (decision 0005).
    // Near the optimum the fantasies still let batch members refine together: q-EI's marginal, not a repulsion.
    expect(distance).toBeGreaterThan(0.037);
    expect(min).toBeGreaterThan(3e-3);
    expect(second.acquisition).toBeLessThanOrEqual(first.acquisition + 1e-9);
  });

  it('returns distinct points when asked for several at once', () => {
    const enc = createEncoding(mixedSpace);
    const out = suggestNext(inputFor(mixedSpace, mixedObjective, 8, 4, { count: 4 }));
    expect(new Set(out.suggestions.map((s) => paramsKey(enc, s.params))).size).toBe(4);
  });

  it('works on a discrete-only space and reports when it has been exhausted', () => {
    const { space, all, f } = tinyDiscrete;
    const five = { space, goal: 'minimize' as const, observations: all.slice(1).map((params) => ({ params, value: f(params) })), pending: [], count: 1, seed: 1 };
    expect(suggestNext(five).suggestions[0]!.params).toEqual(all[0]);
    const error = (() => {
      try {
        suggestNext({ ...five, pending: [all[0]!] });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).reason).toBe('space-exhausted');
  });

  it('never returns an excluded point, yet does not condition on it', () => {
    const input = inputFor(quadraticSpace, quadratic, 10, 11);
    const first = suggestNext(input);
    const s = first.suggestions[0]!;
    const avoided = suggestNext({ ...input, exclude: [s.params] });
    expect(avoided.suggestions[0]!.params).not.toEqual(s.params);
    // Unlike a pending point, an excluded one leaves the model alone: same fit, and
    // excluding points the engine would not pick anyway changes nothing.
    expect(avoided.hyperparameters).toEqual(first.hyperparameters);
    const elsewhere = [{ a: -0.9, b: 0.9 }, { a: 0.5, b: 0.5 }, { a: 2, b: 0 }]; // the last is out of bounds: ignored
    expect(suggestNext({ ...input, exclude: elsewhere })).toEqual(first);
  });

  it('treats excluded points like taken ones on a finite space', () => {
    const { space, all, f } = tinyDiscrete;
    const input = { space, goal: 'minimize' as const, observations: all.slice(2).map((params) => ({ params, value: f(params) })), pending: [], count: 1, seed: 1 };
    // all[0] = {k: 0, c: x} and all[1] = {k: 0, c: y} are left; y is the better guess.
    expect(suggestNext(input).suggestions[0]!.params).toEqual(all[1]);
    expect(suggestNext({ ...input, exclude: [all[1]!] }).suggestions[0]!.params).toEqual(all[0]);
    expect(() => suggestNext({ ...input, exclude: [all[0]!, all[1]!] })).toThrow(expect.objectContaining({ reason: 'space-exhausted' }));
  });

  it('returns the points left when a finite space runs out part-way through a batch', () => {
    const space: ParamSpec[] = [{ name: 'k', type: 'int', low: 0, high: 5 }];
    const f = (p: Params) => ((p.k as number) - 2) ** 2;
    const input = {
      space, goal: 'minimize' as const, observations: [0, 3, 5].map((k) => ({ params: { k }, value: f({ k }) })),
      pending: [{ k: 4 }], exclude: [{ k: 1 }], count: 4, seed: 2,
    };
    // Of 0..5, only 2 is neither observed, pending nor excluded.
    expect(suggestNext(input).suggestions.map((s) => s.params)).toEqual([{ k: 2 }]);
    expect(suggestNext({ ...input, exclude: [] }).suggestions.map((s) => s.params.k).sort()).toEqual([1, 2]);
    expect(() => suggestNext({ ...input, exclude: [{ k: 1 }, { k: 2 }] })).toThrow(expect.objectContaining({ reason: 'space-exhausted' }));
  });

  it('rejects invalid input with a typed error', () => {
    const input = inputFor(quadraticSpace, quadratic, 4, 1);
    const reason = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as EngineError).reason;
      }
      return null;
    };
    expect(reason(() => suggestNext({ ...input, observations: [] }))).toBe('no-observations');
    expect(reason(() => suggestNext({ ...input, pending: [{ a: 5, b: 0 }] }))).toBe('invalid-input');
    expect(reason(() => suggestNext({ ...input, observations: [{ params: { a: 0, b: 0 }, value: NaN }] }))).toBe('invalid-input');
    expect(reason(() => suggestNext({ ...input, count: 0 }))).toBe('invalid-input');
  });

  it('warm-starts from previous hyperparameters of the same dimension and ignores ones of another', () => {
    const input = inputFor(quadraticSpace, quadratic, 8, 6);
    const out = suggestNext(input);
    expect(out.hyperparameters.logLengthscales).toHaveLength(2);
    expect(() => suggestNext({ ...input, previous: out.hyperparameters })).not.toThrow();
    expect(() => suggestNext({ ...input, previous: { ...out.hyperparameters, logLengthscales: [0] } })).not.toThrow();
  });
});
