/**
 * Copies everything one store holds into another, empty one, through the `Store` port only,
 * so it works between any two engines (`posterior migrate-storage`): studies with their
 * fitted model, trials with their ids, numbers and states, and reports. Each study is
 * copied in one transaction of the target, all of it or none. Idempotency keys are not
 * copied: the port cannot list them, and they only protect retries in flight, which a
 * migration (servers stopped) has none of.
 */
import type { Store } from '../domain/ports.js';

export type CopyReport = { studies: number; trials: number; reports: number; models: number };

export class TargetNotEmptyError extends Error {
  override readonly name = 'TargetNotEmptyError';
}

export class CopyMismatchError extends Error {
  override readonly name = 'CopyMismatchError';
}

const PAGE = 100;

export async function copyStore(from: Store, to: Store, now: number = Date.now()): Promise<CopyReport> {
  if ((await to.listStudies(undefined, 1)).items.length > 0) {
    throw new TargetNotEmptyError('the target database already has studies; migrate into an empty one');
  }
  const copied: CopyReport = { studies: 0, trials: 0, reports: 0, models: 0 };
  let cursor: string | undefined;
  do {
    const page = await from.listStudies(cursor, PAGE);
    for (const study of page.items) {
      const trials = await from.allTrials(study.id);
      const reports = await from.studyReports(study.id);
      const model = await from.studyModel(study.id);
      await to.transaction(async (tx) => {
        await tx.insertStudy(study);
        if (model) await tx.saveStudyModel(study.id, model);
        for (const trial of trials) await tx.insertTrial(trial);
        for (const [trialId, list] of reports) for (const report of list) await tx.insertTrialReport(study.id, trialId, report);
      });
      copied.studies++;
      copied.trials += trials.length;
      copied.reports += [...reports.values()].reduce((n, list) => n + list.length, 0);
      if (model) copied.models++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await verifyCounts(from, to, now);
  return copied;
}

/** The two stores hold as many studies, and as many trials in each state. */
async function verifyCounts(from: Store, to: Store, now: number): Promise<void> {
  const [a, b] = await Promise.all([from.totals(now), to.totals(now)]);
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new CopyMismatchError(`the copy does not match its source: ${JSON.stringify(a)} in the source, ${JSON.stringify(b)} in the target`);
  }
}
