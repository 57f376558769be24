/**
 * A study's `maxTrials` and `maxConcurrentTrials`: checked before a suggestion is computed,
 * and again in the transaction that writes it (another process may have leased meanwhile).
 */
import { ProblemError } from '../errors.js';
import type { Study } from '../study.js';
import type { TrialCounts } from '../trial.js';

/** Seconds a client is told to wait when the study has as many running trials as it may. */
export const CONCURRENCY_RETRY_SECONDS = 30;

/** Throws STUDY_COMPLETE or CONCURRENCY_LIMIT when `count` more trials do not fit. */
export function assertCapacity(study: Study, counts: Pick<TrialCounts, 'total' | 'pending'>, count: number): void {
  const { maxTrials, maxConcurrentTrials, leaseSeconds } = study.options;
  if (maxTrials !== undefined && counts.total + count > maxTrials) {
    const left = Math.max(0, maxTrials - counts.total);
    throw new ProblemError('STUDY_COMPLETE', `the study has ${counts.total} of its ${maxTrials} trials; ${left} more may be asked for, not ${count}`);
  }
  if (maxConcurrentTrials !== undefined && counts.pending + count > maxConcurrentTrials) {
    const retryAfterSeconds = Math.min(CONCURRENCY_RETRY_SECONDS, leaseSeconds);
    throw new ProblemError(
      'CONCURRENCY_LIMIT',
      `the study has ${counts.pending} running trials of the ${maxConcurrentTrials} it may have at once; ${count} more do not fit`,
      undefined,
      { retryAfterSeconds },
    );
  }
}
