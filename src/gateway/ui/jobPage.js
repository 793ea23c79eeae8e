// One job: its progress as a panel, the controls (each confirmed first), throughput over time,
// failures with links to their errors/ files, and once the manifest is written, presigned links
// to it and to the part files. Refreshes every 2 s until the job is final.
import { api, q } from './api.js';
import { fill, h } from './dom.js';
import { count, duration, isFinal, perSecond, when } from './format.js';
import { throughputChart } from './chart.js';
import { every } from './poll.js';
import { confirmAction, notice, progressBar, statusChip } from './widgets.js';

const REFRESH_MS = 2000;
const TIMELINE_MS = 10_000;
const PARTS_SHOWN = 100;

function panel(v) {
  const model = [v.model.name, v.model.version !== null ? `version ${v.model.version}` : v.model.version_label ? `label ${v.model.version_label}` : 'latest']
    .join(' · ') + (v.model.served_version ? ` (served ${v.model.served_version})` : '');
  const rows = [
    ['Model', model],
    ['Items', `${count(v.items_succeeded)} succeeded · ${count(v.items_failed)} failed · ${count(v.items_total)} total`],
    ['Batches', `${count(v.batches_succeeded)} succeeded · ${count(v.batches_failed)} failed · ${count(v.batches_in_flight)} in flight · ${count(v.batches_total)} total`],
    ['Parallelism', count(v.parallelism)],
    ['Throughput', v.throughput_items_per_s === null ? '—' : `${perSecond(v.throughput_items_per_s)} items/s`],
    ['ETA', v.eta_s === null ? '—' : duration(v.eta_s)],
    ['Created', v.created_at],
    ['Started', v.started_at],
    ['Finished', v.finished_at],
    ['Duration', v.started_at ? duration(((v.finished_at ? Date.parse(v.finished_at) : Date.now()) - Date.parse(v.started_at)) / 1000) : '—'],
    ['Output', v.output_path],
    ['Manifest', v.manifest_path ?? 'written when the job ends'],
  ];
  if (v.error) rows.push(['Error', v.error]);
  const isTime = (k) => ['Created', 'Started', 'Finished'].includes(k);
  return h('dl', { class: 'panel' }, rows.map(([k, val]) => [
    h('dt', {}, k),
    h('dd', { class: k === 'Error' ? 'error-text' : k === 'Output' || k === 'Manifest' ? 'mono' : null },
      isTime(k) ? (val ? h('time', { datetime: val, title: val }, when(val)) : '—') : val),
  ]));
}

function controls(ctx, v, refresh, say) {
  const id = encodeURIComponent(v.job_id);
  const final = isFinal(v.status);
  const act = async (title, text, label, method, path, body, done) => {
    if (!(await confirmAction(title, text, label))) return;
    try {
      const res = await api(method, path, body);
      say.ok(done(res));
    } catch (err) {
      say.error(`${label} failed: ${err.message}`);
    }
    await refresh();
  };
  const par = h('input', { id: 'parallelism', type: 'number', min: 1, max: 1000, step: 1, value: v.parallelism, inputmode: 'numeric', disabled: final });
  const canRetry = final && (v.items_failed > 0 || v.batches_failed > 0 || ['failed', 'cancelled', 'timed_out'].includes(v.status));
  return h('div', { class: 'controls', role: 'group', 'aria-label': 'Job controls' },
    h('button', { type: 'button', disabled: v.status !== 'running' && v.status !== 'planning',
      onclick: () => act('Pause this job?', `No new batches of ${v.job_id} start; running ones finish.`, 'Pause', 'POST', `/v1/jobs/${id}/pause`, undefined, () => 'Pause sent.') }, 'Pause'),
    h('button', { type: 'button', disabled: v.status !== 'paused',
      onclick: () => act('Resume this job?', `${v.job_id} starts batches again.`, 'Resume', 'POST', `/v1/jobs/${id}/resume`, undefined, () => 'Resume sent.') }, 'Resume'),
    h('button', { type: 'button', class: 'danger', disabled: final,
      onclick: () => act('Cancel this job?', `In-flight batches of ${v.job_id} are stopped. Results written so far and the manifest are kept. This cannot be undone.`, 'Cancel job', 'POST', `/v1/jobs/${id}/cancel`, { reason: 'cancelled from the jobs page' }, () => 'Cancel sent.') }, 'Cancel job'),
    h('span', { class: 'inline' },
      h('label', { for: 'parallelism' }, 'Parallelism'),
      par,
      h('button', { type: 'button', disabled: final,
        onclick: () => {
          const n = Number(par.value);
          if (!Number.isInteger(n) || n < 1 || n > 1000) {
            say.error('Parallelism must be a whole number from 1 to 1000.');
            return;
          }
          return act('Change parallelism?', `${v.job_id} will run up to ${n} batches at once.`, 'Set parallelism', 'POST', `/v1/jobs/${id}/parallelism`, { parallelism: n }, (r) => `Parallelism is now ${r.parallelism}.`);
        } }, 'Set')),
    h('button', { type: 'button', disabled: !canRetry,
      onclick: () => act('Retry the failed items?', `A new job re-runs the failed batches and items of ${v.job_id}, writing under the same output path.`, 'Retry failed', 'POST', `/v1/jobs/${id}/retry-failed`, undefined,
        (r) => { ctx.navigate(`${ctx.base}/jobs/${encodeURIComponent(r.job_id)}`); return `Started ${r.job_id}.`; }) }, 'Retry failed'),
  );
}

