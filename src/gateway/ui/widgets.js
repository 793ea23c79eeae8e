// The pieces every view uses: the status chip, the progress bar, the confirmation dialog.
import { h } from './dom.js';
import { count, isFinal } from './format.js';

export const statusChip = (status) => h('span', { class: `chip chip-${status ?? 'unknown'}`, 'data-status': status ?? '' }, (status ?? 'unknown').replace(/_/g, ' '));

/**
 * Items done of total as a bar: succeeded in one colour, failed in another. `aria-valuenow` is
 * the share finished (succeeded + failed), which is what "done" means for a batch job.
 */
export function progressBar(p, label) {
  const total = p.items_total;
  const ok = p.items_succeeded ?? 0;
  const failed = p.items_failed ?? 0;
  const known = typeof total === 'number' && total > 0;
  const pct = known ? Math.min(100, Math.floor(((ok + failed) / total) * 100)) : total === 0 ? 100 : 0;
  const text = known
    ? `${count(ok + failed)} of ${count(total)} items${failed ? `, ${count(failed)} failed` : ''}`
    : total === 0
      ? 'no items'
      : isFinal(p.status)
        ? 'items never counted'
        : 'counting items…';
  const bar = h(
    'div',
    { class: 'bar', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-valuetext': `${pct}%: ${text}` },
    h('span', { class: 'bar-ok', style: { width: known ? `${(ok / total) * 100}%` : total === 0 ? '100%' : '0' } }),
    h('span', { class: 'bar-failed', style: { width: known ? `${(failed / total) * 100}%` : '0' } }),
  );
  return h('div', { class: 'progress' }, bar, h('span', { class: 'bar-text' }, `${pct}% · ${text}`));
}

/** Asks with the page's <dialog>; resolves true when confirmed. */
export function confirmAction(title, text, confirmLabel) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  document.getElementById('confirm-no').focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** A message area (role=status) a view writes outcomes of its actions to. */
export function notice() {
  const el = h('p', { class: 'notice', role: 'status' });
  return {
    el,
    ok: (text) => {
      el.className = 'notice notice-ok';
      el.textContent = text;
    },
    error: (text) => {
      el.className = 'notice notice-error';
      el.textContent = text;
    },
    clear: () => {
      el.className = 'notice';
      el.textContent = '';
    },
  };
}
