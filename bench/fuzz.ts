/**
 * The fuzz suites of `test/fuzz/`, for longer: more cases, bigger spaces if asked, and
 * every finding shrunk to a minimal reproduction. Never part of `npm test`.
 *
 *   npm run bench:fuzz -- --runs 2000 --seed 7
 *   npm run bench:fuzz -- --runs 500 --suites lifecycle --profile bench --minutes 20
 *
 * --runs N               cases per suite (default 1000)
 * --seed S               seed of the first round (default FUZZ_SEED, else the tests' seed)
 * --suites a,b           valid, mutated, transport, lifecycle (default: all four)
 * --profile ci|bench     sizes: `ci` is what npm test runs; `bench` has bigger spaces and counts
 * --minutes M            time limit per suite, shrinking included (default 10)
 * --shrink-seconds X     time limit for shrinking one finding (default 120)
 * --timeout-ms T         deadline of one request (default 10000)
 * --health-timeout-ms H  deadline of /healthz, the blocked-event-loop threshold (default 1000)
 *
 * Prints each distinct failure as it is found, then a summary per suite; exits 1 when
 * any suite found one.
 */
import { parseArgs } from 'node:util';
import { campaignSummary, formatFinding, runCampaign, type CampaignResult } from '../test/support/fuzz/campaign.js';
import { LiveTarget } from '../test/support/fuzz/live-target.js';
import { BENCH_PROFILE, CI_PROFILE } from '../test/support/fuzz/request-arbitraries.js';
import { FUZZ_SEED } from '../test/support/fuzz/settings.js';
import { loadSpec } from '../test/support/fuzz/spec-operations.js';
import { fuzzSuite, SUITE_NAMES, type SuiteName } from '../test/support/fuzz/suites.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string', default: String(FUZZ_SEED) },
    suites: { type: 'string', default: SUITE_NAMES.join(',') },
    profile: { type: 'string', default: 'ci' },
    minutes: { type: 'string', default: '10' },
    'shrink-seconds': { type: 'string', default: '120' },
    'timeout-ms': { type: 'string', default: '10000' },
    'health-timeout-ms': { type: 'string', default: '1000' },
  },
});

const number = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got '${raw}'`);
  return n;
};
const runs = number('runs', values.runs, 1);
const seed = number('seed', values.seed, 0);
const suites = values.suites.split(',').map((s) => s.trim());
for (const s of suites) if (!(SUITE_NAMES as readonly string[]).includes(s)) throw new Error(`unknown suite '${s}' (known: ${SUITE_NAMES.join(', ')})`);
if (values.profile !== 'ci' && values.profile !== 'bench') throw new Error(`--profile must be ci or bench, got '${values.profile}'`);
const profile = values.profile === 'ci' ? CI_PROFILE : BENCH_PROFILE;

const spec = loadSpec();
const target = await LiveTarget.start({
  requestTimeoutMs: number('timeout-ms', values['timeout-ms'], 100),
  healthTimeoutMs: number('health-timeout-ms', values['health-timeout-ms'], 50),
});
console.log(`fuzzing with seed ${seed}, ${runs} cases per suite, profile ${values.profile}, server ${target.url}`);

const results: [string, CampaignResult][] = [];
try {
  for (const name of suites as SuiteName[]) {
    const suite = fuzzSuite(name, spec, profile, target);
    console.log(`\n== ${name}`);
    let found = 0;
    const result = await runCampaign({
      arbitrary: suite.arbitrary,
      run: suite.run,
      seed,
      numRuns: runs,
      timeLimitMs: number('minutes', values.minutes, 0) * 60_000,
      shrinkTimeLimitMs: number('shrink-seconds', values['shrink-seconds'], 0) * 1000,
      onFinding: (f) => console.log(`${formatFinding(f, found++)}\n`),
    });
    results.push([name, result]);
    console.log(campaignSummary(name, result));
    if (suite.legend && result.findings.length > 0) console.log(`where ${suite.legend}`);
  }
} finally {
  await target.close();
}

console.log('\n== summary');
for (const [name, r] of results) {
  console.log(`${name}: ${r.findings.length} distinct failure(s), ${r.runs} cases, ${r.shrinks} shrink steps, ${(r.elapsedMs / 1000).toFixed(1)} s`);
  for (const f of r.findings) console.log(`  - [${f.failures[0]?.assertion}] ${f.failures[0]?.message.slice(0, 200)}`);
}
console.log(`server restarts after hangs or crashes: ${target.restarts}`);
process.exitCode = results.some(([, r]) => r.findings.length > 0) ? 1 : 0;
