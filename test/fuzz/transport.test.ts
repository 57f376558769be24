/**
 * The bytes around the JSON: wrong or odd `Content-Type`, malformed and oversized bodies,
 * and `Content-Encoding` (gzip, deflate, br: sound, corrupt, truncated, bombs; unknown
 * names), sent to every operation that takes a body and to a few that do not
 * (test/support/fuzz/suites.ts).
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

fuzzTest('odd content types, malformed or oversized bodies and damaged compression get a documented 4xx problem', 'transport', spec, () => target, {
  numRuns: 600,
  timeLimitMs: 5_000,
  shrinkTimeLimitMs: 2_000,
});
