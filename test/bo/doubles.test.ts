import { expect, test } from 'vitest';
import { allDoublesBetween, doublesBetween } from '../../src/bo/doubles.js';

test.each([
  [1, 1 + 2 ** -52, 2],
  [0, 5e-324, 2],
  [-0, 0, 1],
  [-5e-324, 5e-324, 3],
  [1, 2, 2 ** 52 + 1],
  [-2, -1, 2 ** 52 + 1],
  [0.5, 0.5, 1],
])('[%s, %s] holds %s doubles', (low, high, count) => {
  expect(doublesBetween(low, high)).toBe(count);
});

test('allDoublesBetween lists each double of a short range once, in order, from low to high', () => {
  expect(allDoublesBetween(-5e-324, 1e-323, 10)).toEqual([-5e-324, 0, 5e-324, 1e-323]);
  expect(allDoublesBetween(1, 1 + 2 ** -51, 10)).toEqual([1, 1 + 2 ** -52, 1 + 2 ** -51]);
  const below = 2 - 2 ** -51;
  expect(allDoublesBetween(below, 2, 10)).toEqual([below, 2 - 2 ** -52, 2]);
});

test('a range of more doubles than allowed is refused, and so is a reversed or non-finite one', () => {
  expect(() => allDoublesBetween(0, 1, 1000)).toThrow(RangeError);
  expect(() => doublesBetween(1, 0)).toThrow(RangeError);
  expect(() => doublesBetween(0, Infinity)).toThrow(RangeError);
});
