/**
 * Suggestions computed ahead of time, right after an observation, so that the worker
 * that reported it gets its next trial in milliseconds. A prepared suggestion is handed
 * out only if the study is exactly as it was when the suggestion was computed (same
 * trials, same states, same values): then it is the very point a fresh computation would
 * give, conditioned on the same pending trials. Otherwise it is dropped.
 */
import type { SuggestionResult } from './suggester.js';
import { effectiveState, type Trial } from '../trial.js';

/** Studies with a prepared suggestion kept at once; the oldest is dropped first. */
const MAX_PREPARED = 512;

export class PreparedSuggestions {
  private readonly byStudy = new Map<string, { fingerprint: string; result: SuggestionResult }>();
  /** Studies with a preparation queued and not yet started: one is enough. */
  private readonly queued = new Set<string>();

  /** Whether a preparation should be queued for the study (false when one already waits). */
  schedule(studyId: string): boolean {
    if (this.queued.has(studyId)) return false;
    this.queued.add(studyId);
    return true;
  }

  /** Called when a queued preparation starts: later observations may queue another. */
  started(studyId: string): void {
    this.queued.delete(studyId);
  }

  put(studyId: string, fingerprint: string, result: SuggestionResult): void {
    this.byStudy.delete(studyId);
    this.byStudy.set(studyId, { fingerprint, result });
    if (this.byStudy.size > MAX_PREPARED) this.byStudy.delete(this.byStudy.keys().next().value as string);
  }

  /** The prepared suggestion if it was made for exactly this snapshot; it is used at most once. */
  take(studyId: string, fingerprint: string): SuggestionResult | undefined {
    const entry = this.byStudy.get(studyId);
    this.byStudy.delete(studyId);
    return entry?.fingerprint === fingerprint ? entry.result : undefined;
  }
}

/** Identifies a snapshot of a study's trials at time `now`, as far as a suggester can tell. */
export function snapshotFingerprint(trials: Trial[], now: number): string {
  return trials.map((t) => `${t.id}:${effectiveState(t, now)}:${t.value ?? ''}`).join('|');
}
