// How numbers and times read on the page: counts with separators, durations as 1h 02m, times in
// the viewer's zone with the full ISO time in a tooltip.

const nf = new Intl.NumberFormat(undefined);
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const count = (n) => (n === null || n === undefined ? '—' : nf.format(n));
export const perSecond = (n) => (n === null || n === undefined ? '—' : rate.format(n));

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (d > 0) return `${d}d ${hh}h`;
  if (hh > 0) return `${hh}h ${String(mm).padStart(2, '0')}m`;
  if (mm > 0) return `${mm}m ${String(ss).padStart(2, '0')}s`;
  return `${ss}s`;
}

const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** A time as the viewer reads it: 14:03:12 today, else 29 Nov 14:03. */
export function when(iso) {
  if (!iso) return '—';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  return sameDay(t, new Date())
    ? t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : t.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** Seconds between two ISO times, the second defaulting to now. */
export function secondsBetween(fromIso, toIso) {
  if (!fromIso) return null;
  const to = toIso ? Date.parse(toIso) : Date.now();
  return (to - Date.parse(fromIso)) / 1000;
}

// Both lists come from the gateway (src/job/messages.ts), written into the page it serves.
export const STATUSES = (document.documentElement.dataset.statuses ?? '').split(',').filter(Boolean);
export const FINAL = new Set((document.documentElement.dataset.finalStatuses ?? '').split(',').filter(Boolean));
export const isFinal = (status) => FINAL.has(status);

/** A time in a named IANA zone (a schedule's), e.g. "Tue 1 Dec, 02:00"; null when the zone is the viewer's or unknown. */
export function inZone(iso, timeZone) {
  if (!iso || !timeZone) return null;
  const viewer = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (timeZone === viewer) return null;
  try {
    return new Date(iso).toLocaleString(undefined, { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  } catch {
    return null;
  }
}
