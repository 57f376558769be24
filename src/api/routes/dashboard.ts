/**
 * The dashboard: the static build of `ui/` (`npm run build:ui` → `dist/ui/`), its page at
 * `/` and `/ui/`, its hashed assets under `/ui/assets/`. Nothing else: the app reads the
 * public `/v1` API from the browser like any client. Whether a key is needed to load it is
 * decided before this router (app.ts, `PUBLIC_PAGES`); the page itself asks for a key when
 * the API answers 401 (decision 0022).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { pageCsp } from '../security-headers.js';

/** Where `npm run build` puts the dashboard, from `src/` (tsx) and from `dist/` (node) alike. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/ui', import.meta.url));

/** The dashboard's routes, or none when it has not been built in `dir`. */
export function dashboardRouter(dir: string): Router {
  const router = Router();
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return router;
  const page = readFileSync(indexFile, 'utf8');
  const sendPage: express.RequestHandler = (_req, res) => {
    pageCsp(res);
    // The page names its assets by content hash: it must be read again, they need not.
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(page);
  };
  router.get(['/', '/ui', '/ui/', '/ui/index.html'], sendPage);
  router.use('/ui/assets', express.static(join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: true }));
  return router;
}
