// Schedules: when each runs (cron or interval, in its time zone), its next runs, its last runs
// with their status and links, and pause / unpause / trigger (each confirmed first).
import { api } from './api.js';
import { fill, h } from './dom.js';
import { duration, inZone, when } from './format.js';
import { every, mapLimit } from './poll.js';
import { confirmAction, notice, statusChip } from './widgets.js';

const REFRESH_MS = 5000;

const cadence = (spec) =>
  `${spec.cron !== undefined ? `cron ${spec.cron}` : `every ${spec.interval}`} · ${spec.timezone}${spec.jitter ? ` · jitter ${spec.jitter}` : ''}`;

function card(ctx, s, refresh, say) {
  const id = encodeURIComponent(s.schedule_id);
  const act = async (title, text, label, path, body, done) => {
    if (!(await confirmAction(title, text, label))) return;
    try {
      await api('POST', `/v1/schedules/${id}/${path}`, body);
      say.ok(done);
      shown = '';
    } catch (err) {
      say.error(`${label} failed: ${err.message}`);
    }
    await refresh();
  };
  const runs = s.recent_runs.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'runs' },
        h('caption', { class: 'sr-only' }, `Last runs of ${s.schedule_id}`),
        h('thead', {}, h('tr', {}, ['Scheduled for', 'Status', 'Duration', 'Job', 'Temporal'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, s.recent_runs.map((r) => h('tr', {},
          h('td', { 'data-label': 'Scheduled for' }, h('time', { datetime: r.scheduled_time, title: r.scheduled_time }, when(r.scheduled_time))),
          h('td', { 'data-label': 'Status' }, r.status ? statusChip(r.status) : h('span', { class: 'muted' }, 'past retention')),
          h('td', { 'data-label': 'Duration', class: 'num' }, duration(r.duration_s)),
          h('td', { 'data-label': 'Job' }, h('a', { href: `${ctx.base}/jobs/${encodeURIComponent(r.job_id)}`, 'data-link': true }, r.job_id)),
          h('td', { 'data-label': 'Temporal' }, h('a', { href: r.links.ui, rel: 'noopener', 'aria-label': `${r.job_id} in the Temporal Web UI` }, 'Web UI')))))))
    : h('p', { class: 'muted' }, 'No runs yet.');
  return h('article', { class: 'schedule', 'data-schedule-id': s.schedule_id, 'aria-labelledby': `sch-${s.schedule_id}` },
    h('div', { class: 'title' },
      h('h2', { id: `sch-${s.schedule_id}` }, s.schedule_id),
      s.paused ? h('span', { class: 'chip chip-paused' }, 'paused') : h('span', { class: 'chip chip-running' }, 'active')),
    h('p', { class: 'mono' }, cadence(s.spec)),
    s.note ? h('p', { class: 'muted' }, `Note: ${s.note}`) : null,
    h('div', { class: 'controls', role: 'group', 'aria-label': `Controls of ${s.schedule_id}` },
      s.paused
        ? h('button', { type: 'button', onclick: () => act('Unpause this schedule?', `${s.schedule_id} starts runs again at its next time.`, 'Unpause', 'unpause', { note: 'unpaused from the jobs page' }, `${s.schedule_id} unpaused.`) }, 'Unpause')
        : h('button', { type: 'button', onclick: () => act('Pause this schedule?', `No new runs of ${s.schedule_id} start until it is unpaused; a run going now goes on.`, 'Pause', 'pause', { note: 'paused from the jobs page' }, `${s.schedule_id} paused.`) }, 'Pause'),
      h('button', { type: 'button', onclick: () => act('Run now?', `${s.schedule_id} starts one run now, besides its schedule.`, 'Trigger', 'trigger', {}, `${s.schedule_id} triggered; the run appears below in a moment.`) }, 'Trigger now'),
      h('a', { href: `${ctx.base}?schedule=${id}`, 'data-link': true }, 'All runs'),
      h('a', { href: s.links.ui, rel: 'noopener' }, 'Temporal Web UI')),
    h('div', { class: 'cols' },
      h('section', { 'aria-label': `Next runs of ${s.schedule_id}` }, h('h3', {}, 'Next runs'),
        s.next_runs.length
          ? h('ul', { class: 'times' }, s.next_runs.map((t) => {
              const local = inZone(t, s.spec.timezone);
              return h('li', {}, h('time', { datetime: t, title: t }, when(t)), local ? h('span', { class: 'muted small zone' }, `(${local} ${s.spec.timezone})`) : null);
            }))
          : h('p', { class: 'muted' }, s.paused ? 'None while paused.' : 'None.')),
      h('section', { 'aria-label': `Last runs of ${s.schedule_id}` }, h('h3', {}, 'Last runs'), runs)));
}

export async function schedulesPage(ctx) {
  const say = notice();
  const list = h('div', { class: 'schedules' });
  fill(ctx.root, h('div', { class: 'title' }, h('h1', {}, 'Schedules')), say.el, list);
  let shown = '';
  const refresh = async () => {
    let page;
    try {
      page = await api('GET', '/v1/schedules?limit=100');
    } catch (err) {
      say.error(`Cannot list schedules: ${err.message}`);
      return;
    }
    const views = await mapLimit(page.schedules, 4, (s) => api('GET', `/v1/schedules/${encodeURIComponent(s.schedule_id)}`).catch(() => null));
    // Unchanged data keeps the same DOM, so keyboard focus stays where it was.
    const seen = JSON.stringify([page, views]);
    if (ctx.signal.aborted || seen === shown) return;
    shown = seen;
    fill(list, page.schedules.length
      ? views.filter(Boolean).map((v) => card(ctx, v, refresh, say))
      : h('p', { class: 'empty' }, 'No schedules yet. Create one with POST /v1/schedules or `npm run cli -- schedule create`.'));
  };
  await every(REFRESH_MS, ctx.signal, refresh);
}
