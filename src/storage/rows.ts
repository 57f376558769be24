/** Mapping between SQLite rows and domain entities; the only place that knows the columns. */
import type { ParamSpec, Params } from '../bo/search-space.js';
import { DEFAULT_ALGORITHM, NO_EARLY_STOPPING, type Study, type StudyState } from '../domain/study.js';
import type { Metadata } from '../domain/metadata.js';
import type { Trial } from '../domain/trial.js';

export type StudyRow = {
  seq: number;
  id: string;
  name: string;
  parameters: string;
  objective: string;
  options: string;
  state: StudyState;
  created_at: number;
  metadata: string | null;
};

export type TrialRow = {
  id: string;
  study_id: string;
  number: number;
  params: string;
  params_key: string;
  state: Trial['state'];
  value: number | null;
  failure_reason: string | null;
  source: Trial['source'];
  created_at: number;
  completed_at: number | null;
  lease_expires_at: number | null;
  prediction_mean: number | null;
  prediction_std: number | null;
  acquisition: number | null;
  metadata: string | null;
};

export function studyFromRow(row: StudyRow): Study {
  return {
    id: row.id,
    name: row.name,
    parameters: JSON.parse(row.parameters) as ParamSpec[],
    objective: JSON.parse(row.objective) as Study['objective'],
    // Studies stored before issue 12 have no algorithm or early stopping: the defaults.
    options: { algorithm: DEFAULT_ALGORITHM, earlyStopping: NO_EARLY_STOPPING, ...(JSON.parse(row.options) as Partial<Study['options']>) } as Study['options'],
    state: row.state,
    createdAt: row.created_at,
    metadata: metadataFromColumn(row.metadata),
  };
}

export function studyToRow(study: Study): Omit<StudyRow, 'seq'> {
  return {
    id: study.id,
    name: study.name,
    parameters: JSON.stringify(study.parameters),
    objective: JSON.stringify(study.objective),
    options: JSON.stringify(study.options),
    state: study.state,
    created_at: study.createdAt,
    metadata: metadataToColumn(study.metadata),
  };
}

export function trialFromRow(row: TrialRow): Trial {
  return {
    id: row.id,
    studyId: row.study_id,
    number: row.number,
    params: JSON.parse(row.params) as Params,
    paramsKey: row.params_key,
    state: row.state,
    value: row.value,
    failureReason: row.failure_reason,
    source: row.source,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    leaseExpiresAt: row.lease_expires_at,
    prediction:
      row.prediction_mean !== null && row.prediction_std !== null
        ? { mean: row.prediction_mean, std: row.prediction_std }
        : null,
    acquisition: row.acquisition,
    metadata: metadataFromColumn(row.metadata),
  };
}

/** NULL is the empty object, so rows written before migration 0005 read as they should. */
export const metadataFromColumn = (text: string | null): Metadata => (text === null ? {} : (JSON.parse(text) as Metadata));
export const metadataToColumn = (metadata: Metadata): string | null => (Object.keys(metadata).length === 0 ? null : JSON.stringify(metadata));
