/** Domain entities as they go on the wire: ISO-8601 times, derived state, no nulls. */
import type { StudyView } from '../domain/study-lifecycle.js';
import { effectiveState, type Trial, type TrialReport } from '../domain/trial.js';
import type { StudyBody, TrialBody } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function studyBody(study: StudyView): StudyBody {
  return {
    id: study.id,
    name: study.name,
    parameters: study.parameters,
    objective: study.objective,
    options: study.options,
    state: study.state,
    createdAt: iso(study.createdAt),
    trialCounts: study.trialCounts,
    metadata: study.metadata,
    ...(study.lastActivityAt !== null ? { lastActivityAt: iso(study.lastActivityAt) } : {}),
  };
}

/** A trial on the wire; `reports` only where the contract shows them (one trial, the export). */
export function trialBody(trial: Trial, now: number, reports?: TrialReport[]): TrialBody {
  const body: TrialBody = {
    id: trial.id,
    number: trial.number,
    params: trial.params,
    state: effectiveState(trial, now),
    source: trial.source,
    createdAt: iso(trial.createdAt),
    metadata: trial.metadata,
  };
  if (trial.value !== null) body.value = trial.value;
  if (trial.failureReason !== null) body.failureReason = trial.failureReason;
  if (trial.completedAt !== null) body.completedAt = iso(trial.completedAt);
  if (trial.leaseExpiresAt !== null) body.leaseExpiresAt = iso(trial.leaseExpiresAt);
  if (trial.prediction !== null) body.prediction = trial.prediction;
  if (trial.acquisition !== null) body.acquisition = trial.acquisition;
  if (reports && reports.length > 0) body.reports = reports.map((r) => ({ step: r.step, value: r.value, at: iso(r.at) }));
  return body;
}