function failuresTable(t) {
  if (!t.failures.length) return h('p', { class: 'muted' }, 'No failures.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'failures' },
    h('caption', { class: 'sr-only' }, 'Failed batches and item errors'),
    h('thead', {}, h('tr', {}, ['Batch', 'Kind', 'Code', 'Message', 'Errors file'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, t.failures.map((f) => h('tr', {},
      h('td', { 'data-label': 'Batch', class: 'num' }, String(f.batch)),
      h('td', { 'data-label': 'Kind' }, f.kind === 'batch' ? 'whole batch' : 'items'),
      h('td', { 'data-label': 'Code', class: 'mono' }, f.code),
      h('td', { 'data-label': 'Message', class: 'message' }, f.message),
      h('td', { 'data-label': 'Errors file' }, f.error_file
        ? h('a', { href: f.error_file.url, rel: 'noopener', 'aria-label': `errors file of batch ${f.batch}` }, f.error_file.key.split('/').slice(-2).join('/'))
        : '—'))))),
    t.failures_omitted ? h('p', { class: 'muted small' }, `${count(t.failures_omitted)} more not listed.`) : null);
}

function resultsSection(r) {
  const files = (list, label) => list.length
    ? h('ul', { class: 'files' }, list.map((f) => h('li', {},
        h('a', { href: f.url, rel: 'noopener' }, f.key.split('/').pop()),
        h('span', { class: 'muted small' }, ` batch ${f.batch} · ${count(f.items)} items · ${count(f.bytes)} bytes`))))
    : h('p', { class: 'muted' }, `No ${label}.`);
  const more = r.next_page_token ? h('p', { class: 'muted small' }, `Showing the first ${PARTS_SHOWN} files; the rest are listed by GET /v1/jobs/{id}/results.`) : null;
  return [
    h('p', {}, h('a', { href: r.manifest_url, rel: 'noopener', class: 'button-link' }, 'manifest.json'),
      h('span', { class: 'muted small' }, ` links valid until ${when(r.expires_at)}`)),
    h('h3', {}, `Part files (${count(r.parts.length)}${r.next_page_token ? '+' : ''})`), files(r.parts, 'part files'),
    r.error_files.length ? [h('h3', {}, 'Errors files'), files(r.error_files, 'errors files')] : null,
    more,
  ];
}

export async function jobPage(ctx, jobId) {
  const id = encodeURIComponent(jobId);
  const heading = h('h1', { class: 'job-title' }, jobId);
  const head = h('div', { class: 'title' });
  const say = notice();
  const ctl = h('div');
  const progress = h('div');
  const details = h('div');
  const chart = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const failures = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const results = h('div', {}, h('p', { class: 'muted' }, 'Written when the job ends.'));
  fill(ctx.root,
    h('p', { class: 'crumbs' }, h('a', { href: ctx.base, 'data-link': true }, '← All jobs')),
    head, say.el, ctl, progress,
    h('div', { class: 'cols' },
      h('section', { 'aria-labelledby': 's-progress' }, h('h2', { id: 's-progress' }, 'Progress'), details),
      h('section', { 'aria-labelledby': 's-throughput' }, h('h2', { id: 's-throughput' }, 'Throughput'), chart)),
    h('section', { 'aria-labelledby': 's-failures' }, h('h2', { id: 's-failures' }, 'Failures'), failures),
    h('section', { 'aria-labelledby': 's-results' }, h('h2', { id: 's-results' }, 'Results'), results));

  let view = null;
  let timelineAt = 0;
  let resultsShown = false;
  // Controls are rebuilt only when what they depend on changes, so a value being typed is not wiped.
  let controlsFor = '';
  const refresh = async () => {
    try {
      view = await api('GET', `/v1/jobs/${id}`);
    } catch (err) {
      if (err.status === 404) {
        fill(head, heading);
        say.error(`No job "${jobId}" that this key may see.`);
        return false;
      }
      say.error(`Cannot read the job: ${err.message}`);
      return true;
    }
    if (ctx.signal.aborted) return false;
    const final = isFinal(view.status);
    fill(head, heading, statusChip(view.status),
      h('a', { href: view.links.ui, rel: 'noopener', class: 'button-link' }, 'Open in Temporal Web UI'));
    const key = `${view.status}|${view.parallelism}|${view.items_failed}|${view.batches_failed}`;
    if (key !== controlsFor) {
      controlsFor = key;
      fill(ctl, controls(ctx, view, refresh, say));
    }
    fill(progress, progressBar(view, `Progress of ${jobId}`));
    fill(details, panel(view));
    if (final || Date.now() - timelineAt >= TIMELINE_MS) {
      timelineAt = Date.now();
      const t = await api('GET', `/v1/jobs/${id}/timeline`).catch((err) => ({ error: err }));
      if (t.error) fill(failures, h('p', { class: 'notice notice-error' }, `Cannot read failures: ${t.error.message}`));
      else {
        fill(chart, throughputChart(t));
        fill(failures, failuresTable(t));
      }
    }
    if (final && view.manifest_path && !resultsShown) {
      const r = await api('GET', `/v1/jobs/${id}/results${q({ limit: PARTS_SHOWN })}`).catch((err) => ({ error: err }));
      if (r.error) fill(results, h('p', { class: 'notice notice-error' }, `Cannot list results: ${r.error.message}`));
      else {
        resultsShown = true;
        fill(results, resultsSection(r));
      }
    }
    // A terminated workflow ends without a manifest: nothing more will come, so stop polling too.
    if (final && !view.manifest_path) fill(results, h('p', { class: 'muted' }, 'No manifest: the job ended without writing one (its workflow was terminated).'));
    return !(final && (resultsShown || !view.manifest_path));
  };
  await every(REFRESH_MS, ctx.signal, refresh);
}
