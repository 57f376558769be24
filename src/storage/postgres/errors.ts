/**
 * PostgreSQL's failures in the domain's terms: a database that cannot be reached (refused,
 * reset, shutting down, too many connections, or the connection lost mid-query) is
 * `503 SERVICE_UNAVAILABLE` with `Retry-After`, never a 500; any other error is a bug or a
 * constraint, and goes on as it is (its SQLSTATE in `code`, for the transaction's retry).
 */
import { ProblemError } from '../../domain/errors.js';

/** Seconds a client should wait before retrying while the database is away. */
export const RETRY_AFTER_SECONDS = 1;

const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, and class 08 (connection exception). */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /connection.*(closed|ended)/i];

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  return NODE_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08') || MESSAGES.some((m) => m.test(error.message));
}

export function translatePgError(error: unknown): unknown {
  if (error instanceof ProblemError || !isUnavailable(error)) return error;
  return new ProblemError('SERVICE_UNAVAILABLE', `the database cannot be reached (${(error as Error).message}); retry in ${RETRY_AFTER_SECONDS} s`, undefined, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
}
