/** Typed reads of query parameters that express-openapi-validator has already checked. */
import type { Request } from 'express';

export const DEFAULT_PAGE_SIZE = 100;

export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

export function queryLimit(req: Request): number {
  const value = req.query.limit;
  // The validator coerces query integers in place; accept the string form too.
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : DEFAULT_PAGE_SIZE;
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_PAGE_SIZE;
}
