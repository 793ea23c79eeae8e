// The jobs page: a small client of the gateway's /v1 API, with no build step and nothing from a
// CDN. Routes are real paths under the page's base (/ui, /ui/jobs/<id>, /ui/schedules), so a
// job's page can be linked to; the gateway answers every one of them with this page.
import { ApiError, api, apiKey, configureApi } from './api.js';
import { fill, h } from './dom.js';
import { jobPage } from './jobPage.js';
import { jobsView } from './jobsView.js';
import { schedulesPage } from './schedulesPage.js';

const root = document.documentElement;
const BASE = root.dataset.uiBase ?? '/ui';
const main = document.getElementById('main');
const forget = document.getElementById('forget-key');

let current = null; // AbortController of the view on screen
let asking = false;

function keyForm(message) {
  asking = true;
  current?.abort();
  const input = h('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h('form', { class: 'key-form', 'aria-labelledby': 'key-title',
    onsubmit: (e) => {
      e.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      apiKey.set(key);
      asking = false;
      render();
    } },
    h('h1', { id: 'key-title' }, 'API key needed'),
    h('p', {}, 'This gateway needs an API key. It is kept in this tab only (session storage) and sent with each request; you see only the jobs and schedules the key may see.'),
    message ? h('p', { class: 'notice notice-error', role: 'alert' }, message) : null,
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('button', { type: 'submit' }, 'Use this key'));
  fill(main, form);
  forget.hidden = true;
  input.focus();
}

configureApi(root.dataset.apiBase ?? '', (err) => {
  if (asking) return;
  const had = apiKey.get();
  apiKey.clear();
  keyForm(had ? `The key was refused: ${err.message}` : null);
});

function navigate(url, opts = {}) {
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function route() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  const job = /^\/jobs\/([^/]+)\/?$/.exec(path);
  if (job) return { name: 'job', id: decodeURIComponent(job[1]) };
  if (/^\/schedules\/?$/.test(path)) return { name: 'schedules' };
  return { name: 'jobs' };
}

async function render() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  asking = false;
  forget.hidden = !apiKey.get();
  const r = route();
  for (const a of document.querySelectorAll('[data-nav]')) {
    const on = a.dataset.nav === (r.name === 'job' ? 'jobs' : r.name);
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = r.name === 'job' ? `${r.id} · Nightshift` : r.name === 'schedules' ? 'Schedules · Nightshift' : 'Jobs · Nightshift';
  const ctx = { root: main, base: BASE, navigate, signal: controller.signal, params: new URLSearchParams(location.search) };
  main.focus({ preventScroll: true });
  try {
    if (r.name === 'job') await jobPage(ctx, r.id);
    else if (r.name === 'schedules') await schedulesPage(ctx);
    else await jobsView(ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // the key form is up
    if (!controller.signal.aborted) fill(main, h('p', { class: 'notice notice-error', role: 'alert' }, `Something went wrong: ${err.message}`));
  }
}

// In-page navigation for links marked data-link; anything else (Temporal UI, presigned files) loads normally.
document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[data-link]') : null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
forget.addEventListener('click', () => {
  apiKey.clear();
  keyForm(null);
});

// Ask for a key up front when the gateway wants one, rather than after a failed view.
api('GET', '/v1/jobs?limit=1').then(render, (err) => {
  if (!(err instanceof ApiError && err.status === 401)) render();
});
