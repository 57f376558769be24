/** Use cases on studies: create (idempotent by name), read, list, change state, delete. */
import { requireStudyName, type Principal } from './access.js';
import { inTransaction, type Deps, type StoreDeps } from './deps.js';
import { ProblemError } from './errors.js';
import { newId, newSeed } from './ids.js';
import { applyMetadata, type MetadataPatch } from './metadata.js';
import { assertWithinLimits, spaceLimitErrors } from './limits.js';
import type { Page } from './ports.js';
import { searchSpaceErrors } from './search-space-rules.js';
import {
  DEFAULT_ALGORITHM,
  DEFAULT_LEASE_SECONDS,
  defaultInitialTrials,
  normalizeEarlyStopping,
  normalizeParameters,
  sameDefinition,
  studyState,
  type Study,
  type StudyDraft,
  type StudyState,
} from './study.js';
import { studyOptionErrors } from './study-options-rules.js';
import type { TrialCounts } from './trial.js';

export type StudyView = Study & { trialCounts: TrialCounts; lastActivityAt: number | null };

/**
 * Creates the study, or returns the existing one when a study of that name has the same
 * definition (`created: false`). A different definition under the same name is a conflict.
 * A caller whose key has a study-name prefix may only use names that start with it.
 * Metadata is not part of the definition: the existing study is returned as it is.
 */
export async function createStudy(deps: Deps, draft: StudyDraft, caller?: Principal): Promise<{ study: StudyView; created: boolean }> {
  requireStudyName(caller, draft.name);
  assertWithinLimits(spaceLimitErrors(draft.parameters, deps.limits));
  const errors = searchSpaceErrors(draft.parameters);
  if (errors.length > 0) throw new ProblemError('INVALID_SEARCH_SPACE', errors[0]?.detail, errors);
  const optionErrors = studyOptionErrors(draft.options, draft.parameters);
  if (optionErrors.length > 0) throw new ProblemError('INVALID_OPTIONS', optionErrors[0]?.detail, optionErrors);
  const metadata = applyMetadata({}, draft.metadata);

  return inTransaction(deps, async (tx) => {
    const existing = await tx.store.findStudyByName(draft.name);
    if (existing) {
      if (!sameDefinition(existing, draft)) {
        throw new ProblemError(
          'STUDY_NAME_CONFLICT',
          `a study named '${draft.name}' exists (${existing.id}) with another definition; pick another name or delete it`,
        );
      }
      return { study: await withCounts(tx, existing), created: false };
    }
    const study: Study = {
      id: newId('st'),
      name: draft.name,
      parameters: normalizeParameters(draft.parameters),
      objective: { name: draft.objective.name ?? 'value', goal: draft.objective.goal },
      options: {
        seed: draft.options?.seed ?? newSeed(),
        initialTrials: draft.options?.initialTrials ?? defaultInitialTrials(draft.parameters.length),
        leaseSeconds: draft.options?.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
        algorithm: draft.options?.algorithm ?? DEFAULT_ALGORITHM,
        earlyStopping: normalizeEarlyStopping(draft.options?.earlyStopping),
        ...(draft.options?.maxTrials !== undefined ? { maxTrials: draft.options.maxTrials } : {}),
        ...(draft.options?.maxConcurrentTrials !== undefined ? { maxConcurrentTrials: draft.options.maxConcurrentTrials } : {}),
      },
      state: 'active',
      createdAt: deps.clock.now(),
      metadata,
    };
    await tx.store.insertStudy(study);
    return { study: await withCounts(tx, study), created: true };
  });
}

/** Merges `patch` into the study's metadata (domain/metadata.ts); the study as it is after. */
export function getStudy(deps: Deps, studyId: string): Promise<StudyView> {
  return studyView(deps, studyId);
}

/** The study with its counts, read through `deps.store` (a transaction's, or the store). */
export async function studyView(deps: StoreDeps, studyId: string): Promise<StudyView> {
  return withCounts(deps, await requireStudy(deps, studyId));
}

/**
 * One page of the studies the caller reaches: all of them, or those under its key's prefix;
 * with `state`, only those in that state.
 */
export async function listStudies(deps: Deps, cursor: string | undefined, limit: number, caller?: Principal, state?: StudyState): Promise<Page<StudyView>> {
  const page = await deps.store.listStudies(cursor, limit, {
    ...(caller?.studyPrefix !== undefined ? { namePrefix: caller.studyPrefix } : {}),
    ...(state !== undefined ? { state } : {}),
  });
  const items: StudyView[] = [];
  for (const s of page.items) items.push(await withCounts(deps, s));
  return { items, nextCursor: page.nextCursor };
}

/** What `PATCH /v1/studies/{studyId}` may change. */
/** What a PATCH changes; a field left out stays as it is. Both apply in one transaction, or neither. */
export type StudyPatch = { state?: StudyState; metadata?: MetadataPatch };

/**
 * Changes what a user may set on a study. `paused` stops suggestions and `active` resumes
 * them; `completed` ends the study, and a study completed by a user may be made active
 * again. A study that reached its `maxTrials` stays completed: making it active or paused
 * is 409 STUDY_COMPLETE, since no suggest could be served anyway.
 */
export function updateStudy(deps: Deps, studyId: string, patch: StudyPatch): Promise<StudyView> {
  return inTransaction(deps, async (tx) => {
    const study = await requireStudy(tx, studyId);
    const counts = await tx.store.trialCounts(studyId, tx.clock.now());
    if (patch.state !== undefined) {
      const reached = studyState({ ...study, state: 'active' }, counts) === 'completed';
      if (reached && patch.state !== 'completed') {
        throw new ProblemError(
          'STUDY_COMPLETE',
          `the study has ${counts.total} trials, its maxTrials (${study.options.maxTrials}); it stays completed`,
          [{ pointer: '#/state', detail: `a study that reached its maxTrials cannot be made ${patch.state}` }],
        );
      }
      if (patch.state !== study.state) await tx.store.setStudyState(studyId, patch.state);
    }
    const metadata = patch.metadata === undefined ? study.metadata : applyMetadata(study.metadata, patch.metadata);
    if (patch.metadata !== undefined) await tx.store.updateStudyMetadata(studyId, metadata);
    return withCounts(tx, { ...study, state: patch.state ?? study.state, metadata });
  });
}

export async function deleteStudy(deps: Deps, studyId: string): Promise<void> {
  const deleted = await deps.store.transaction((tx) => tx.deleteStudy(studyId));
  if (!deleted) throw new ProblemError('STUDY_NOT_FOUND', `no study with id '${studyId}'`);
  deps.suggester.forget?.(studyId);
  deps.models.forget(studyId);
}

export async function requireStudy(deps: Pick<StoreDeps, 'store'>, studyId: string): Promise<Study> {
  const study = await deps.store.findStudy(studyId);
  if (!study) throw new ProblemError('STUDY_NOT_FOUND', `no study with id '${studyId}'`);
  return study;
}

/** The study as readers see it: its trial counts, and its state derived from them. */
async function withCounts(deps: StoreDeps, study: Study): Promise<StudyView> {
  const trialCounts = await deps.store.trialCounts(study.id, deps.clock.now());
  return { ...study, state: studyState(study, trialCounts), trialCounts, lastActivityAt: await deps.store.lastActivity(study.id) };
}
