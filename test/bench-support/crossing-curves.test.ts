import { describe, expect, test } from 'vitest';
import { CROSSING_NOISE, crossingCurveMean, crossingCurveRun, crossingCurveShape, type CrossingSettings } from '../../bench/early-stopping/crossing-curves.js';

// u = 0.4, r = 0.6, w = 0.7 (the module's table), momentum: the best limit.
const best: CrossingSettings = { learningRate: 10 ** -2.4, dropout: 0.48, width: 2 ** 7.5, optimizer: 'momentum' };
// u = 0.9, r = 0.1, w = 0.7, adam: a fast starter.
const fast: CrossingSettings = { learningRate: 10 ** -0.4, dropout: 0.08, width: 2 ** 7.5, optimizer: 'adam' };

describe('crossing learning curves', () => {
  test('limits and time constants match the formulas by hand', () => {
    expect(crossingCurveShape(best).final).toBeCloseTo(0.15, 12);
    expect(crossingCurveShape(best).tau).toBeCloseTo(8, 12);
    // f = 0.15 + 0.9·0.25 + 0.25·0.25 + 0.06; τ = 8·e^(−1.5)·(0.6/1.1)·0.5
    expect(crossingCurveShape(fast).final).toBeCloseTo(0.4975, 12);
    expect(crossingCurveShape(fast).tau).toBeCloseTo(8 * Math.exp(-1.5) * (0.6 / 1.1) * 0.5, 12);
    // y(t) = f + (1 − f)·e^(−t/τ)
    expect(crossingCurveMean(best, 27)).toBeCloseTo(0.15 + 0.85 * Math.exp(-27 / 8), 12);
    expect(crossingCurveMean(best, 0)).toBe(1);
  });

  test('the fast starter leads up to epoch 7 (past ASHA rungs 1 and 3) and ends worse', () => {
    for (const t of [1, 3, 7]) expect(crossingCurveMean(fast, t)).toBeLessThan(crossingCurveMean(best, t));
    for (const t of [8, 9, 27]) expect(crossingCurveMean(fast, t)).toBeGreaterThan(crossingCurveMean(best, t));
  });

  test('a run adds seeded noise of standard deviation σ around the mean curve', () => {
    const curve = (seed: number) => Array.from({ length: 27 }, crossingCurveRun(best, seed));
    expect(curve(5)).toEqual(curve(5));
    expect(curve(6)).not.toEqual(curve(5));
    const residuals = Array.from({ length: 200 }, (_, s) => curve(s)).flatMap((c) => c.map((v, t) => v - crossingCurveMean(best, t + 1)));
    const sd = Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / residuals.length);
    expect(sd / CROSSING_NOISE).toBeGreaterThan(0.95);
    expect(sd / CROSSING_NOISE).toBeLessThan(1.05);
  });
});
