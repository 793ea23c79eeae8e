/**
 * The jobs page in a real headless Chromium (playwright-core driving the system's chromium):
 * jobs submitted through the API appear and finish on the page, a job's controls act on the
 * real workflow, failures link to their errors/ files, schedules are steered from their page,
 * and with API keys the page asks for one and shows only what it may see. A failing test leaves
 * a screenshot under test-results/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ApiKeyStore, sha256Hex } from '../src/gateway/apiKeys';
import { isFinal } from '../src/job/messages';
import { deleteSchedules, startGateway, type AnswerBody, type GatewayHarness } from './helpers/gatewayHarness';
import { suiteModelServer, users, withWorker } from './helpers/jobHarness';
import { docsScreenshot, launchChromium, withPage } from './helpers/browser';

const T = { timeout: 240_000 };

async function waitForJob(gw: GatewayHarness, jobId: string, pred: (b: AnswerBody) => boolean, timeoutMs = 120_000): Promise<AnswerBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await gw.get(`/v1/jobs/${jobId}`);
    if (res.status === 200 && pred(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${jobId}; last ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The chip of the job page's heading reads `status`. */
const headingStatus = (page: Page, status: string) => page.locator(`.title .chip[data-status="${status}"]`).waitFor({ timeout: 90_000 });

