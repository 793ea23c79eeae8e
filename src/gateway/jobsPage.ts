/**
 * `GET /ui`: the jobs page, plain HTML, CSS and ES modules from `src/gateway/ui/` (no build step,
 * nothing from a CDN). The page itself holds no data: it calls the `/v1` API from the browser
 * with the API key the user gives it, so it sees exactly what that key may see. Every path under
 * /ui is the page (it routes on the client), so a job's page can be linked to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { FINAL_STATUSES, JOB_STATUSES } from '../job/messages';
import { REPO_ROOT } from '../stack/paths';
import { escapeHtml } from './docsPage';
import { HttpError } from './errors';

export const UI_DIR = join(REPO_ROOT, 'src', 'gateway', 'ui');
const ASSET = /^[a-zA-Z][a-zA-Z0-9]*\.(?:js|css)$/;
/** Scripts and styles change with the gateway's version; a short cache keeps a deploy visible within minutes. */
const ASSET_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * Only this origin's scripts, styles and API; no inline script, no framing. Presigned result
 * links point at S3 but are plain navigations, which connect-src does not govern.
 */
const CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface JobsPageOptions {
  /** The Temporal Web UI the page links to (config.temporal.uiUrl). */
  temporalUiUrl: string;
}

/** Mount at `/ui`: links and the API base follow the mount point (`/ui` → API at `/`). */
export function jobsPageRouter(opts: JobsPageOptions): Router {
  const template = readFileSync(join(UI_DIR, 'index.html'), 'utf8');
  // Read once: what the page may load is what shipped with this gateway, and nothing else under src/.
  const assets = new Set(readdirSync(UI_DIR).filter((f) => ASSET.test(f)));
  const router = express.Router();

  router.get('/assets/:asset', (req, res, next) => {
    const { asset } = req.params;
    if (!assets.has(asset)) {
      next(new HttpError('not_found', `no file ${req.baseUrl}/assets/${asset}`));
      return;
    }
    res.setHeader('x-content-type-options', 'nosniff');
    res.sendFile(asset, { root: UI_DIR, maxAge: ASSET_MAX_AGE_MS }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });

  router.get(['/', '/jobs/:id', '/schedules'], (req, res) => {
    const base = req.baseUrl;
    const html = template
      .replaceAll('{{BASE}}', escapeHtml(base))
      .replaceAll('{{API}}', escapeHtml(base.replace(/\/ui$/, '')))
      .replaceAll('{{TEMPORAL_UI}}', escapeHtml(opts.temporalUiUrl))
      .replaceAll('{{STATUSES}}', JOB_STATUSES.join(','))
      .replaceAll('{{FINAL_STATUSES}}', FINAL_STATUSES.join(','));
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(html);
  });
  return router;
}
