import { expect, test } from 'vitest';
import { median, medianStops } from '../../../src/domain/early-stopping/median.js';

test.each([
  [[3], 3],
  [[1, 3], 2],
  [[5, 1, 3], 3],
  [[4, 1, 3, 2], 2.5],
])('the median of %j is %s', (xs, m) => {
  expect(median(xs)).toBe(m);
});

test('stops a trial whose best so far is strictly worse than the median of the running averages', () => {
  expect(medianStops(0.6, [0.4, 0.5, 0.9], 'minimize')).toEqual({ stop: true, median: 0.5 });
  expect(medianStops(0.5, [0.4, 0.5, 0.9], 'minimize')).toEqual({ stop: false, median: 0.5 });
  expect(medianStops(0.45, [0.4, 0.5, 0.9], 'maximize')).toEqual({ stop: true, median: 0.5 });
});

test('says nothing until three other trials have reached the step', () => {
  expect(medianStops(100, [0.1, 0.2], 'minimize')).toEqual({ stop: false, median: null });
});
