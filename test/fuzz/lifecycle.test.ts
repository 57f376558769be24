/**
 * Studies on generated spaces (odd but valid: adjacent doubles as bounds, the widest
 * doubles, `__proto__` and control characters as names, mixed-type choices), driven
 * through generated sequences of suggest, observe, heartbeat, best, trials, export and
 * delete. Every call is checked by the oracle, and the answers against what the sequence
 * did (test/support/fuzz/study-scenario.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import { LiveTarget } from '../support/fuzz/live-target.js';
import { fuzzTest } from '../support/fuzz/fuzz-test.js';
import { CI_TARGET } from '../support/fuzz/settings.js';
import { loadSpec } from '../support/fuzz/spec-operations.js';

const spec = loadSpec();
let target: LiveTarget;
beforeAll(async () => {
  target = await LiveTarget.start(CI_TARGET);
});
afterAll(() => target?.close());

fuzzTest('a study on a generated space lives through generated suggest/observe/read sequences with documented answers', 'lifecycle', spec, () => target, {
  numRuns: 250,
  timeLimitMs: 12_000,
  shrinkTimeLimitMs: 4_000,
});
