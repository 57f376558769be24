/**
 * A typed client for Posterior: `openapi-fetch` over the types generated from openapi.yaml,
 * plus one method per operation that throws a `PosteriorError` for a problem document and
 * retries with backoff where a retry is safe.
 *
 * Retry policy (a 5xx answer, or the server not answering at all):
 * - reads, deletes, heartbeats, create-study (idempotent by name and definition),
 *   observe of a trial id (the same value again is a no-op) and report (the same step and
 *   value again get the same decision) are retried;
 * - enqueue (the same point while still queued returns that trial) and the updates of a
 *   study or a trial (a merge) are retried;
 * - suggest and import are retried with the same `Idempotency-Key`, so a retry returns the
 *   trials of the first attempt instead of leasing or writing new ones;
 * - an observation of `params` made elsewhere is retried only when the connection was
 *   refused (nothing was sent), since a second copy would be a second trial.
 *
 * `metadata` (an object of your own: a run's URL, a checkpoint's path) is merged into the
 * study's or the trial's: the keys sent replace those keys, and a key sent as null is removed.
 */
import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import type { FieldError, ImportTrial, MetadataPatch, paths, Problem, Study, StudyCreate, StudyPatch, Trial, TrialState } from './types.js';

export type PosteriorOptions = {
  /** Base URL of the service; default `http://127.0.0.1:8080`. */
  url?: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Attempts after the first one for a retryable failure; default 4. */
  retries?: number;
  /** First backoff in milliseconds, doubled on every retry (full jitter, capped at 10 s); default 250. */
  backoffMs?: number;
  /** A fetch of your own (tests, proxies); default `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
};

/** An answer of the service that is not a success, carrying its RFC 9457 problem document. */
export class PosteriorError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[];
  readonly problem: Problem | undefined;
  /** Seconds after which the request may succeed, from a 429 or 503's `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, problem: Problem | undefined, fallback: string, retryAfterSeconds?: number) {
    const code = problem?.code ?? `HTTP_${status}`;
    const detail = problem?.detail ?? problem?.title ?? fallback;
    super(`${code} (${status}): ${detail}`);
    this.name = 'PosteriorError';
    this.status = status;
    this.code = code;
    this.detail = problem?.detail;
    this.errors = problem?.errors ?? [];
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The service could not be reached (after the retries the request allowed). */
export class PosteriorUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot reach Posterior at ${url}: ${causeMessage(cause)}`, { cause });
    this.name = 'PosteriorUnreachableError';
  }
}

type Retry = 'always' | 'refused-only';
type Result<T> = { data?: T; error?: unknown; response: Response };

export class Posterior {
  /** The raw typed client (no retries), for anything the methods below do not cover. */
  readonly api: Client<paths>;
  readonly url: string;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(options: PosteriorOptions = {}) {
    this.url = (options.url ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
    this.api = createClient<paths>({
      baseUrl: this.url,
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  createStudy(body: StudyCreate): Promise<Study> {
    return this.send('always', () => this.api.POST('/v1/studies', { body }));
  }

  getStudy(studyId: string): Promise<Study> {
    return this.send('always', () => this.api.GET('/v1/studies/{studyId}', { params: { path: { studyId } } }));
  }

  /** One page of studies, oldest first; `state` keeps only the active, paused or completed ones. */
  listStudies(query: { limit?: number; cursor?: string; state?: Study['state'] } = {}): Promise<{ studies: Study[]; nextCursor: string | null }> {
    return this.send('always', () => this.api.GET('/v1/studies', { params: { query } }));
  }

  async deleteStudy(studyId: string): Promise<void> {
    await this.send('always', () => this.api.DELETE('/v1/studies/{studyId}', { params: { path: { studyId } } }));
  }

  /** Sets the study's `state` and merges `metadata` into its own; what is left out stays. */
  updateStudy(studyId: string, patch: StudyPatch): Promise<Study> {
    return this.send('always', () => this.api.PATCH('/v1/studies/{studyId}', { params: { path: { studyId } }, body: patch }));
  }

  /** Stops suggestions (409 STUDY_PAUSED) while running trials report and finish. */
  pause(studyId: string): Promise<Study> {
    return this.updateStudy(studyId, { state: 'paused' });
  }

  /** Makes a paused study, or one a user completed, suggest again. */
  resume(studyId: string): Promise<Study> {
    return this.updateStudy(studyId, { state: 'active' });
  }

  /** Ends the study: suggest and enqueue answer 409 STUDY_COMPLETE. */
  complete(studyId: string): Promise<Study> {
    return this.updateStudy(studyId, { state: 'completed' });
  }

  /**
   * Queues a configuration to be tried: the next suggest hands it out first. Queuing the
   * point of a trial still queued returns that trial; any other trial's point is
   * 409 DUPLICATE_PARAMS. With `metadata`, the queued trial's metadata is then set.
   */
  async enqueueTrial(studyId: string, params: Trial['params'], metadata?: MetadataPatch): Promise<Trial> {
    const trial = await this.send('always', () =>
      this.api.POST('/v1/studies/{studyId}/trials', { params: { path: { studyId } }, body: { params } }),
    );
    // NOTE: the enqueue operation takes no metadata (TrialEnqueue is params only), so it is
    // a second request; if that one fails, the trial stays queued without it.
    return metadata === undefined ? trial : this.updateTrial(studyId, trial.id, metadata);
  }

  /** Deletes a queued trial; any other is 409 TRIAL_NOT_QUEUED. */
  async deleteTrial(studyId: string, trialId: string): Promise<void> {
    await this.send('always', () => this.api.DELETE('/v1/studies/{studyId}/trials/{trialId}', { params: { path: { studyId, trialId } } }));
  }

  /** Merges `metadata` into the trial's, in any state (a finished one's too). */
  updateTrial(studyId: string, trialId: string, metadata: MetadataPatch): Promise<Trial> {
    return this.send('always', () =>
      this.api.PATCH('/v1/studies/{studyId}/trials/{trialId}', { params: { path: { studyId, trialId } }, body: { metadata } }),
    );
  }

  /**
   * Records results obtained elsewhere as finished trials, all rows or none; resolves them
   * in the order of the rows. Every retry sends the same `Idempotency-Key` (yours, or a
   * random one), so it never imports twice.
   */
  async importTrials(studyId: string, rows: ImportTrial[], options: { idempotencyKey?: string } = {}): Promise<Trial[]> {
    const key = options.idempotencyKey ?? randomUUID();
    const body = await this.send('always', () =>
      this.api.POST('/v1/studies/{studyId}/trials:import', {
        params: { path: { studyId }, header: { 'Idempotency-Key': key } },
        body: { trials: rows },
      }),
    );
    return body.trials;
  }

  /**
   * Leases `count` new pending trials. Every retry of this call sends the same
   * `Idempotency-Key` (yours, or a random one), so it never leases twice.
   */
  async suggest(studyId: string, options: { count?: number; idempotencyKey?: string } = {}): Promise<Trial[]> {
    const key = options.idempotencyKey ?? randomUUID();
    const body = await this.send('always', () =>
      this.api.POST('/v1/studies/{studyId}/suggest', {
        params: { path: { studyId }, header: { 'Idempotency-Key': key } },
        body: { count: options.count ?? 1 },
      }),
    );
    return body.trials;
  }

  observe(studyId: string, trialId: string, value: number, metadata?: MetadataPatch): Promise<Trial> {
    return this.send('always', () =>
      this.api.POST('/v1/studies/{studyId}/observe', { params: { path: { studyId } }, body: { trialId, value, ...withMetadata(metadata) } }),
    );
  }

  /** Reports a crashed run; its point is left out of the model and never suggested again. */
  fail(studyId: string, trialId: string, reason?: string, metadata?: MetadataPatch): Promise<Trial> {
    const body = { trialId, failed: true as const, ...(reason === undefined ? {} : { reason: reason.slice(0, 2000) }), ...withMetadata(metadata) };
    return this.send('always', () => this.api.POST('/v1/studies/{studyId}/observe', { params: { path: { studyId } }, body }));
  }

  /** Records a result measured outside the service (warm start): a new completed trial. */
  observeExternal(studyId: string, params: Trial['params'], value: number, metadata?: MetadataPatch): Promise<Trial> {
    return this.send('refused-only', () =>
      this.api.POST('/v1/studies/{studyId}/observe', { params: { path: { studyId } }, body: { params, value, ...withMetadata(metadata) } }),
    );
  }

  heartbeat(studyId: string, trialId: string): Promise<Trial> {
    return this.send('always', () =>
      this.api.POST('/v1/studies/{studyId}/trials/{trialId}/heartbeat', { params: { path: { studyId, trialId } } }),
    );
  }

  /**
   * Reports a running trial's `value` after `step` training units (epochs, say); resolves
   * true when the service says stop. Then the trial is already `stopped` with this value:
   * stop training, and do not observe it (that answers 409 TRIAL_NOT_PENDING). Steps must
   * not go down, and a step reported again must carry the same value; a retry of the same
   * step and value gets the same decision. A report also renews the trial's lease.
   */
  async report(studyId: string, trialId: string, step: number, value: number, metadata?: MetadataPatch): Promise<boolean> {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number, got ${value}`);
    const answer = await this.send('always', () =>
      this.api.POST('/v1/studies/{studyId}/trials/{trialId}/report', {
        params: { path: { studyId, trialId } },
        body: { step, value, ...withMetadata(metadata) },
      }),
    );
    return answer.decision === 'stop';
  }

  /** One trial, with the values it reported (`reports`). */
  getTrial(studyId: string, trialId: string): Promise<Trial> {
    return this.send('always', () => this.api.GET('/v1/studies/{studyId}/trials/{trialId}', { params: { path: { studyId, trialId } } }));
  }

  best(studyId: string): Promise<Trial> {
    return this.send('always', () => this.api.GET('/v1/studies/{studyId}/best', { params: { path: { studyId } } }));
  }

  trials(
    studyId: string,
    query: { state?: TrialState; limit?: number; cursor?: string } = {},
  ): Promise<{ trials: Trial[]; nextCursor: string | null }> {
    return this.send('always', () => this.api.GET('/v1/studies/{studyId}/trials', { params: { path: { studyId }, query } }));
  }

  /** The study and every one of its trials, in one answer. */
  async exportJson(studyId: string): Promise<{ study: Study; trials: Trial[] }> {
    const body = await this.send('always', () =>
      this.api.GET('/v1/studies/{studyId}/export', { params: { path: { studyId }, query: { format: 'json' } } }),
    );
    // The operation answers JSON or CSV; format=json asks for the JSON one.
    if (typeof body === 'string') throw new Error('the export answered CSV to format=json');
    return body;
  }

  /** Every trial as CSV: one row per trial, one `params.<name>` column per parameter. */
  exportCsv(studyId: string): Promise<string> {
    return this.send('always', () =>
      this.api.GET('/v1/studies/{studyId}/export', {
        params: { path: { studyId }, query: { format: 'csv' } },
        headers: { accept: 'text/csv' },
        parseAs: 'text',
      }),
    );
  }

  /** Every trial of a study, following `nextCursor`. */
  async allTrials(studyId: string, state?: TrialState): Promise<Trial[]> {
    const all: Trial[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.trials(studyId, { ...(state ? { state } : {}), limit: 1000, ...(cursor ? { cursor } : {}) });
      all.push(...page.trials);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }

  private async send<T>(retry: Retry, call: () => Promise<Result<T>>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.retries;
      let result: Result<T>;
      try {
        result = await call();
      } catch (err) {
        if (last || (retry === 'refused-only' && !isConnectionRefused(err))) throw new PosteriorUnreachableError(this.url, err);
        await sleep(this.backoff(attempt));
        continue;
      }
      const { response } = result;
      if (response.status >= 500 && retry === 'always' && !last) {
        await sleep(this.backoff(attempt));
        continue;
      }
      if (!response.ok) throw new PosteriorError(response.status, asProblem(result.error), response.statusText, seconds(response.headers.get('retry-after')));
      return result.data as T;
    }
  }

  private backoff(attempt: number): number {
    // Full jitter: workers that failed together do not retry together.
    return Math.random() * Math.min(10_000, this.backoffMs * 2 ** attempt);
  }
}

const withMetadata = (metadata: MetadataPatch | undefined): { metadata?: MetadataPatch } => (metadata === undefined ? {} : { metadata });

function asProblem(body: unknown): Problem | undefined {
  return typeof body === 'object' && body !== null && 'code' in body ? (body as Problem) : undefined;
}

/** A `Retry-After` in seconds; undefined when absent or an HTTP date (the service sends seconds). */
function seconds(header: string | null): number | undefined {
  const n = header === null ? Number.NaN : Number(header);
  return Number.isFinite(n) ? n : undefined;
}

function causeMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

function isConnectionRefused(err: unknown): boolean {
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
