/**
 * The suggester a study gets: its `options.algorithm` picks how points are chosen. `gp`
 * is the Gaussian-process engine after the initial design (gp-suggester.ts); the others
 * are model-free: uniform draws, the study's Sobol' sequence continued, or the grid.
 */
import { designSuggestions } from './design-suggester.js';
import { gridSuggestions } from './grid-suggester.js';
import type { Suggester, SuggestionRequest, SuggestionResult } from './suggester.js';

export class StudySuggester implements Suggester {
  constructor(private readonly gp: Suggester) {}

  async suggest(request: SuggestionRequest): Promise<SuggestionResult> {
    switch (request.study.options.algorithm) {
      case 'gp':
        return this.gp.suggest(request);
      case 'random':
        return { suggestions: designSuggestions(request, { randomOnly: true }) };
      case 'sobol':
        return { suggestions: designSuggestions(request, { sobolOnly: true }) };
      case 'grid':
        return { suggestions: gridSuggestions(request) };
    }
  }

  forget(studyId: string): void {
    this.gp.forget?.(studyId);
  }
}
