/**
 * The suggest use case. Requests on one study take turns (`deps.studyLocks`), so each
 * suggestion is conditioned on every trial the previous one leased; requests that arrive
 * while the study is busy are served together as one batch; different studies run side
 * by side. The suggester works on a snapshot outside any transaction (a model
 * fit can take a while); the new trials are then written in one short transaction that
 * first checks that no one took one of the points in the meantime (another server
 * process on the same file), and otherwise starts over from a fresh snapshot.
 */
import { paramsKey } from '../../bo/encoding.js';
import { inTransaction, type Deps } from '../deps.js';
import { CancelledError, ProblemError, type ErrorCode } from '../errors.js';
import { assertCapacity } from './capacity.js';
import { newId } from '../ids.js';
import { assertWithinLimits, countLimitErrors } from '../limits.js';
import type { Outcome } from '../keyed-mutex.js';
import { snapshotFingerprint } from './prepared-suggestions.js';
import { requireStudy } from '../study-lifecycle.js';
import type { ModelState, Suggestion, SuggestionRequest, SuggestionResult } from './suggester.js';
import { encodingOf, type Study } from '../study.js';
import { effectiveState, newTrial, type Trial } from '../trial.js';

/** Answers that mean the study ran out of room: a batch is then served one request at a time. */
const RUNS_OUT = new Set<ErrorCode>(['SEARCH_SPACE_EXHAUSTED', 'STUDY_COMPLETE', 'CONCURRENCY_LIMIT']);

/** Running, queued and all trials of a snapshot at `now`. */
function countsOf(trials: Trial[], now: number): { total: number; pending: number; queued: number } {
  return {
    total: trials.length,
    pending: trials.filter((t) => effectiveState(t, now) === 'pending').length,
    queued: trials.filter((t) => t.state === 'queued').length,
  };
}

/** Fresh snapshots tried before giving up; each retry means another request won a race. */
const MAX_ATTEMPTS = 8;

export type SuggestInput = {
  studyId: string;
  count: number;
  idempotencyKey?: string;
  /** Aborted when the client has gone: its points are not computed for it, nor leased. */
  signal?: AbortSignal;
};

/**
 * Leases `count` new trials. Requests that queue up on one study while it is busy are
 * served together, as one batch of the suggester: one model fit for all of them, each
 * point conditioned on the ones before it.
 */
export function suggest(deps: Deps, input: SuggestInput): Promise<Trial[]> {
  assertWithinLimits(countLimitErrors(input.count, deps.limits));
  const serve = (inputs: SuggestInput[]) => serveBatch(deps, inputs);
  const lock = deps.studyLock;
  return deps.studyLocks.batch(input.studyId, input, lock ? (inputs) => lock.withStudyLock(input.studyId, () => serve(inputs)) : serve);
}

/** Aborts once every one of the signals has: the batch's work is wanted while anyone waits for it. */
function whenAllAborted(signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  if (signals.length === 0 || signals.some((s) => s === undefined)) return undefined;
  const controller = new AbortController();
  const check = () => {
    if (signals.every((s) => s!.aborted)) controller.abort();
  };
  for (const s of signals) s!.addEventListener('abort', check, { once: true });
  check();
  return controller.signal;
}

const requestHash = (input: SuggestInput) => `suggest:count=${input.count}`;

