/**
 * The one error handler: every error becomes an RFC 9457 problem document
 * (`application/problem+json`) whose `code` comes from the domain's catalogue. Library
 * errors that reach HTTP (body-parser, express-openapi-validator) are translated here,
 * the layer that owns those libraries.
 */
import type { ErrorRequestHandler, Request } from 'express';
import { CancelledError, errorCatalogue, ProblemError, type ErrorCode, type FieldError } from '../domain/errors.js';
import type { ProblemBody } from './types.js';

/** The id of a code's entry on the `/docs/errors` page: `INVALID_SEARCH_SPACE` → `invalid-search-space`. */
export const problemAnchor = (code: ErrorCode) => code.toLowerCase().replace(/_/g, '-');

/** `type` of every problem: a relative reference to its entry in the published catalogue. */
export const problemType = (code: ErrorCode) => `/docs/errors#${problemAnchor(code)}`;

export function problemBody(code: ErrorCode, detail: string | undefined, instance: string, errors?: FieldError[]): ProblemBody {
  const { status, title } = errorCatalogue[code];
  const body: ProblemBody = { type: problemType(code), title, status, code, instance };
  if (detail !== undefined) body.detail = detail;
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

type ValidatorItem = { path: string; message: string; errorCode?: string };
type HttpishError = Error & {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: unknown;
  errno?: unknown;
  errors?: ValidatorItem[];
  headers?: Record<string, string>;
};

/** body-parser's error when the client closed the connection before its body was in. */
const isAbortedBody = (err: unknown) => (err as HttpishError | undefined)?.type === 'request.aborted';

/** Maps any thrown value to a ProblemError; unknown errors become null (a 500). */
export function toProblem(err: unknown): ProblemError | null {
  if (err instanceof ProblemError) return err;
  if (!(err instanceof Error)) return null;
  const e = err as HttpishError;
  // body-parser (express.json) and raw-body, which it reads with. Not mapped, so a 500:
  // 'stream.encoding.set' and 'stream.not.readable' (another middleware read the body
  // first: our bug), and 'entity.verify.failed' and 'parameters.too.many', which need
  // options and parsers we do not use.
  switch (e.type) {
    case 'entity.parse.failed':
      return new ProblemError('MALFORMED_JSON', `the body is not valid JSON: ${e.message}`);
    case 'entity.too.large':
      return new ProblemError('PAYLOAD_TOO_LARGE');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemError('UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'request.aborted':
      return new ProblemError('MALFORMED_BODY', 'the client closed the connection before the body was complete');
    case 'request.size.invalid':
      return new ProblemError('MALFORMED_BODY', 'the body is not as long as its Content-Length says');
  }
  // A corrupt gzip, deflate or br body: body-parser passes on zlib's own error (which has a
  // numeric errno and a code such as Z_DATA_ERROR) with status 400 and no type.
  if (e.type === undefined && status(e) === 400 && typeof e.errno === 'number' && typeof e.code === 'string') {
    return new ProblemError('MALFORMED_BODY', `the body could not be decoded by its Content-Encoding: ${e.message}`);
  }
  // express-openapi-validator
  if (Array.isArray(e.errors) && status(e) !== undefined) {
    switch (status(e)) {
      case 400: {
        const items = relevantItems(e.errors);
        return new ProblemError('VALIDATION_FAILED', summarize(items), items.map(fieldError));
      }
      case 404:
        return new ProblemError('NOT_FOUND', `no route ${e.message === 'not found' ? '' : e.message}`.trim());
      case 405:
        return new ProblemError('METHOD_NOT_ALLOWED', e.message);
      case 413:
        return new ProblemError('PAYLOAD_TOO_LARGE');
      case 415:
        return new ProblemError('UNSUPPORTED_MEDIA_TYPE', e.message);
    }
  }
  return null;
}

const status = (e: HttpishError) => e.status ?? e.statusCode;

const ONE_OF = 'must match exactly one schema in oneOf';

/**
 * Ajv reports every branch of a failed `oneOf`. The "additional property" complaints of
 * the branches the client did not mean, and the oneOf summary itself, only confuse: keep
 * the rest, once each.
 */
function relevantItems(items: ValidatorItem[]): ValidatorItem[] {
  const failedOneOf = items.some((i) => i.message === ONE_OF);
  const kept = items.filter(
    (i) => !(failedOneOf && (i.message === ONE_OF || i.message === 'must NOT have additional properties')),
  );
  const seen = new Set<string>();
  return (kept.length > 0 ? kept : items).filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function summarize(items: ValidatorItem[]): string {
  const first = items[0];
  if (!first) return 'the request does not match the schema';
  const where = fieldError(first);
  const at = where.pointer ?? where.parameter ?? where.header ?? '';
  return `${at} ${first.message}`.trim();
}

/** `/body/parameters/0/low` → pointer `#/parameters/0/low`; `/query/limit` → parameter `limit`. */
function fieldError(item: ValidatorItem): FieldError {
  const [, location, ...rest] = item.path.split('/');
  const field = rest.join('/');
  switch (location) {
    case 'body':
      return { pointer: `#/${field}`.replace(/\/$/, ''), detail: item.message };
    case 'query':
    case 'params':
      return { parameter: field, detail: item.message };
    case 'headers':
      return { header: field, detail: item.message };
    default:
      return { pointer: '#', detail: item.message };
  }
}

type ProblemLog = { error(obj: object, msg: string): void; info(obj: object, msg: string): void };

export function problemHandler(log: ProblemLog): ErrorRequestHandler {
  return (err: unknown, req: Request, res, _next) => {
    if (err instanceof CancelledError) {
      // The client is gone: there is no one to answer, and nothing was written.
      log.info({ reqId: req.id }, 'request cancelled by the client');
      return;
    }
    const problem = toProblem(err) ?? new ProblemError('INTERNAL_ERROR', 'an unexpected error occurred; it was logged');
    if (problem.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(problem.retryAfterSeconds));
    if (problem.code === 'INTERNAL_ERROR') log.error({ err, reqId: req.id }, 'unhandled error');
    if (isAbortedBody(err)) {
      // The client is gone: nothing to answer, and nothing wrong with the server.
      const { received, expected } = err as HttpishError & { received?: number; expected?: number };
      log.info({ reqId: req.id, received, expected }, 'request aborted by the client while sending its body');
      res.destroy();
      return;
    }
    if (problem.code === 'UNAUTHORIZED') res.setHeader('WWW-Authenticate', 'Bearer');
    const allow = (err as HttpishError)?.headers?.Allow;
    if (problem.code === 'METHOD_NOT_ALLOWED' && allow) res.setHeader('Allow', allow);
    if (res.headersSent) return;
    const detail = problem.message === errorCatalogue[problem.code].title ? undefined : problem.message;
    res
      .status(problem.status)
      .type('application/problem+json')
      .json(problemBody(problem.code, detail, req.originalUrl, problem.errors));
  };
}
