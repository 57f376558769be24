/**
 * A fuzz campaign: fast-check runs the cases and shrinks a failing one, and failures
 * already found do not count, so that one campaign lists every distinct failure (by the
 * oracle's signature) with a minimal reproduction, instead of stopping at the first.
 *
 * Round r runs with seed `seed + r` until a case fails in a new way or the run budget
 * ends; fast-check shrinks that case (only cases failing in a new way count while it
 * shrinks), its signatures join the known ones, and the next round starts. A time limit
 * ends the whole campaign, shrinking included.
 */
import fc from 'fast-check';
import type { Failure } from './oracle.js';

export type CaseOutcome = { failures: Failure[]; transcript: string[] };

export type Finding = {
  failures: Failure[];
  transcript: string[];
  /** Seed of the round that found it: `fc.check` with this seed replays the search. */
  seed: number;
};

export type CampaignResult = { findings: Finding[]; runs: number; shrinks: number; elapsedMs: number; interrupted: boolean };

export type CampaignOptions<T> = {
  arbitrary: fc.Arbitrary<T>;
  run: (c: T) => Promise<CaseOutcome>;
  seed: number;
  /** Cases generated, over all rounds (shrinking not counted). */
  numRuns: number;
  /** Wall-clock budget of the whole campaign. */
  timeLimitMs: number;
  /**
   * Longest time spent shrinking one finding; past it, the smallest failing case so far
   * is reported. Default: no limit but the campaign's. A hang costs about a second per
   * shrink step, so `npm test` bounds this to leave time for other findings.
   */
  shrinkTimeLimitMs?: number;
  /** Stop after this many distinct findings. */
  maxFindings?: number;
  /** Called as each finding is made (the bench prints them as they come). */
  onFinding?: (finding: Finding) => void;
};

export async function runCampaign<T>(options: CampaignOptions<T>): Promise<CampaignResult> {
  const started = performance.now();
  const deadline = started + options.timeLimitMs;
  const known = new Set<string>();
  const findings: Finding[] = [];
  let runs = 0;
  let shrinks = 0;
  let interrupted = false;
  for (let round = 0; runs < options.numRuns && findings.length < (options.maxFindings ?? Infinity); round++) {
    const remainingMs = deadline - performance.now();
    if (remainingMs <= 0) {
      interrupted = true;
      break;
    }
    let last: CaseOutcome | null = null;
    let shrinkingSince: number | null = null;
    let inFlight: Promise<unknown> = Promise.resolve();
    const property = fc.asyncProperty(options.arbitrary, async (c) => {
      // Past the shrink budget, every further candidate passes unrun, and fast-check stops shrinking.
      if (shrinkingSince !== null && performance.now() - shrinkingSince > (options.shrinkTimeLimitMs ?? Infinity)) return true;
      const running = options.run(c);
      inFlight = running.catch(() => undefined);
      const outcome = await running;
      if (!outcome.failures.some((f) => !known.has(f.signature))) return true;
      last = outcome;
      shrinkingSince ??= performance.now();
      return false;
    });
    const seed = options.seed + round;
    const details = await fc.check(property, {
      seed,
      numRuns: options.numRuns - runs,
      plugins: [fc.interruptAfterTimeLimit(remainingMs)],
    });
    // fast-check stops waiting for a case at the time limit, but the case goes on (it may be
    // restarting the server): let it end before anything else uses the server.
    await inFlight;
    runs += details.numRuns;
    shrinks += details.numShrinks;
    interrupted = details.interrupted;
    const outcome = last as CaseOutcome | null;
    if (details.failed && !outcome) {
      // The runner itself threw: a broken harness must not pass as "no failures found".
      throw new Error(`the fuzz runner failed (seed ${seed}, counterexample ${fc.stringify(details.counterexample)}): ${String(details.errorInstance)}`, {
        cause: details.errorInstance,
      });
    }
    if (!details.failed || !outcome) break;
    const fresh = outcome.failures.filter((f) => !known.has(f.signature));
    for (const f of fresh) known.add(f.signature);
    const finding = { failures: fresh, transcript: outcome.transcript, seed };
    findings.push(finding);
    options.onFinding?.(finding);
    if (details.interrupted) break;
  }
  return { findings, runs, shrinks, elapsedMs: performance.now() - started, interrupted };
}

/** A finding as a report shows it: what was wrong, then the minimal reproduction. */
export function formatFinding(f: Finding, index: number): string {
  const head = f.failures.map((x) => `[${x.assertion}] ${x.message}`).join('\n   ');
  const steps = f.transcript.map((line) => `   ${line.replace(/\n/g, '\n   ')}`).join('\n');
  return `${index + 1}. ${head}\n${steps}\n   (seed ${f.seed})`;
}

/** One line: how many distinct failures, cases, shrink steps and seconds. */
export function campaignSummary(title: string, result: CampaignResult): string {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  return `${title}: ${result.findings.length} distinct failure(s) in ${result.runs} cases and ${result.shrinks} shrink steps, ${seconds} s${result.interrupted ? ' (time limit reached)' : ''}`;
}

/** The summary and every finding, for an assertion message. */
export function formatCampaign(title: string, result: CampaignResult, legend?: string): string {
  const lines = [campaignSummary(title, result)];
  if (legend && result.findings.length > 0) lines.push(`where ${legend}`);
  result.findings.forEach((f, i) => lines.push(formatFinding(f, i)));
  return lines.join('\n');
}
