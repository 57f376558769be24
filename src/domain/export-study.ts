/** The export use case: a study and every one of its trials, for analysis elsewhere. */
import type { Deps } from './deps.js';
import { getStudy, type StudyView } from './study-lifecycle.js';
import type { Trial } from './trial.js';

export function exportStudy(deps: Deps, studyId: string): { study: StudyView; trials: Trial[] } {
  const study = getStudy(deps, studyId);
  return { study, trials: deps.store.allTrials(studyId) };
}
