/**
 * The four fuzz suites, defined once for `test/fuzz/` and `bench/fuzz.ts`: what each
 * generates, how a case runs against the live server, and how its reports name ids.
 *
 * | suite       | cases                                                                          |
 * |-------------|--------------------------------------------------------------------------------|
 * | `valid`     | requests valid against openapi.yaml, to every `/v1` operation                    |
 * | `mutated`   | the same with one thing wrong: body, path id, query, header or method            |
 * | `transport` | odd content types, malformed or oversized bodies, damaged compression            |
 * | `lifecycle` | a study on a generated space through a generated sequence of calls, then delete |
 */
import fc from 'fast-check';
import type { CaseOutcome } from './campaign.js';
import type { LiveTarget } from './live-target.js';
import { FIXTURE_LEGEND, type RequestCase } from './request-cases.js';
import { mutatedRequest, overOperations, transportRequest, validRequest, type FuzzProfile } from './request-arbitraries.js';
import { RequestRunner } from './request-runner.js';
import type { Spec } from './spec-operations.js';
import { runScenario, scenarioArbitrary } from './study-scenario.js';

export const SUITE_NAMES = ['valid', 'mutated', 'transport', 'lifecycle'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

export type Suite = {
  arbitrary: fc.Arbitrary<unknown>;
  run: (c: unknown) => Promise<CaseOutcome>;
  /** How reports name the fixture's ids, when the suite uses the fixture. */
  legend?: string;
};

/**
 * Bodiless operations that get bodies in the transport suite: the POST without a body,
 * and one GET and one DELETE, which stand for the others (the body parser runs on every
 * route alike).
 */
const BODILESS = ['heartbeatTrial', 'getStudy', 'deleteStudy'];

export function fuzzSuite(name: SuiteName, spec: Spec, profile: FuzzProfile, target: LiveTarget): Suite {
  if (name === 'lifecycle') {
    let serial = 0;
    return {
      arbitrary: scenarioArbitrary(spec, profile),
      run: (s) => runScenario(target, spec, s as Parameters<typeof runScenario>[2], ++serial),
    };
  }
  const runner = new RequestRunner(target, spec, name === 'valid');
  const run = (c: unknown) => runner.run(c as RequestCase);
  switch (name) {
    case 'valid':
      return { arbitrary: overOperations(spec, (op) => validRequest(op, spec, profile)), run, legend: FIXTURE_LEGEND };
    case 'mutated':
      return { arbitrary: overOperations(spec, (op) => mutatedRequest(op, spec, profile)), run, legend: FIXTURE_LEGEND };
    case 'transport': {
      const operations = spec.operations.filter((op) => op.requestBody || BODILESS.includes(op.operationId));
      const arbitrary = fc.oneof(...operations.map((op) => ({ arbitrary: transportRequest(op, spec, profile), weight: op.requestBody ? 3 : 1 })));
      return { arbitrary, run, legend: FIXTURE_LEGEND };
    }
  }
}
