/**
 * Whether a study takes a suggestion now: its state (a paused or completed study does not),
 * its `maxTrials` and its `maxConcurrentTrials`. Checked before a suggestion is computed, and
 * again in the transaction that writes it (the study may have been paused meanwhile, or
 * another process may have leased).
 */
import { ProblemError } from '../errors.js';
import type { Study } from '../study.js';
import type { TrialCounts } from '../trial.js';

/** Seconds a client is told to wait when the study has as many running trials as it may. */
export const CONCURRENCY_RETRY_SECONDS = 30;

/**
 * What one suggest asks of a study: `leased` trials handed out in all, of which `created`
 * are new (the others were queued, and already count among its trials).
 */
export type Demand = { leased: number; created: number };

/** Throws STUDY_PAUSED, STUDY_COMPLETE or CONCURRENCY_LIMIT when the demand does not fit. */
export function assertCapacity(study: Study, counts: Pick<TrialCounts, 'total' | 'pending' | 'queued'>, demand: Demand): void {
  if (study.state === 'paused') {
    throw new ProblemError('STUDY_PAUSED', `study ${study.id} is paused; it suggests again once made active (PATCH with state active)`);
  }
  if (study.state === 'completed') {
    throw new ProblemError('STUDY_COMPLETE', `study ${study.id} was marked completed; it suggests again once made active (PATCH with state active)`);
  }
  const { maxTrials, maxConcurrentTrials, leaseSeconds } = study.options;
  if (maxTrials !== undefined && counts.total + demand.created > maxTrials) {
    const left = counts.queued + Math.max(0, maxTrials - counts.total);
    const queued = counts.queued > 0 ? ` (${counts.queued} of them queued)` : '';
    throw new ProblemError('STUDY_COMPLETE', `the study has ${counts.total} of its ${maxTrials} trials${queued}; ${left} more may be asked for, not ${demand.leased}`);
  }
  if (maxConcurrentTrials !== undefined && counts.pending + demand.leased > maxConcurrentTrials) {
    const retryAfterSeconds = Math.min(CONCURRENCY_RETRY_SECONDS, leaseSeconds);
    throw new ProblemError(
      'CONCURRENCY_LIMIT',
      `the study has ${counts.pending} running trials of the ${maxConcurrentTrials} it may have at once; ${demand.leased} more do not fit`,
      undefined,
      { retryAfterSeconds },
    );
  }
}
