// The jobs list: newest first, filtered by status, model and schedule (kept in the URL so a
// filtered view can be shared), refreshed every 2 s. Live counts of unfinished jobs come from
// their status query (GET /v1/jobs/{id}); finished jobs are read once and kept.
import { api, q } from './api.js';
import { fill, h } from './dom.js';
import { count, duration, isFinal, perSecond, secondsBetween, STATUSES, when } from './format.js';
import { every, mapLimit } from './poll.js';
import { progressBar, statusChip } from './widgets.js';

const REFRESH_MS = 2000;
const PAGE = 50;
/** The API's largest page (MAX_LIST_LIMIT); "Show more" grows the page up to it. */
const MAX_SHOWN = 1000;
/** Unfinished jobs whose live view is fetched per refresh; the rest show what the list knows. */
const LIVE_VIEWS = 20;

/** Final jobs do not change: their views are read once per page load. */
const finalViews = new Map();

function filterForm(ctx, filters, schedules) {
  const apply = (e) => {
    e.preventDefault();
    const form = e.currentTarget.form ?? e.currentTarget;
    const data = new FormData(form);
    ctx.navigate(`${ctx.base}${q({ status: data.get('status'), model: String(data.get('model') ?? '').trim(), schedule: data.get('schedule') })}`, { replace: true });
  };
  const scheduleField = schedules
    ? h('select', { id: 'f-schedule', name: 'schedule', onchange: apply },
        h('option', { value: '' }, 'any schedule'),
        schedules.map((s) => h('option', { value: s, selected: s === filters.schedule }, s)),
        filters.schedule && !schedules.includes(filters.schedule) ? h('option', { value: filters.schedule, selected: true }, filters.schedule) : null)
    : h('input', { id: 'f-schedule', name: 'schedule', value: filters.schedule ?? '', placeholder: 'schedule id', autocomplete: 'off' });
  return h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter jobs', onsubmit: apply },
    h('label', { for: 'f-status' }, 'Status'),
    h('select', { id: 'f-status', name: 'status', onchange: apply },
      h('option', { value: '' }, 'any status'),
      STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, s.replace(/_/g, ' ')))),
    h('label', { for: 'f-model' }, 'Model'),
    h('input', { id: 'f-model', name: 'model', value: filters.model ?? '', placeholder: 'model name', autocomplete: 'off', spellcheck: 'false' }),
    h('label', { for: 'f-schedule' }, 'Schedule'),
    scheduleField,
    h('button', { type: 'submit' }, 'Filter'),
    filters.status || filters.model || filters.schedule ? h('a', { href: ctx.base, 'data-link': true }, 'Clear filters') : null,
  );
}

/** What a row shows: the live view when there is one, else the list's summary. */
function rowData(summary, view) {
  const v = view ?? {};
  const status = view?.status ?? summary.status;
  const started = v.started_at ?? v.created_at ?? summary.created_at;
  const ended = v.finished_at ?? summary.closed_at;
  const done = (v.items_succeeded ?? summary.items_succeeded) + (v.items_failed ?? summary.items_failed);
  const elapsed = secondsBetween(started, ended);
  return {
    job_id: summary.job_id,
    status,
    model: v.model?.name || summary.model,
    progress: {
      status,
      items_total: v.items_total ?? summary.items_total,
      items_succeeded: v.items_succeeded ?? summary.items_succeeded,
      items_failed: v.items_failed ?? summary.items_failed,
    },
    rate: v.throughput_items_per_s ?? (isFinal(status) && elapsed > 0 && done > 0 ? done / elapsed : null),
    eta: isFinal(status) ? null : (v.eta_s ?? null),
    started,
    duration: elapsed,
  };
}

