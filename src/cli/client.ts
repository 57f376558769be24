/**
 * The CLI's connection to the service: openapi-fetch typed by the server's generated
 * `paths`, and the two ways a call can fail (an answered problem, or no answer).
 *
 * NOTE: the CLI ships in dist/ with the server (tsconfig.build.json compiles src/ only), so
 * it cannot import the SDK in clients/typescript; it uses the same generated types from
 * src/api/generated, by a type-only import that leaves nothing in the build.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../api/generated/openapi.js';
import type { GlobalOptions } from './args.js';

export type Problem = components['schemas']['Problem'];
export type Study = components['schemas']['Study'];
export type StudyCreate = components['schemas']['StudyCreate'];
export type Trial = components['schemas']['Trial'];

/** The service answered with an error; its problem document when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem ? `${problem.code} (${status}): ${problem.detail ?? problem.title}` : `HTTP ${status}`);
  }
}

/** No answer at all. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

export type Api = { typed: Client<paths>; url: string };

export function connect(global: GlobalOptions): Api {
  const headers: Record<string, string> = global.apiKey ? { authorization: `Bearer ${global.apiKey}` } : {};
  const guarded = async (request: Request): Promise<Response> => {
    try {
      return await fetch(request);
    } catch (err) {
      const cause = (err as Error).cause as { message?: string } | undefined;
      throw new UnreachableError(`cannot reach Posterior at ${global.url}: ${cause?.message ?? (err as Error).message}`);
    }
  };
  return {
    url: global.url,
    typed: createClient<paths>({ baseUrl: global.url, headers, fetch: guarded }),
  };
}

/** The body of a successful answer, or an ApiError with the problem document. */
export function answer<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw new ApiError(result.response.status, asProblem(result.error));
  return result.data as T;
}

export function asProblem(body: unknown): Problem | undefined {
  return typeof body === 'object' && body !== null && 'code' in body && 'status' in body ? (body as Problem) : undefined;
}
