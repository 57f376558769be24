/** The export use case: a study and every one of its trials with their reports, for analysis elsewhere. */
import { inTransaction, type Deps } from './deps.js';
import { studyView, type StudyView } from './study-lifecycle.js';
import type { Trial, TrialReport } from './trial.js';

/** Read in one transaction, so that the trials and reports are those of one moment. */
export function exportStudy(deps: Deps, studyId: string): Promise<{ study: StudyView; trials: Trial[]; reports: Map<string, TrialReport[]> }> {
  return inTransaction(deps, async (tx) => {
    const study = await studyView(tx, studyId);
    return { study, trials: await tx.store.allTrials(studyId), reports: await tx.store.studyReports(studyId) };
  });
}
