/**
 * `GET /docs`: Swagger UI over `/openapi.json`, its assets served from the installed
 * `swagger-ui-dist` (no CDN: the gateway often runs where browsers reach it but it reaches nothing).
 */
import express, { type Router } from 'express';
// The package's index would load the 1.5 MB browser bundle into Node just to tell us where it lies.
import swaggerUiPath = require('swagger-ui-dist/absolute-path');
import { HttpError } from './errors';

/** What the page loads; anything else under /docs is a 404, so no other file of the package is reachable. */
const ASSETS: ReadonlySet<string> = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);
const ASSET_MAX_AGE_MS = 24 * 3600 * 1000;

/** For text and attribute values of the HTML pages the gateway serves. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(base: string, title: string): string {
  const b = escapeHtml(base);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(title)}</title>
  <link rel="stylesheet" href="${b}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${b}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${b}/swagger-ui-bundle.js"></script>
  <script src="${b}/init.js"></script>
</body>
</html>
`;
}

/** Mount at `/docs` (any prefix works: links follow the mount point). */
export function docsRouter(opts: { specUrl?: string; title?: string } = {}): Router {
  const root = swaggerUiPath();
  // A script file rather than an inline one, so a strict Content-Security-Policy can keep 'self' only.
  const init = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(opts.specUrl ?? '/openapi.json')}, dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;
  const router = express.Router();
  router.get('/', (req, res) => {
    res.type('html').send(page(req.baseUrl, opts.title ?? 'Nightshift API'));
  });
  router.get('/:asset', (req, res, next) => {
    const { asset } = req.params;
    if (asset === 'init.js') {
      res.type('js').send(init);
      return;
    }
    if (!ASSETS.has(asset)) {
      next(new HttpError('not_found', `no file /docs/${asset}`));
      return;
    }
    res.sendFile(asset, { root, maxAge: ASSET_MAX_AGE_MS }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  return router;
}
