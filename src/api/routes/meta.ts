/**
 * The contract, its rendered reference, the error catalogue and the metrics, outside `/v1`.
 * When keys are required they need one too (any scope), unless `PUBLIC_PAGES` opens them
 * (app.ts). The reference page is Swagger UI from the `swagger-ui-dist` package, served by
 * this process: nothing is loaded from a CDN, so it works on an offline cluster, and its
 * Content-Security-Policy allows nothing but this server (security-headers.ts). The error
 * catalogue is a page of its own (error-page.ts) under the same policy.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import swaggerUi from 'swagger-ui-dist';
import { ERRORS_STYLESHEET, errorsPage } from '../error-page.js';
import type { Metrics } from '../metrics.js';
import { pageCsp } from '../security-headers.js';
import { OPENAPI_PATH } from '../spec.js';

const ERRORS_DOC = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Posterior API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/reference.js"></script>
</body>
</html>
`;
// validatorUrl: null keeps Swagger UI from sending the spec's address to validator.swagger.io.
const DOCS_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.yaml', dom_id: '#reference', deepLinking: true, validatorUrl: null });\n`;

export function metaRouter(metrics: Metrics): Router {
  const router = Router();
  const spec = readFileSync(OPENAPI_PATH, 'utf8');
  const errors = errorsPage(readFileSync(ERRORS_DOC, 'utf8'));
  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(spec);
  });
  router.get('/docs', (_req, res) => {
    pageCsp(res);
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/reference.js', (_req, res) => {
    res.type('text/javascript').send(DOCS_SCRIPT);
  });
  router.get('/docs/errors', (_req, res) => {
    pageCsp(res);
    res.type('html').send(errors);
  });
  router.get('/docs/errors.css', (_req, res) => {
    res.type('text/css').send(ERRORS_STYLESHEET);
  });
  router.use('/docs/assets', express.static(swaggerUi.getAbsoluteFSPath(), { index: false, maxAge: '1h' }));
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
