/** The export use case: a study and every one of its trials with their reports, for analysis elsewhere. */
import type { Deps } from './deps.js';
import { getStudy, type StudyView } from './study-lifecycle.js';
import type { Trial, TrialReport } from './trial.js';

export function exportStudy(deps: Deps, studyId: string): { study: StudyView; trials: Trial[]; reports: Map<string, TrialReport[]> } {
  const study = getStudy(deps, studyId);
  return { study, trials: deps.store.allTrials(studyId), reports: deps.store.studyReports(studyId) };
}
