import { describe, expect, test } from 'vitest';
import { defaultInitialTrials } from '../../src/domain/study.js';

describe('defaultInitialTrials', () => {
  // min(10, max(5, 2d + 2)): unchanged up to d = 4, capped at 10 above (decision 0027).
  test.each([
    [1, 5],
    [2, 6],
    [3, 8],
    [4, 10],
    [5, 10],
    [6, 10],
    [20, 10],
    [30, 10],
  ])('a space of %i parameters starts with %i design points', (d, n0) => {
    expect(defaultInitialTrials(d)).toBe(n0);
  });
});
