/**
 * The HTTP server around the app, with its timeouts set on purpose rather than left to
 * Node's defaults. `server.ts` listens on it; the tests start it on a free port.
 *
 * - `headersTimeout`: time from a connection's (or a request's) first moment to the end
 *   of its headers. It also closes a socket that connects and never sends a byte: Node
 *   answers `408` and closes it. Node checks its connections periodically (below), so a
 *   socket goes within one check interval after the timeout.
 * - `requestTimeout`: time to receive the whole request, headers and body. It does not
 *   bound the answer: once the body is in, a suggestion may compute for as long as it
 *   needs (the engine's own deadline bounds that), as test/api/http-server.test.ts checks.
 * - `keepAliveTimeout`: how long an idle kept-alive connection stays open between
 *   requests. Behind a proxy that reuses connections, set it above the proxy's idle timeout.
 *
 * There is no socket inactivity timeout (`server.timeout` stays 0): a quiet socket during a
 * long computation is normal.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export type HttpTimeouts = { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };

/**
 * NOTE: headers from a real client arrive in milliseconds, so 10 s is generous and closes
 * silent sockets six times sooner than Node's 60 s; 30 s receives a 1 MiB body (the limit)
 * at 35 KB/s, against Node's 300 s; 5 s of keep-alive is Node's own default.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 };

/** How often Node looks for connections past their timeouts: every second, or a quarter of a shorter headers timeout. */
export const checkIntervalMs = (headersTimeoutMs: number) => Math.max(10, Math.min(1_000, Math.floor(headersTimeoutMs / 4)));

export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: checkIntervalMs(timeouts.headersTimeoutMs),
    },
    app,
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  return server;
}
