import { describe, expect, test } from 'vitest';
import { ashaPromotes, bracketCount, bracketOf, maxBracketIndex, rungToJudge, rungsOf, type AshaSettings } from '../../../src/domain/early-stopping/asha.js';

const settings = (mode: AshaSettings['mode'], minStep = 1, maxStep = 27, reductionFactor = 3): AshaSettings => ({ minStep, maxStep, reductionFactor, mode });

describe('brackets and rungs', () => {
  test.each([
    // r, R, η → s_max, by hand: the largest s with r·η^s ≤ R
    [1, 27, 3, 3],
    [1, 26, 3, 2],
    [2, 100, 4, 2],
    [5, 5, 3, 0],
    [1, 1000, 2, 9],
  ])('minStep %i, maxStep %i, η %i give s_max %i', (minStep, maxStep, reductionFactor, s) => {
    expect(maxBracketIndex({ minStep, maxStep, reductionFactor, mode: 'standard' })).toBe(s);
  });

  test('aggressive uses one bracket, conservative every one, standard about half', () => {
    expect(bracketCount(settings('aggressive'))).toBe(1);
    expect(bracketCount(settings('conservative'))).toBe(4);
    expect(bracketCount(settings('standard'))).toBe(2);
    expect(bracketCount(settings('standard', 1, 81))).toBe(3);
  });

  test('bracket b stops from r·η^b, below maxStep; the last conservative bracket never stops', () => {
    const s = settings('conservative');
    expect(rungsOf(0, s)).toEqual([1, 3, 9]);
    expect(rungsOf(1, s)).toEqual([3, 9]);
    expect(rungsOf(2, s)).toEqual([9]);
    expect(rungsOf(3, s)).toEqual([]);
    expect(rungsOf(0, settings('aggressive', 2, 50, 3))).toEqual([2, 6, 18]);
  });

  test('trials fill the brackets in turn by number', () => {
    const s = settings('conservative');
    expect([0, 1, 2, 3, 4, 5].map((n) => bracketOf(n, s))).toEqual([0, 1, 2, 3, 0, 1]);
    expect([0, 1, 2].map((n) => bracketOf(n, settings('aggressive')))).toEqual([0, 0, 0]);
  });

  test('a report is judged at the highest rung it reached that was not judged yet', () => {
    const s = settings('aggressive');
    expect(rungToJudge(1, 0, s, null)).toBe(1);
    expect(rungToJudge(2, 0, s, 1)).toBeNull();
    expect(rungToJudge(3, 0, s, 1)).toBe(3);
    // A report that skips rungs is judged once, at the highest.
    expect(rungToJudge(10, 0, s, 1)).toBe(9);
    expect(rungToJudge(27, 0, s, 9)).toBeNull();
  });
});

describe('promotion at a rung', () => {
  test.each([
    // value, others (minimize), η → promote: k = max(1, ⌊m/η⌋), promoted iff value ≤ k-th best
    [0.5, [], 3, true], // alone: it is the best so far
    [0.5, [0.4], 3, false], // m = 2 < η: only the best goes on
    [0.4, [0.5], 3, true],
    [0.5, [0.5], 3, true], // a tie with the best goes on
    [0.3, [0.1, 0.2, 0.4, 0.5, 0.6], 3, false], // m = 6, k = 2: the cutoff is 0.2
    [0.2, [0.1, 0.3, 0.4, 0.5, 0.6], 3, true],
  ])('value %s against %j with η %i → promote %s', (value, others, eta, promote) => {
    expect(ashaPromotes(value, others, eta, 'minimize').promote).toBe(promote);
  });

  test('a full rung of 9 with η = 3 promotes its best 3, by the goal', () => {
    const values = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6];
    const promoted = values.filter((v, i) => ashaPromotes(v, values.filter((_, j) => j !== i), 3, 'minimize').promote);
    expect(promoted.sort()).toEqual([0.1, 0.2, 0.3]);
    const promotedMax = values.filter((v, i) => ashaPromotes(v, values.filter((_, j) => j !== i), 3, 'maximize').promote);
    expect(promotedMax.sort()).toEqual([0.7, 0.8, 0.9]);
  });

  test('asynchronously, a rung that is not yet full promotes by the values recorded so far', () => {
    // Arrivals at one rung, η = 2: each judged against those before it.
    const arrivals = [0.6, 0.4, 0.5, 0.3, 0.7];
    const decisions = arrivals.map((v, i) => ashaPromotes(v, arrivals.slice(0, i), 2, 'minimize'));
    // m = 1: best; m = 2 (k = 1): 0.4 < 0.6; m = 3 (k = 1): 0.5 > 0.4; m = 4 (k = 2): 0.3 best; m = 5 (k = 2): 0.7 worst.
    expect(decisions.map((d) => d.promote)).toEqual([true, true, false, true, false]);
    expect(decisions.map((d) => d.rank)).toEqual([1, 1, 2, 1, 5]);
    expect(decisions[4]!.cutoff).toBe(0.4);
  });
});
