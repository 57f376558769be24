/**
 * The rules study options must satisfy beyond their JSON schema, each broken rule with a
 * JSON pointer into the create-study body (as search-space-rules.ts does for the space).
 */
import type { ParamSpec } from '../bo/search-space.js';
import type { FieldError } from './errors.js';
import type { StudyDraft } from './study.js';
import { gridSize } from './suggest/grid-suggester.js';

/** Every rule the draft's options break; empty when they are valid. */
export function studyOptionErrors(options: StudyDraft['options'], parameters: ParamSpec[]): FieldError[] {
  const errors: FieldError[] = [];
  if (options?.algorithm === 'grid' && !Number.isFinite(gridSize(parameters))) {
    errors.push({ pointer: '#/options/algorithm', detail: 'the grid of this space has more than 2^53 points; lower gridPoints or use another algorithm' });
  }
  const stopping = options?.earlyStopping;
  if (stopping && stopping.rule !== 'none') {
    const at = (field: string) => `#/options/earlyStopping/${field}`;
    if (stopping.maxStep === undefined) {
      errors.push({ pointer: at('maxStep'), detail: `early stopping by '${stopping.rule}' needs maxStep, the step at which a trial is fully trained` });
    } else if ((stopping.minStep ?? 1) > stopping.maxStep) {
      errors.push({ pointer: at('minStep'), detail: `minStep (${stopping.minStep}) must not exceed maxStep (${stopping.maxStep})` });
    }
  }
  return errors;
}
