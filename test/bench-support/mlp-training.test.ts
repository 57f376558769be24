import { describe, expect, test } from 'vitest';
import { createRng } from '../../src/bo/rng.js';
import { mlpNetwork, mlpTrainingRun, VALIDATION_LOSS_CAP, type MlpSettings } from '../../bench/early-stopping/mlp-training.js';
import { spiralDataset, spiralSplits } from '../../bench/early-stopping/spiral-data.js';

const good: MlpSettings = { learningRate: 0.07, l2: 1e-3, hidden: 32, batchSize: 8, momentum: 0.85, activation: 'tanh' };

describe('the spiral data set', () => {
  test('is the same for the same seed, balanced over three classes, with about 8% of labels redrawn', () => {
    const a = spiralDataset(600, 1);
    expect(spiralDataset(600, 1)).toEqual(a);
    expect(spiralDataset(600, 2).x).not.toEqual(a.x);
    expect([a.n, a.p, a.classes, a.x.length]).toEqual([600, 6, 3, 3600]);
    // Rows are generated for class i mod 3; a redrawn label differs from it two times in three.
    const changed = Array.from(a.y).filter((y, i) => y !== i % 3).length / a.n;
    expect(changed).toBeGreaterThan(0.02);
    expect(changed).toBeLessThan(0.1);
  });
});

describe('the network', () => {
  test('back-propagation matches central finite differences of the mean loss', () => {
    const data = spiralDataset(12, 3);
    for (const activation of ['tanh', 'relu'] as const) {
      const net = mlpNetwork(data.p, 5, data.classes, activation, createRng(4));
      for (let i = 0; i < data.n; i++) net.addGradient(data, i);
      const eps = 1e-6;
      for (const ly of net.layers) {
        for (const [values, grads] of [[ly.w, ly.gw], [ly.b, ly.gb]] as const) {
          for (let j = 0; j < values.length; j += 3) {
            const v = values[j]!;
            values[j] = v + eps;
            const up = net.meanLoss(data);
            values[j] = v - eps;
            const down = net.meanLoss(data);
            values[j] = v;
            expect(grads[j]! / data.n).toBeCloseTo((up - down) / (2 * eps), 6);
          }
        }
      }
    }
  });

  test('a well-set run learns: validation loss falls below chance (ln 3) and the same seed gives the same curve', () => {
    const { train, validation } = spiralSplits();
    const run = mlpTrainingRun(good, train, validation, 9);
    const curve = Array.from({ length: 12 }, run);
    expect(curve[11]!).toBeLessThan(Math.log(3) - 0.2);
    const again = mlpTrainingRun(good, train, validation, 9);
    expect(Array.from({ length: 12 }, again)).toEqual(curve);
  });

  test('a diverging run scores finite values no worse than the cap', () => {
    const { train, validation } = spiralSplits();
    const run = mlpTrainingRun({ learningRate: 1, l2: 1e-5, hidden: 64, batchSize: 8, momentum: 0.95, activation: 'relu' }, train, validation, 1);
    const curve = Array.from({ length: 5 }, run);
    for (const v of curve) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeLessThanOrEqual(VALIDATION_LOSS_CAP);
    }
    expect(Math.max(...curve)).toBeGreaterThan(Math.log(3));
  });
});
