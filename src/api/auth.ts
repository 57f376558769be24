/** Optional bearer-key authentication for `/v1`, on when `API_KEYS` is set. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ProblemError } from '../domain/errors.js';

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * Accepts `Authorization: Bearer <key>` for any key in `keys`. Keys are compared as
 * SHA-256 digests with `timingSafeEqual`, and every key is compared on every request, so
 * neither a key's length nor which key matched shows in the response time.
 */
export function bearerAuth(keys: string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, _res, next) => {
    const match = /^Bearer +(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    let ok = false;
    if (match) {
      const presented = digest(match[1] as string);
      for (const d of digests) ok = timingSafeEqual(d, presented) || ok;
    }
    if (!ok) {
      throw new ProblemError(
        'UNAUTHORIZED',
        match ? 'the bearer key is not valid' : 'send Authorization: Bearer <key> with one of the server\'s API keys',
        [{ header: 'Authorization', detail: match ? 'unknown key' : 'missing or not a bearer token' }],
      );
    }
    next();
  };
}