function row(ctx, r) {
  const link = `${ctx.base}/jobs/${encodeURIComponent(r.job_id)}`;
  return h('tr', { 'data-job-id': r.job_id },
    h('th', { scope: 'row', 'data-label': 'Job' }, h('a', { href: link, 'data-link': true }, r.job_id)),
    h('td', { 'data-label': 'Status' }, statusChip(r.status)),
    h('td', { 'data-label': 'Model' }, r.model ?? '—'),
    h('td', { 'data-label': 'Progress', class: 'wide' }, progressBar(r.progress, `Progress of ${r.job_id}`)),
    h('td', { 'data-label': 'Items/s', class: 'num' }, perSecond(r.rate)),
    h('td', { 'data-label': 'ETA', class: 'num' }, r.eta === null ? '—' : duration(r.eta)),
    h('td', { 'data-label': 'Started' }, h('time', { datetime: r.started ?? '', title: r.started ?? '' }, when(r.started))),
    h('td', { 'data-label': 'Duration', class: 'num' }, duration(r.duration)),
  );
}

export async function jobsView(ctx) {
  const filters = { status: ctx.params.get('status') ?? '', model: ctx.params.get('model') ?? '', schedule: ctx.params.get('schedule') ?? '' };
  const asked = Number(ctx.params.get('limit'));
  const limit = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_SHOWN) : PAGE;
  const schedules = await api('GET', '/v1/schedules?limit=100').then((r) => r.schedules.map((s) => s.schedule_id)).catch(() => null);
  if (ctx.signal.aborted) return; // a 401 put the key form up meanwhile
  const updated = h('p', { class: 'muted small', 'aria-live': 'off' });
  const body = h('tbody');
  const table = h('table', { class: 'jobs' },
    h('caption', { class: 'sr-only' }, 'Jobs, newest first'),
    h('thead', {}, h('tr', {}, ['Job', 'Status', 'Model', 'Progress', 'Items/s', 'ETA', 'Started', 'Duration'].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  const empty = h('p', { class: 'empty', hidden: true });
  const error = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  // Older jobs: the same list, longer (the URL keeps it, like the filters).
  const more = h('button', { type: 'button', hidden: true,
    onclick: () => ctx.navigate(`${ctx.base}${q({ status: filters.status, model: filters.model, schedule: filters.schedule, limit: Math.min(limit + PAGE, MAX_SHOWN) })}`, { replace: true }) },
    'Show more jobs');
  fill(ctx.root,
    h('div', { class: 'title' }, h('h1', {}, 'Jobs'), updated),
    filterForm(ctx, filters, schedules),
    error, empty, h('div', { class: 'table-wrap' }, table), h('p', {}, more));

  let shown = '';
  const query = q({ status: filters.status, model: filters.model, schedule_id: filters.schedule, limit });
  await every(REFRESH_MS, ctx.signal, async () => {
    let page;
    try {
      page = await api('GET', `/v1/jobs${query}`);
      error.hidden = true;
    } catch (err) {
      error.hidden = false;
      error.textContent = `Cannot list jobs: ${err.message}`;
      return;
    }
    let live = 0;
    const views = await mapLimit(page.jobs, 6, async (s) => {
      if (finalViews.has(s.job_id)) return finalViews.get(s.job_id);
      if (isFinal(s.status) ? false : live++ >= LIVE_VIEWS) return null;
      const v = await api('GET', `/v1/jobs/${encodeURIComponent(s.job_id)}`).catch(() => null);
      if (v && isFinal(v.status)) finalViews.set(s.job_id, v);
      return v;
    });
    const rows = page.jobs.map((s, i) => rowData(s, views[i]));
    // Unchanged rows keep the same DOM, so keyboard focus stays where it was.
    const seen = JSON.stringify(rows.map((r) => ({ ...r, duration: isFinal(r.status) ? r.duration : null })));
    if (ctx.signal.aborted) return;
    if (seen !== shown) {
      shown = seen;
      fill(body, rows.map((r) => row(ctx, r)));
    }
    empty.hidden = page.jobs.length > 0;
    more.hidden = !page.next_page_token || limit >= MAX_SHOWN;
    empty.textContent = filters.status || filters.model || filters.schedule
      ? 'No jobs match these filters.'
      : 'No jobs yet. Submit one with POST /v1/jobs or `npm run cli -- submit`.';
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · refreshes every ${REFRESH_MS / 1000} s`;
  });
}
