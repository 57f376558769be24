import { ProblemError } from '../domain/errors.js';

/** Cursors are opaque to clients; both engines make them a non-negative integer position. */
export function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new ProblemError('VALIDATION_FAILED', 'cursor is not one this server handed out', [
      { parameter: 'cursor', detail: 'must be the nextCursor of a previous page' },
    ]);
  }
  return Number(cursor);
}
