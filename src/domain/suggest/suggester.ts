/**
 * The one interface between the use cases and whatever proposes new points (the
 * space-filling design, then the Gaussian-process engine). A suggester reads a
 * snapshot and returns candidates; it never writes. The `suggest` use case inserts them
 * in a short transaction and asks again if a concurrent request took one of the points.
 */
import type { Params } from '../../bo/search-space.js';
import type { Study } from '../study.js';
import type { Trial, TrialSource } from '../trial.js';

export type SuggestionRequest = {
  study: Study;
  /** Every trial of the study at the time of the snapshot, by number. */
  trials: Trial[];
  /** Number of the first trial to be created; candidates are numbered on from it. */
  firstNumber: number;
  count: number;
  /** Epoch ms of the snapshot, to tell pending from stale. */
  now: number;
  /** The study's last fitted model, as a suggester returned it, to warm-start from. */
  model?: ModelState;
  /** A study that exists for this request only (the stateless endpoint): nothing about it is worth keeping. */
  transient?: boolean;
  /** Aborted when no one waits for the answer any more: the suggester may stop early. */
  signal?: AbortSignal;
};

/** A suggester's fitted model, opaque to the use cases, stored with the study as JSON. */
export type ModelState = { kind: string; state: unknown };

export type SuggestionResult = {
  suggestions: Suggestion[];
  /** The model fitted for these suggestions, to be stored with the study; absent when none was fitted. */
  model?: ModelState;
};

export type Suggestion = {
  params: Params;
  source: TrialSource;
  prediction?: { mean: number; std: number };
  acquisition?: number;
};

export interface Suggester {
  /**
   * `count` distinct points, none equal to the point of any trial in the snapshot.
   * Throws `ProblemError('SEARCH_SPACE_EXHAUSTED')` when a finite space has fewer unused points.
   */
  suggest(request: SuggestionRequest): Promise<SuggestionResult>;
  /** Drops whatever is kept warm for the study (it was deleted). */
  forget?(studyId: string): void;
}