async function serveBatch(deps: Deps, inputs: SuggestInput[]): Promise<Outcome<Trial[]>[]> {
  const outcomes: (Outcome<Trial[]> | undefined)[] = [];
  for (const input of inputs) {
    // A client that left while waiting for its turn is not computed for.
    if (input.signal?.aborted) {
      outcomes.push({ ok: false, error: new CancelledError() });
      continue;
    }
    try {
      const replayed = await replay(deps, input);
      outcomes.push(replayed ? { ok: true, value: replayed } : undefined);
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  // A key repeated inside the batch is served from its first request's trials.
  const firstWithKey = new Map<string, number>();
  const fresh: number[] = [];
  inputs.forEach((input, i) => {
    if (outcomes[i] !== undefined) return;
    const key = input.idempotencyKey;
    if (key !== undefined && firstWithKey.has(key)) return;
    if (key !== undefined) firstWithKey.set(key, i);
    fresh.push(i);
  });

  if (fresh.length > 0) {
    try {
      const trials = await leaseTrials(deps, fresh.map((i) => inputs[i] as SuggestInput));
      fresh.forEach((i, k) => {
        const value = trials[k] as Trial[];
        outcomes[i] = value.length === 0 && inputs[i]!.signal?.aborted ? { ok: false, error: new CancelledError() } : { ok: true, value };
      });
    } catch (error) {
      if (fresh.length > 1 && error instanceof ProblemError && RUNS_OUT.has(error.code)) {
        // A finite space, or a study's trial limits, with room for some of the batch but not
        // all: serve the requests one by one in arrival order, as if they had not queued.
        for (const i of fresh) {
          try {
            outcomes[i] = { ok: true, value: (await leaseTrials(deps, [inputs[i] as SuggestInput]))[0] as Trial[] };
          } catch (each) {
            outcomes[i] = { ok: false, error: each };
          }
        }
      } else {
        for (const i of fresh) outcomes[i] = { ok: false, error };
      }
    }
  }
  return inputs.map((input, i) => {
    const outcome = outcomes[i];
    if (outcome) return outcome;
    const first = outcomes[firstWithKey.get(input.idempotencyKey as string) as number];
    if (!first?.ok) return first ?? { ok: false, error: new Error('unserved suggest') };
    if (first.value.length !== input.count) {
      return { ok: false, error: reusedKey(input.idempotencyKey as string) };
    }
    return first;
  });
}

/** One point a suggest hands out: a queued trial, or a new suggestion. */
type Point = { queued: Trial; suggestion?: undefined } | { queued?: undefined; suggestion: Suggestion };

/**
 * One suggester call and one transaction for every input; the trials of each input, in
 * order. Queued trials go first, oldest first; the suggester proposes the rest, seeing the
 * queued ones handed out as pending. A lost race (another server process took a point, a
 * queued trial or an idempotency key) starts over from a fresh snapshot, replaying the keys
 * that are now recorded.
 */
async function leaseTrials(deps: Deps, inputs: SuggestInput[]): Promise<Trial[][]> {
  const studyId = (inputs[0] as SuggestInput).studyId;
  const result: (Trial[] | null)[] = inputs.map(() => null);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    for (const [i, input] of inputs.entries()) result[i] ??= await replay(deps, input);
    const todo = inputs.map((input, i) => ({ input, i })).filter(({ i }) => result[i] === null);
    if (todo.length === 0) return result as Trial[][];

    const study = await requireStudy(deps, studyId);
    const { points, model } = await proposePoints(deps, study, todo.map(({ input }) => input));
    // A client that left while its points were computed gets none leased: they go back to the pool.
    let offset = 0;
    const wanted = todo.map(({ input, i }) => ({ input, i, points: points.slice(offset, (offset += input.count)) }));
    for (const w of wanted) if (w.input.signal?.aborted) result[w.i] = [];
    const kept = wanted.filter((w) => !w.input.signal?.aborted);
    const written = await writeLease(deps, study, kept, model);
    if (written) {
      kept.forEach(({ i }, k) => (result[i] = written[k] as Trial[]));
      return result as Trial[][];
    }
  }
  throw new Error(`suggest: ${MAX_ATTEMPTS} snapshots in a row lost the race to concurrent requests`);
}

/** The points for `inputs` from a fresh snapshot: queued trials first, then the suggester's. */
async function proposePoints(deps: Deps, study: Study, inputs: SuggestInput[]): Promise<{ points: Point[]; model?: ModelState }> {
  const { store, clock } = deps;
  const total = inputs.reduce((n, input) => n + input.count, 0);
  const now = clock.now();
  const trials = await store.allTrials(study.id);
  const queued = trials.filter((t) => t.state === 'queued').slice(0, total);
  const created = total - queued.length;
  assertCapacity(study, countsOf(trials, now), { leased: total, created });
  const points: Point[] = queued.map((t) => ({ queued: t }));
  if (created === 0) return { points };

  // NOTE: the suggester sees the queued trials handed out here as pending, so that the GP
  // conditions on them as on any running trial and the design does not repeat them (decision 0025).
  const handing = new Set(queued.map((t) => t.id));
  const lease = now + study.options.leaseSeconds * 1000;
  const snapshot = trials.map((t) => (handing.has(t.id) ? { ...t, state: 'pending' as const, leaseExpiresAt: lease } : t));
  const model = await store.studyModel(study.id);
  const signal = whenAllAborted(inputs.map((input) => input.signal));
  const request: SuggestionRequest = {
    study,
    trials: snapshot,
    firstNumber: await store.nextTrialNumber(study.id),
    count: created,
    now,
    ...(model ? { model } : {}),
    ...(signal ? { signal } : {}),
  };
  const prepared = created === 1 && queued.length === 0 ? deps.prepared.take(study.id, snapshotFingerprint(trials, now)) : undefined;
  const proposal: SuggestionResult = prepared ?? (await deps.suggester.suggest(request));
  points.push(...proposal.suggestions.map((suggestion) => ({ suggestion })));
  return { points, ...(proposal.model ? { model: proposal.model } : {}) };
}

/**
 * The one short transaction of a suggest: claims the queued trials, inserts the new ones,
 * stores the model and the idempotency keys. The trials of each input, or null when another
 * request took one of the points, queued trials or keys first.
 */
function writeLease(
  deps: Pick<Deps, 'store' | 'clock'>,
  study: Study,
  kept: { input: SuggestInput; points: Point[] }[],
  model: ModelState | undefined,
): Promise<Trial[][] | null> {
  const points = kept.flatMap((w) => w.points);
  const fresh = points.flatMap((p) => (p.suggestion ? [p.suggestion] : []));
  const encoding = encodingOf(study);
  return inTransaction(deps, async ({ store, clock }): Promise<Trial[][] | null> => {
    // Read again: the study may have been paused or completed while its points were computed.
    const current = await requireStudy({ store }, study.id);
    const now = clock.now();
    assertCapacity(current, await store.trialCounts(study.id, now), { leased: points.length, created: fresh.length });
    const keys = fresh.map((s) => paramsKey(encoding, s.params));
    if ((await store.takenParamsKeys(study.id, keys)).length > 0) return null;
    for (const { input } of kept) {
      if (input.idempotencyKey !== undefined && (await store.findIdempotencyKey(study.id, input.idempotencyKey))) return null;
    }
    const leaseExpiresAt = now + study.options.leaseSeconds * 1000;
    let number = await store.nextTrialNumber(study.id);
    let k = 0;
    const trials: Trial[] = [];
    for (const p of points) {
      if (p.queued) {
        // Another process handed it out, or a user deleted it, since the snapshot.
        if (!(await store.claimQueuedTrial(p.queued.id, leaseExpiresAt))) return null;
        trials.push({ ...p.queued, state: 'pending', leaseExpiresAt });
        continue;
      }
      const s = p.suggestion;
      const trial = newTrial({
        id: newId('tr'),
        studyId: study.id,
        number: number++,
        params: s.params,
        paramsKey: keys[k++] as string,
        source: s.source,
        createdAt: now,
        leaseExpiresAt,
        prediction: s.prediction ?? null,
        acquisition: s.acquisition ?? null,
      });
      await store.insertTrial(trial);
      trials.push(trial);
    }
    if (model) await store.saveStudyModel(study.id, model);
    let at = 0;
    const out: Trial[][] = [];
    for (const { input } of kept) {
      const mine = trials.slice(at, (at += input.count));
      if (input.idempotencyKey !== undefined) {
        await store.insertIdempotencyKey(study.id, input.idempotencyKey, { requestHash: requestHash(input), trialIds: mine.map((t) => t.id) }, now);
      }
      out.push(mine);
    }
    return out;
  });
}

/** The key was first used with another body (on this study, by any operation that takes keys). */
export function reusedKey(key: string): ProblemError {
  return new ProblemError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key '${key}' was first used with a different request body`, [
    { header: 'Idempotency-Key', detail: 'reused with a different body' },
  ]);
}

/** The trials an earlier request with the same idempotency key created, as they are now. */
async function replay(deps: Deps, input: SuggestInput): Promise<Trial[] | null> {
  if (input.idempotencyKey === undefined) return null;
  const record = await deps.store.findIdempotencyKey(input.studyId, input.idempotencyKey);
  if (!record) return null;
  if (record.requestHash !== requestHash(input)) throw reusedKey(input.idempotencyKey);
  const byId = new Map((await deps.store.findTrialsByIds(input.studyId, record.trialIds)).map((t) => [t.id, t]));
  return record.trialIds.map((id) => byId.get(id)).filter((t): t is Trial => t !== undefined);
}

/**
 * Computes the study's next single suggestion in the background (after an observation),
 * so that the next `suggest` finds it ready. Takes the study's turn like a suggest does.
 * Never throws: a failure only means the next suggest computes its point itself.
 *
 * NOTE: only when no other trial of the study is running: with other workers active the
 * prepared point was almost always dropped, which doubled the GP work under bench:load; a
 * single sequential loop, where it pays, never has one (decision 0019).
 */
export function prepareNext(deps: Deps, studyId: string): Promise<void> {
  // A burst of observations (a warm start of many external results) queues one
  // preparation, which then sees all of them, rather than one per observation.
  if (!deps.prepared.schedule(studyId)) return Promise.resolve();
  return deps.studyLocks
    .run(studyId, async () => {
      deps.prepared.started(studyId);
      const study = await deps.store.findStudy(studyId);
      if (!study) return;
      const now = deps.clock.now();
      const trials = await deps.store.allTrials(studyId);
      // A queued trial is handed out before any computed point, so there is nothing to prepare.
      if (trials.some((t) => t.state === 'queued' || effectiveState(t, now) === 'pending')) return;
      const model = await deps.store.studyModel(studyId);
      const result = await deps.suggester.suggest({
        study,
        trials,
        firstNumber: await deps.store.nextTrialNumber(studyId),
        count: 1,
        now,
        ...(model ? { model } : {}),
      });
      deps.prepared.put(studyId, snapshotFingerprint(trials, now), result);
    })
    .catch(() => undefined);
}
