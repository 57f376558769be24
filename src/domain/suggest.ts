/**
 * The suggest use case. Requests on one study take turns (`deps.studyLocks`), so each
 * suggestion is conditioned on every trial the previous one leased; different studies
 * run side by side. The suggester works on a snapshot outside any transaction (a model
 * fit can take a while); the new trials are then written in one short transaction that
 * first checks that no one took one of the points in the meantime (another server
 * process on the same file), and otherwise starts over from a fresh snapshot.
 */
import { createEncoding, paramsKey } from '../bo/encoding.js';
import type { Deps } from './deps.js';
import { ProblemError } from './errors.js';
import { newId } from './ids.js';
import { snapshotFingerprint } from './prepared-suggestions.js';
import { requireStudy } from './studies.js';
import type { Suggestion, SuggestionRequest } from './suggester.js';
import type { Trial } from './trial.js';

/** Fresh snapshots tried before giving up; each retry means another request won a race. */
const MAX_ATTEMPTS = 8;

export type SuggestInput = { studyId: string; count: number; idempotencyKey?: string };

export function suggest(deps: Deps, input: SuggestInput): Promise<Trial[]> {
  return deps.studyLocks.run(input.studyId, () => suggestUnlocked(deps, input));
}

async function suggestUnlocked(deps: Deps, input: SuggestInput): Promise<Trial[]> {
  const { store, clock } = deps;
  const requestHash = `suggest:count=${input.count}`;
  const replayed = replay(deps, input, requestHash);
  if (replayed) return replayed;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const study = requireStudy(deps, input.studyId);
    const request: SuggestionRequest = {
      study,
      trials: store.allTrials(study.id),
      firstNumber: store.nextTrialNumber(study.id),
      count: input.count,
      now: clock.now(),
    };
    const prepared = input.count === 1 ? deps.prepared.take(study.id, snapshotFingerprint(request.trials, request.now)) : undefined;
    const suggestions: Suggestion[] = prepared ? [prepared] : await deps.suggester.suggest(request);
    const encoding = createEncoding(study.parameters);

    const written = store.transaction((): Trial[] | null => {
      const again = replay(deps, input, requestHash);
      if (again) return again;
      requireStudy(deps, study.id);
      const keys = suggestions.map((s) => paramsKey(encoding, s.params));
      if (store.takenParamsKeys(study.id, keys).length > 0) return null;

      const now = clock.now();
      let number = store.nextTrialNumber(study.id);
      const trials = suggestions.map((s, i): Trial => ({
        id: newId('tr'),
        studyId: study.id,
        number: number++,
        params: s.params,
        paramsKey: keys[i] as string,
        state: 'pending',
        value: null,
        failureReason: null,
        source: s.source,
        createdAt: now,
        completedAt: null,
        leaseExpiresAt: now + study.options.leaseSeconds * 1000,
        prediction: s.prediction ?? null,
        acquisition: s.acquisition ?? null,
      }));
      for (const trial of trials) store.insertTrial(trial);
      if (input.idempotencyKey !== undefined) {
        store.insertIdempotencyKey(study.id, input.idempotencyKey, { requestHash, trialIds: trials.map((t) => t.id) }, now);
      }
      return trials;
    });
    if (written) return written;
  }
  throw new Error(`suggest: ${MAX_ATTEMPTS} snapshots in a row lost the race to concurrent requests`);
}

/** The trials an earlier request with the same idempotency key created, as they are now. */
function replay(deps: Deps, input: SuggestInput, requestHash: string): Trial[] | null {
  if (input.idempotencyKey === undefined) return null;
  const record = deps.store.findIdempotencyKey(input.studyId, input.idempotencyKey);
  if (!record) return null;
  if (record.requestHash !== requestHash) {
    throw new ProblemError(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key '${input.idempotencyKey}' was first used with a different request body`,
      [{ header: 'Idempotency-Key', detail: 'reused with a different body' }],
    );
  }
  const byId = new Map(deps.store.findTrialsByIds(input.studyId, record.trialIds).map((t) => [t.id, t]));
  return record.trialIds.map((id) => byId.get(id)).filter((t): t is Trial => t !== undefined);
}

/**
 * Computes the study's next single suggestion in the background (after an observation),
 * so that the next `suggest` finds it ready. Takes the study's turn like a suggest does.
 * Never throws: a failure only means the next suggest computes its point itself.
 */
export function prepareNext(deps: Deps, studyId: string): Promise<void> {
  return deps.studyLocks
    .run(studyId, async () => {
      const study = deps.store.findStudy(studyId);
      if (!study) return;
      const now = deps.clock.now();
      const trials = deps.store.allTrials(studyId);
      const [suggestion] = await deps.suggester.suggest({
        study,
        trials,
        firstNumber: deps.store.nextTrialNumber(studyId),
        count: 1,
        now,
      });
      if (suggestion) deps.prepared.put(studyId, snapshotFingerprint(trials, now), suggestion);
    })
    .catch(() => undefined);
}
