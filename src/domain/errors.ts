/**
 * The error catalogue: every problem the API can answer, with its stable code, HTTP
 * status and title, in one place (after Fastify's `errors.js`). `docs/errors.md`
 * publishes the same table; test/domain/errors.test.ts fails when the two disagree.
 */

export const errorCatalogue = {
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  MALFORMED_BODY: { status: 400, title: 'The request body could not be decoded' },
  UNAUTHORIZED: { status: 401, title: 'A valid API key is required' },
  FORBIDDEN_SCOPE: { status: 403, title: 'The API key does not allow this call' },
  NOT_FOUND: { status: 404, title: 'No such route' },
  STUDY_NOT_FOUND: { status: 404, title: 'Study not found' },
  TRIAL_NOT_FOUND: { status: 404, title: 'Trial not found' },
  NO_COMPLETED_TRIALS: { status: 404, title: 'The study has no completed trial yet' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this route' },
  STUDY_NAME_CONFLICT: { status: 409, title: 'A study with this name exists with another definition' },
  TRIAL_NOT_PENDING: { status: 409, title: 'The trial is not pending' },
  TRIAL_VALUE_CONFLICT: { status: 409, title: 'The trial was completed with another value' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, title: 'The idempotency key was used for another request' },
  SEARCH_SPACE_EXHAUSTED: { status: 409, title: 'Every point of the search space has been suggested' },
  STUDY_COMPLETE: { status: 409, title: 'The study has all the trials it may have' },
  REPORT_STEP_CONFLICT: { status: 409, title: 'This step was reported with another value' },
  REPORT_STEP_BEHIND: { status: 409, title: 'A later step was already reported' },
  STUDY_PAUSED: { status: 409, title: 'The study is paused' },
  DUPLICATE_PARAMS: { status: 409, title: 'A trial of the study already has these parameters' },
  TRIAL_NOT_QUEUED: { status: 409, title: 'Only a queued trial can be deleted' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is larger than the route accepts' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  VALIDATION_FAILED: { status: 422, title: 'The request does not match the schema' },
  INVALID_SEARCH_SPACE: { status: 422, title: 'The search space is invalid' },
  INVALID_PARAMS: { status: 422, title: 'The parameters do not fit the search space' },
  INVALID_OPTIONS: { status: 422, title: 'The study options are invalid' },
  LIMIT_EXCEEDED: { status: 422, title: 'The request exceeds a configured limit' },
  METADATA_TOO_LARGE: { status: 422, title: 'The metadata is over 16 KiB or nested too deep' },
  INVALID_IMPORT_ROW: { status: 422, title: 'A row of the import is not a valid trial' },
  RATE_LIMITED: { status: 429, title: 'Too many requests for this API key' },
  ENGINE_BUSY: { status: 429, title: 'The engine is busy; retry later' },
  CONCURRENCY_LIMIT: { status: 429, title: 'The study has as many running trials as it may' },
  INTERNAL_ERROR: { status: 500, title: 'Internal server error' },
  NOT_READY: { status: 503, title: 'The service is not ready' },
  MODEL_UNAVAILABLE: { status: 503, title: 'The model of the study could not be computed' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The database cannot be reached; retry later' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** Where in the request a problem lies (RFC 9457 §3 extension members). */
export type FieldError = { detail: string; pointer?: string; parameter?: string; header?: string };

/** Thrown by use cases and mapped to a problem document by the API's error handler. */
export class ProblemError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  /** Seconds after which a retry may succeed (429, 503): sent as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, detail?: string, errors?: FieldError[], options: { retryAfterSeconds?: number } = {}) {
    super(detail ?? errorCatalogue[code].title);
    this.name = 'ProblemError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.errors = errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The client went away before its answer was ready: the work was dropped and nothing was written. */
export class CancelledError extends Error {
  constructor(message = 'the client closed the request before its answer was ready') {
    super(message);
    this.name = 'CancelledError';
  }
}
