/**
 * A real headless Chromium for the jobs page tests: the system's (Debian's `chromium`, found or
 * installed by `npm run setup -- --browser`, which `npm test` runs), driven by playwright-core,
 * which downloads nothing. A failing test leaves a screenshot under test-results/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, TOOLS_STAMPS } from '../../src/stack/paths';

export const RESULTS_DIR = join(REPO_ROOT, 'test-results');

export function chromiumPath(): string {
  if (process.env.NIGHTSHIFT_CHROMIUM) return process.env.NIGHTSHIFT_CHROMIUM;
  try {
    const stamp = JSON.parse(readFileSync(join(TOOLS_STAMPS, 'browser.json'), 'utf8')) as { path?: unknown };
    if (typeof stamp.path === 'string') return stamp.path;
  } catch {
    // fall through to the message below
  }
  throw new Error('no Chromium recorded: run `npm run setup -- --browser` (npm test does) or set NIGHTSHIFT_CHROMIUM');
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

const safe = (name: string) => name.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 120);

/** Runs `fn` on a fresh page; if it throws, a full-page screenshot goes to test-results/<name>.png first. */
export async function withPage<T>(browser: Browser, name: string, fn: (page: Page, context: BrowserContext) => Promise<T>, opts: { viewport?: { width: number; height: number } } = {}): Promise<T> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  try {
    const out = await fn(page, context);
    if (consoleErrors.length) throw new Error(`the page threw: ${consoleErrors.join('; ')}`);
    return out;
  } catch (err) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${safe(name)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { message: `${(err as Error).message} (screenshot: ${file})` });
  } finally {
    await context.close();
  }
}

/**
 * Where the README's screenshots are written, when NIGHTSHIFT_UI_SCREENSHOTS names a folder
 * (`NIGHTSHIFT_UI_SCREENSHOTS=docs/img npm test -- ui` refreshes docs/img/); otherwise nowhere.
 */
export function docsScreenshot(name: string): string | undefined {
  const dir = process.env.NIGHTSHIFT_UI_SCREENSHOTS;
  if (!dir) return undefined;
  const abs = join(REPO_ROOT, dir);
  mkdirSync(abs, { recursive: true });
  return join(abs, name);
}
