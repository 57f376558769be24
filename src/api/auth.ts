/**
 * Bearer-key authentication: who is calling. It runs before the body is read, so a request
 * without a valid key is answered `401` whatever it carries. What the caller may do is
 * decided per operation by `authorization.ts`, with the rules of `domain/access.ts`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { ApiKey, Principal } from '../domain/access.js';
import { ProblemError } from '../domain/errors.js';

/**
 * Pages outside `/v1` that need a key when keys are required, unless `PUBLIC_PAGES`
 * opens them: `metrics` is `/metrics`; `docs` is `/docs` (with its assets and
 * `/docs/errors`) and `/openapi.yaml`; `dashboard` is `/` and `/ui/...`.
 */
export const PAGES = ['metrics', 'docs', 'dashboard'] as const;
export type Page = (typeof PAGES)[number];

/** Mount paths of each page, matched the way Express matches routes (a prefix, any case). */
const PAGE_PATHS: Record<Page, string[]> = { metrics: ['/metrics'], docs: ['/docs', '/openapi.yaml'], dashboard: ['/ui'] };

/** The mount paths of the pages that stay closed, and whether `/` itself is (the dashboard's root). */
export function closedPages(publicPages: readonly Page[]): { prefixes: string[]; root: boolean } {
  const closed = PAGES.filter((p) => !publicPages.includes(p));
  return { prefixes: closed.flatMap((p) => PAGE_PATHS[p]), root: closed.includes('dashboard') };
}

type Entry = { principal: Principal; digest: Buffer };

/**
 * The configured keys, swapped whole on SIGHUP. `required` is fixed at start-up: emptying
 * the key file locks every caller out, it never opens the API.
 */
export class KeyRing {
  private entries: Entry[] = [];

  constructor(
    keys: ApiKey[],
    readonly required: boolean = keys.length > 0,
  ) {
    this.replace(keys);
  }

  replace(keys: ApiKey[]): void {
    this.entries = keys.map(({ sha256, ...principal }) => ({ principal, digest: Buffer.from(sha256, 'hex') }));
  }

  /**
   * The principal whose digest equals the presented secret's. Every digest is compared on
   * every call with `timingSafeEqual`, so neither the key's length nor which key matched
   * shows in the time taken.
   */
  find(secret: string): Principal | undefined {
    const presented = createHash('sha256').update(secret, 'utf8').digest();
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
    }
    return found;
  }
}

const principals = new WeakMap<IncomingMessage, Principal>();

/** The caller of an authenticated request; undefined when no key was needed. */
export function principalOf(req: IncomingMessage): Principal | undefined {
  return principals.get(req);
}

/** Answers `401 UNAUTHORIZED` unless `Authorization: Bearer <key>` carries a configured key. */
export function requireKey(keys: KeyRing): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer +(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const principal = match ? keys.find(match[1] as string) : undefined;
    if (!principal) {
      throw new ProblemError(
        'UNAUTHORIZED',
        match ? 'the bearer key is not valid' : "send Authorization: Bearer <key> with one of the server's API keys",
        [{ header: 'Authorization', detail: match ? 'unknown key' : 'missing or not a bearer token' }],
      );
    }
    principals.set(req, principal);
    next();
  };
}
