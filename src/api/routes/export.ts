/** `GET /v1/studies/{studyId}/export?format=json|csv`. */
import { stringify } from 'csv-stringify/sync';
import { Router } from 'express';
import type { Deps } from '../../domain/deps.js';
import { exportStudy } from '../../domain/export-study.js';
import { studyBody, trialBody } from '../presenters.js';
import { queryString } from './query.js';

/**
 * A CSV cell that a spreadsheet will not run as a formula: a string that starts with `=`,
 * `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's advice against CSV
 * injection), e.g. a failure reason `=cmd|' /C calc'!A0` or a categorical choice `@SUM(A1)`.
 * Numbers stay as they are (a value or a numeric choice of -0.5 is -0.5), but a string choice
 * "-1" is text and gets its quote too. A string that starts with `'` gets one more, so that
 * `posterior import` can take exactly one off (cli/csv.ts): "'=1" and "=1" stay apart.
 * The JSON export is always exact.
 */
export function spreadsheetSafe(cell: unknown): unknown {
  return typeof cell === 'string' && /^[=+\-@\t\r']/.test(cell) ? `'${cell}` : cell;
}

export function exportRouter(deps: Deps): Router {
  const router = Router();
  router.get('/v1/studies/:studyId/export', async (req, res) => {
    const { study, trials, reports } = await exportStudy(deps, req.params.studyId);
    const now = deps.clock.now();
    const bodies = trials.map((t) => trialBody(t, now, reports.get(t.id)));
    const filename = study.name.replace(/[^\w.-]+/g, '_');
    if (queryString(req, 'format') === 'csv') {
      const names = study.parameters.map((p) => p.name);
      const header = ['number', 'id', 'state', 'value', 'source', 'createdAt', 'completedAt', 'leaseExpiresAt', 'failureReason', 'metadata'];
      // Metadata as JSON text, before the parameters: readers find those at the end of a row.
      const cell = (t: (typeof bodies)[number], column: string) => (column === 'metadata' ? JSON.stringify(t.metadata) : (t[column as keyof typeof t] ?? ''));
      const rows = bodies.map((t) => [...header.map((column) => cell(t, column)), ...names.map((name) => t.params[name] ?? '')].map(spreadsheetSafe));
      res.setHeader('Content-Disposition', `attachment; filename="${filename}.csv"`);
      res.type('text/csv').send(stringify([[...header, ...names.map((n) => `params.${n}`)], ...rows], { cast: { boolean: String } }));
      return;
    }
    res.setHeader('Content-Disposition', `attachment; filename="${filename}.json"`);
    res.json({ study: studyBody(study), trials: bodies });
  });
  return router;
}
