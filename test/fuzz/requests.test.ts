/**
 * Requests generated from openapi.yaml against a live server: valid ones, and ones with
 * one thing wrong. The oracle (test/support/fuzz/oracle.ts) checks every answer; each
 * test lists every distinct failure it finds, with a minimal reproduction.
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

fuzzTest('valid requests to every /v1 operation get a documented, well-formed answer and leave the server healthy', 'valid', spec, () => target, {
  numRuns: 1000,
  timeLimitMs: 7_000,
  shrinkTimeLimitMs: 3_000,
});

fuzzTest('requests with one thing wrong get a 4xx problem, change nothing, and leave the server healthy', 'mutated', spec, () => target, {
  numRuns: 1500,
  timeLimitMs: 9_000,
  shrinkTimeLimitMs: 3_000,
});
