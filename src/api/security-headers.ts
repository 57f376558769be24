/**
 * Headers on every response that keep a browser from misreading or framing what this
 * server sends: no MIME sniffing, no Referer sent onwards, never in a frame. Answers are
 * JSON, YAML, text or CSV, never meant to load anything, so the default Content-Security-
 * Policy allows nothing; an HTML page sets its own policy with `pageCsp`.
 */
import type { RequestHandler, Response } from 'express';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The policy of an HTML page whose scripts, styles and images all come from this server:
 * no inline script, no eval, no other origin. `img-src data:` is for the icons that
 * Swagger UI's stylesheet embeds as data: URLs. Styles are `'self'` only: Swagger UI sets
 * element styles from script (CSSOM), which a policy does not restrict, and inserts no
 * `<style>` element; the one thing this drops is the `style="text-align"` of aligned
 * columns in Markdown tables of the spec's descriptions (there are none).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', API_CSP);
    next();
  };
}

/** For a route that serves an HTML page (the API reference, the error catalogue, the dashboard). */
export function pageCsp(res: Response): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
}
