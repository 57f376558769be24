/** One vitest test per fuzz suite, with its budget. */
import { expect, test } from 'vitest';
import { formatCampaign, runCampaign } from './campaign.js';
import type { LiveTarget } from './live-target.js';
import { CI_PROFILE } from './request-arbitraries.js';
import { FUZZ_SEED } from './settings.js';
import type { Spec } from './spec-operations.js';
import { fuzzSuite, type SuiteName } from './suites.js';

export type Budget = {
  /** Cases generated, shrinking not counted. */
  numRuns: number;
  /** Wall-clock limit of the whole campaign, shrinking included. */
  timeLimitMs: number;
  /** Wall-clock limit for shrinking one finding. */
  shrinkTimeLimitMs: number;
};

/**
 * A vitest test that runs one suite's campaign and fails with every distinct failure it
 * found, each with its (possibly partly) shrunk reproduction.
 */
export function fuzzTest(title: string, suiteName: SuiteName, spec: Spec, target: () => LiveTarget, budget: Budget): void {
  test(
    title,
    async () => {
      const suite = fuzzSuite(suiteName, spec, CI_PROFILE, target());
      const result = await runCampaign({ arbitrary: suite.arbitrary, run: suite.run, seed: FUZZ_SEED, ...budget });
      const report = formatCampaign(`${suiteName} (FUZZ_SEED=${FUZZ_SEED})`, result, suite.legend);
      expect(result.findings.map((f) => f.failures.map((x) => `[${x.assertion}] ${x.message}`).join('; ')), report).toEqual([]);
    },
    budget.timeLimitMs + 30_000,
  );
}