/** Answers the page's confirmation dialog with its confirm button. */
async function confirm(page: Page, label: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: label, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

describe('jobs page in a real browser', { timeout: 900_000 }, () => {
  const model = suiteModelServer();
  let gw: GatewayHarness;
  let browser: Browser;
  const schedules = new Set<string>();
  const worker = <R>(fn: () => Promise<R>) => withWorker({ taskQueue: gw.config.temporal.taskQueue, tfservingTarget: model.target }, fn);
  const spec = (jobId: string, items: number, batchSize: number, parallelism: number) => ({
    job_id: jobId,
    model: { name: 'recommender' },
    input: { item_list: { items: users(0, items), batch_size: batchSize } },
    output: { s3_path: gw.outputPath },
    parallelism,
  });

  before(async () => {
    gw = await startGateway({ queryTimeoutMs: 3000, updateTimeoutMs: 10_000 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    if (gw) await deleteSchedules(gw.temporal, schedules);
    await gw?.close();
  });

  test('a submitted job appears in the list, its bar moves to 100%, and its page shows progress, throughput and results', T, async () => {
    // 40 batches of 250 ms at parallelism 2: at least 5 s of running, so the page sees the bar between 0 and 100.
    model.server.faults.set({ latency: { kind: 'fixed', ms: 250 } });
    const jobId = gw.jobId('ui-run');
    let live: AnswerBody | undefined;
    await withPage(browser, 'ui-run', async (page) => {
      await worker(async () => {
        await page.goto(`${gw.url}/ui`);
        await page.getByRole('heading', { name: 'Jobs' }).waitFor();
        const res = await gw.post('/v1/jobs', spec(jobId, 4000, 100, 2));
        assert.equal(res.status, 201, JSON.stringify(res.body));

        const row = page.locator(`tr[data-job-id="${jobId}"]`);
        await row.waitFor({ timeout: 30_000 });
        const bar = row.getByRole('progressbar', { name: `Progress of ${jobId}` });
        const seen = new Set<number>();
        const deadline = Date.now() + 120_000;
        for (;;) {
          const now = Number(await bar.getAttribute('aria-valuenow'));
          seen.add(now);
          if (now === 100) break;
          assert.ok(Date.now() < deadline, `bar stuck at ${now}%`);
          await page.waitForTimeout(200);
        }
        assert.ok([...seen].some((v) => v < 100), `the bar was never seen below 100%: ${[...seen].join(', ')}`);
        await row.locator('.chip[data-status="succeeded"]').waitFor({ timeout: 60_000 });
        assert.match((await bar.getAttribute('aria-valuetext')) ?? '', /4,000 of 4,000 items/);

        await row.getByRole('link', { name: jobId }).click();
        await page.waitForURL(`**/ui/jobs/${jobId}`);
        await page.getByRole('heading', { name: jobId }).waitFor();
        await headingStatus(page, 'succeeded');
        const panel = page.locator('dl.panel');
        await panel.getByText('4,000 succeeded · 0 failed · 4,000 total').waitFor();
        await panel.getByText('40 succeeded · 0 failed · 0 in flight · 40 total').waitFor();
        // Throughput per 10 s from the workflow's timeline: at least one bar, all items accounted for.
        const chart = page.getByRole('img', { name: /^Throughput per 10 s over \d+ intervals/ });
        await chart.waitFor();
        const timeline = await gw.get(`/v1/jobs/${jobId}/timeline`);
        assert.equal(timeline.status, 200);
        live = timeline.body;
        const points = timeline.body.throughput as { at: string; items_per_s: number }[];
        assert.equal(timeline.body.source, 'workflow');
        assert.equal(timeline.body.bucket_s, 10);
        assert.ok(points.length >= 1);
        assert.equal(await chart.locator('rect').count(), points.length);
        await page.getByText('No failures.').waitFor();

        // Presigned links to the manifest and every part: the browser's links are what S3 serves.
        const manifest = page.getByRole('link', { name: 'manifest.json' });
        await manifest.waitFor();
        const body = (await (await fetch((await manifest.getAttribute('href'))!)).json()) as { job_id: string; items_succeeded: number; throughput: { items: number[] } };
        assert.equal(body.job_id, jobId);
        assert.equal(body.items_succeeded, 4000);
        assert.equal(body.throughput.items.reduce((a, b) => a + b, 0), 4000, 'the manifest’s throughput series counts every item once');
        const partLinks = page.locator('ul.files a');
        assert.equal(await partLinks.count(), 40);
        const firstPart = await (await fetch((await partLinks.first().getAttribute('href'))!)).text();
        assert.equal(firstPart.trim().split('\n').length, 100);
        const temporal = page.getByRole('link', { name: 'Open in Temporal Web UI' });
        assert.equal(await temporal.getAttribute('href'), `${gw.config.temporal.uiUrl}/namespaces/${gw.config.temporal.namespace}/workflows/${jobId}`);
        const jobShot = docsScreenshot('job-page.png');
        if (jobShot) await page.screenshot({ path: jobShot, fullPage: true });
      });
      // No worker left to answer the query: the same timeline comes from the manifest.
      const fromManifest = await gw.get(`/v1/jobs/${jobId}/timeline`);
      assert.equal(fromManifest.body.source, 'manifest');
      assert.deepEqual(fromManifest.body.throughput, live?.throughput);
      assert.deepEqual(fromManifest.body.failures, []);
      const uiShot = docsScreenshot('temporal-web-ui-job.png');
      if (uiShot) {
        await page.goto(`${gw.config.temporal.uiUrl}/namespaces/${gw.config.temporal.namespace}/workflows/${jobId}`);
        await page.getByText(jobId).first().waitFor({ timeout: 30_000 });
        await page.waitForTimeout(2000); // the Web UI fills its panels after the first paint
        await page.screenshot({ path: uiShot });
      }
    });
  });

  test('pause, resume, parallelism and cancel from the job page act on the running workflow', T, async () => {
    // 200 batches of 300 ms at parallelism 1: a minute of work, cancelled long before its end.
    model.server.faults.set({ latency: { kind: 'fixed', ms: 300 } });
    const jobId = gw.jobId('ui-cancel');
    await withPage(browser, 'ui-cancel', async (page) => {
      await worker(async () => {
        const res = await gw.post('/v1/jobs', spec(jobId, 2000, 10, 1));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        await page.goto(`${gw.url}/ui/jobs/${jobId}`);
        await headingStatus(page, 'running');

        await page.getByRole('button', { name: 'Pause', exact: true }).click();
        await confirm(page, 'Pause');
        await headingStatus(page, 'paused');
        assert.equal((await gw.get(`/v1/jobs/${jobId}`)).body.status, 'paused');
        await page.getByRole('button', { name: 'Resume', exact: true }).click();
        await confirm(page, 'Resume');
        await headingStatus(page, 'running');

        await page.getByLabel('Parallelism', { exact: true }).fill('3');
        await page.getByRole('button', { name: 'Set', exact: true }).click();
        await confirm(page, 'Set parallelism');
        await page.getByText('Parallelism is now 3.').waitFor();
        assert.equal((await gw.get(`/v1/jobs/${jobId}`)).body.parallelism, 3);

        // Going back from the dialog changes nothing.
        await page.getByRole('button', { name: 'Cancel job', exact: true }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Go back' }).click();
        await page.waitForTimeout(1000);
        assert.equal((await gw.get(`/v1/jobs/${jobId}`)).body.status, 'running');

        await page.getByRole('button', { name: 'Cancel job', exact: true }).click();
        await confirm(page, 'Cancel job');
        await headingStatus(page, 'cancelled');
        const final = await waitForJob(gw, jobId, (b) => isFinal(b.status!));
        assert.equal(final.status, 'cancelled');
        assert.match(final.error ?? '', /cancelled from the jobs page/);
        assert.ok(final.items_succeeded! < 2000, `the cancel stopped the job early (${final.items_succeeded} of 2000 done)`);
        await page.getByRole('link', { name: 'manifest.json' }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Cancel job', exact: true }).isDisabled(), true);
      });
    });
  });

  test('item errors are listed with a link to their errors/ file, and retry-failed starts a job from its button', T, async () => {
    model.server.faults.clear();
    const jobId = gw.jobId('ui-errors');
    await withPage(browser, 'ui-errors', async (page) => {
      await worker(async () => {
        // A string where the model takes an int64: the model server rejects it, the batch isolates the item.
        const items = [...users(0, 25), { user_id: 'not-a-number' }, ...users(25, 40)];
        const res = await gw.post('/v1/jobs', { ...spec(jobId, 0, 10, 2), input: { item_list: { items, batch_size: 10 } }, max_failure_ratio: 0.5 });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        const final = await waitForJob(gw, jobId, (b) => isFinal(b.status!));
        assert.equal(final.status, 'completed_with_errors', final.error ?? '');
        assert.equal(final.items_failed, 1);

        await page.goto(`${gw.url}/ui/jobs/${jobId}`);
        await headingStatus(page, 'completed_with_errors');
        const failures = page.locator('table.failures tbody tr');
        await failures.first().waitFor();
        assert.equal(await failures.count(), 1);
        const cells = await failures.first().locator('td').allTextContents();
        assert.deepEqual(cells.slice(0, 3), ['2', 'items', 'INVALID_ARGUMENT']);
        const link = failures.first().getByRole('link', { name: 'errors file of batch 2' });
        const errorsFile = await (await fetch((await link.getAttribute('href'))!)).text();
        const line = JSON.parse(errorsFile.trim()) as { index: number; error: { code: string } };
        assert.deepEqual([line.index, line.error.code], [25, 'INVALID_ARGUMENT']);
        // The bar shows the failed item in its own colour.
        const failedStyle = (await page.locator('.progress .bar-failed').first().getAttribute('style')) ?? '';
        assert.match(failedStyle, /width: [1-9][\d.]*%/, failedStyle);

        await page.getByRole('button', { name: 'Retry failed', exact: true }).click();
        await confirm(page, 'Retry failed');
        await page.waitForURL((url) => url.pathname.startsWith('/ui/jobs/') && !url.pathname.endsWith(`/${jobId}`), { timeout: 30_000 });
        const retryId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
        gw.track(retryId);
        await page.getByRole('heading', { name: retryId }).waitFor();
        const retry = await gw.get(`/v1/jobs/${retryId}`);
        assert.equal(retry.status, 200);
        assert.equal(retry.body.job_id, retryId);
        await waitForJob(gw, retryId, (b) => isFinal(b.status!));
      });
    });
  });

  test('schedules page: cadence, next runs, pause, unpause and trigger', T, async () => {
    const id = `ui-${gw.jobId('sched').slice(3)}`;
    schedules.add(id);
    const created = await gw.request('POST', '/v1/schedules', {
      body: {
        schedule_id: id,
        spec: { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
        job: { model: { name: 'recommender' }, input: { item_list: { items: users(0, 3), batch_size: 10 } }, output: { s3_path: `${gw.outputPath}{{schedule_id}}/` } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await withPage(browser, 'ui-schedules', async (page) => {
      await page.goto(`${gw.url}/ui/schedules`);
      const card = page.locator(`article[data-schedule-id="${id}"]`);
      await card.waitFor();
      await card.getByText('cron 0 2 * * * · Europe/Berlin').waitFor();
      assert.equal(await card.locator('ul.times li').count(), 5);

      await card.getByRole('button', { name: 'Pause', exact: true }).click();
      await confirm(page, 'Pause');
      await card.locator('.chip', { hasText: 'paused' }).waitFor();
      assert.equal((await gw.get(`/v1/schedules/${id}`)).body.paused, true);
      await card.getByRole('button', { name: 'Unpause', exact: true }).click();
      await confirm(page, 'Unpause');
      await card.locator('.chip', { hasText: 'active' }).waitFor();
      assert.equal((await gw.get(`/v1/schedules/${id}`)).body.paused, false);

      await card.getByRole('button', { name: 'Trigger now', exact: true }).click();
      await confirm(page, 'Trigger');
      const run = card.locator('table.runs tbody tr').first();
      await run.waitFor({ timeout: 30_000 });
      const runId = (await run.getByRole('link').first().textContent())!;
      gw.track(runId);
      assert.ok(runId.startsWith(`${id}-`), runId);
    });
  });

  test('with API keys the page asks for a key, keeps it in the tab, and shows only that key’s jobs', T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-ui-keys-'));
    const bucket = gw.config.s3.bucket;
    const run = gw.jobId('keys');
    const keys = { a: `ui-key-a-${run}`, b: `ui-key-b-${run}` };
    const prefix = (team: string) => `s3://${bucket}/ui-test/${run}/${team}/`;
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({
      keys: [
        { id: 'team-a', sha256: sha256Hex(keys.a), read: [prefix('a')], write: [prefix('a')] },
        { id: 'team-b', sha256: sha256Hex(keys.b), read: [prefix('b')], write: [prefix('b')] },
      ],
    }));
    const keyed = await startGateway({ apiKeys: new ApiKeyStore(file) });
    try {
      const submit = async (team: 'a' | 'b') => {
        const jobId = `${run}-${team}`;
        const res = await keyed.post('/v1/jobs', { ...spec(jobId, 3, 10, 1), output: { s3_path: `${prefix(team)}out/` } }, { authorization: `Bearer ${keys[team]}` });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return jobId;
      };
      const [jobA, jobB] = [await submit('a'), await submit('b')];
      await withPage(browser, 'ui-keys', async (page) => {
        await page.goto(`${keyed.url}/ui`);
        const field = page.getByRole('textbox', { name: 'API key', exact: true });
        await field.waitFor();
        await field.fill('not-a-key');
        await page.getByRole('button', { name: 'Use this key' }).click();
        await page.getByText(/The key was refused/).waitFor();

        await page.getByRole('textbox', { name: 'API key', exact: true }).fill(keys.a);
        await page.getByRole('button', { name: 'Use this key' }).click();
        await page.locator(`tr[data-job-id="${jobA}"]`).waitFor({ timeout: 30_000 });
        assert.equal(await page.locator(`tr[data-job-id="${jobB}"]`).count(), 0, 'team-b’s job is not shown to team-a');
        assert.equal(await page.evaluate('sessionStorage.getItem("nightshift.apiKey")'), keys.a);

        // The key lasts for the tab: a reload asks for nothing; another key's job is a 404 on its page.
        await page.reload();
        await page.locator(`tr[data-job-id="${jobA}"]`).waitFor({ timeout: 30_000 });
        await page.goto(`${keyed.url}/ui/jobs/${jobB}`);
        await page.getByText(`No job "${jobB}" that this key may see.`).waitFor();

        await page.getByRole('button', { name: 'Forget API key' }).click();
        await page.getByRole('textbox', { name: 'API key', exact: true }).waitFor();
        assert.equal(await page.evaluate('sessionStorage.getItem("nightshift.apiKey")'), null);
      });
    } finally {
      await keyed.close();
    }
  });

  test('a terminated job (no manifest) says so on its page', T, async () => {
    const jobId = gw.jobId('ui-terminated');
    assert.equal((await gw.post('/v1/jobs', spec(jobId, 3, 10, 1))).status, 201);
    await gw.temporal.workflow.getHandle(jobId).terminate('terminated by the ui test');
    await withPage(browser, 'ui-terminated', async (page) => {
      await page.goto(`${gw.url}/ui/jobs/${jobId}`);
      await headingStatus(page, 'failed');
      await page.getByText('No manifest: the job ended without writing one').waitFor();
    });
  });

  test('on a phone-sized screen the list reads as cards without sideways scrolling', T, async () => {
    // The README's pictures, once the jobs above have left a list worth showing.
    const list = docsScreenshot('jobs-page.png');
    if (list) {
      await withPage(browser, 'ui-docs', async (page) => {
        // One job running, so the picture shows a moving bar, items/s and an ETA.
        model.server.faults.set({ latency: { kind: 'fixed', ms: 200 } });
        const running = gw.jobId('nightly-recs');
        await worker(async () => {
          assert.equal((await gw.post('/v1/jobs', spec(running, 3000, 50, 2))).status, 201);
          await waitForJob(gw, running, (b) => (b.items_succeeded ?? 0) >= 900);
          await page.goto(`${gw.url}/ui`);
          await page.locator(`tr[data-job-id="${running}"] .chip[data-status="running"]`).waitFor({ timeout: 30_000 });
          await page.waitForTimeout(2500); // every row's live view in
          await page.screenshot({ path: list });
          await gw.request('POST', `/v1/jobs/${running}/cancel`, { body: { reason: 'screenshot taken' } });
        });
        model.server.faults.clear();
        await page.goto(`${gw.url}/ui/schedules`);
        await page.locator('article.schedule').first().waitFor();
        await page.screenshot({ path: docsScreenshot('schedules-page.png')!, fullPage: true });
      });
    }
    await withPage(browser, 'ui-phone', async (page) => {
      await page.goto(`${gw.url}/ui`);
      const row = page.locator('table.jobs tbody tr').first();
      await row.waitFor({ timeout: 30_000 });
      const display = await row.evaluate((el: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display);
      assert.equal(display, 'block');
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      assert.ok(await row.getByRole('progressbar').isVisible());
      // A short page grows with "Show more jobs", the URL keeping the length.
      await page.goto(`${gw.url}/ui?limit=2`);
      await page.locator('table.jobs tbody tr').nth(1).waitFor();
      assert.equal(await page.locator('table.jobs tbody tr').count(), 2);
      await page.getByRole('button', { name: 'Show more jobs' }).click();
      await page.locator('table.jobs tbody tr').nth(4).waitFor();
      assert.match(page.url(), /[?&]limit=52\b/);
      const phone = docsScreenshot('jobs-page-phone.png');
      if (phone) await page.screenshot({ path: phone });
    }, { viewport: { width: 390, height: 844 } });
  });
});
