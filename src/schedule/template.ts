/**
 * Job templates of schedules: a job spec whose strings may hold placeholders, resolved for each
 * run from the time it was *scheduled* for (so a backfilled or caught-up run writes the date it
 * stands for, not the day it ran).
 *
 *   {{schedule_id}}                          the schedule's id
 *   {{scheduled_time}}                       the scheduled time, UTC, e.g. 2026-11-30T01:00:00Z
 *   {{scheduled_time | date: "YYYY-MM-DD"}}  formatted in the schedule's time zone
 *
 * Format tokens: YYYY MM DD HH mm ss; text in [brackets] is literal; any other letter is refused
 * (so a typo like "yyyy-mm-dd" is an error, not a path holding minutes). Deterministic: the
 * workflow resolves templates with it.
 */
import type { FieldIssue } from '../job/spec';

export const PLACEHOLDERS = ['schedule_id', 'scheduled_time'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];

export interface TemplateContext {
  schedule_id: string;
  scheduled_time: Date;
  /** IANA time zone the `date` filter formats in (the schedule's), e.g. "Europe/Berlin". */
  timezone: string;
}

/** One `{{...}}`, parsed. */
interface Placeholder {
  name: PlaceholderName;
  /** The `date:` format, when filtered. */
  format?: string;
}

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
const EXPRESSION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*date\s*:\s*"([^"]*)"\s*)?$/;
const FORMAT_TOKEN = /YYYY|MM|DD|HH|mm|ss|\[[^\]]*\]|[A-Za-z]|[^A-Za-z[]+|\[/g;

/** Why a `date:` format is refused, or null. */
function formatIssue(format: string): string | null {
  if (format.length === 0) return 'date format must not be empty';
  for (const m of format.matchAll(FORMAT_TOKEN)) {
    const t = m[0];
    if (t === '[') return 'date format has an unclosed [';
    if (/^[A-Za-z]$/.test(t)) return `unknown date token "${t}" in "${format}" (use YYYY MM DD HH mm ss; put literal text in [brackets])`;
  }
  return null;
}

function parsePlaceholder(expr: string): Placeholder | string {
  const m = EXPRESSION.exec(expr);
  if (!m) return `placeholder "{{${expr}}}" is not {{name}} or {{name | date: "FORMAT"}}`;
  const name = m[1]!;
  if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
    return `unknown placeholder "{{${expr.trim()}}}" (known: ${PLACEHOLDERS.join(', ')})`;
  }
  const format = m[2];
  if (format !== undefined) {
    if (name !== 'scheduled_time') return `only scheduled_time takes a date filter, not ${name}`;
    const issue = formatIssue(format);
    if (issue) return issue;
  }
  return { name: name as PlaceholderName, format };
}

/** The calendar fields of `t` in `timezone`, zero-padded. */
function zonedParts(t: Date, timezone: string): Record<'YYYY' | 'MM' | 'DD' | 'HH' | 'mm' | 'ss', string> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(t);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00';
  return { YYYY: get('year').padStart(4, '0'), MM: get('month'), DD: get('day'), HH: get('hour'), mm: get('minute'), ss: get('second') };
}

export function formatDate(t: Date, format: string, timezone: string): string {
  const p = zonedParts(t, timezone);
  return format.replace(FORMAT_TOKEN, (tok) => {
    if (tok in p) return p[tok as keyof typeof p];
    if (tok.startsWith('[') && tok.endsWith(']')) return tok.slice(1, -1);
    return tok;
  });
}

/** RFC 3339 in UTC without fractions: how Temporal names a scheduled run's time. */
export const utcSeconds = (t: Date): string => t.toISOString().replace(/\.\d{3}Z$/, 'Z');

function render(p: Placeholder, ctx: TemplateContext): string {
  if (p.name === 'schedule_id') return ctx.schedule_id;
  return p.format === undefined ? utcSeconds(ctx.scheduled_time) : formatDate(ctx.scheduled_time, p.format, ctx.timezone);
}

function fieldName(path: ReadonlyArray<string | number>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[') || '(root)';
}

/** Calls `fn` on every string value of a JSON value (object keys are not templated) and rebuilds it. */
function mapStrings(v: unknown, fn: (s: string, path: Array<string | number>) => string, path: Array<string | number> = []): unknown {
  if (typeof v === 'string') return fn(v, path);
  if (Array.isArray(v)) return v.map((x, i) => mapStrings(x, fn, [...path, i]));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, fn, [...path, k])]));
  }
  return v;
}

/** Every placeholder problem in a template, each naming its field (prefixed with `prefix`). */
export function templateIssues(template: unknown, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  mapStrings(template, (s, path) => {
    const field = prefix + fieldName(path);
    for (const m of s.matchAll(PLACEHOLDER)) {
      const p = parsePlaceholder(m[1]!);
      if (typeof p === 'string') issues.push({ field, reason: p });
    }
    const rest = s.replace(PLACEHOLDER, '');
    if (rest.includes('{{') || rest.includes('}}')) issues.push({ field, reason: 'has an unbalanced {{ or }}' });
    return s;
  });
  return issues;
}

/** The template with every placeholder replaced. Call only on a template without `templateIssues`. */
export function resolveTemplate(template: unknown, ctx: TemplateContext): unknown {
  return mapStrings(template, (s) =>
    s.replace(PLACEHOLDER, (_all, expr: string) => {
      const p = parsePlaceholder(expr);
      if (typeof p === 'string') throw new Error(p);
      return render(p, ctx);
    }),
  );
}

/**
 * The part of each string that is the same for every run: resolved up to the first placeholder
 * that depends on the scheduled time. What a run may touch is checked on these.
 */
export function staticPrefixes(template: unknown, scheduleId: string): unknown {
  return mapStrings(template, (s) => {
    const cut = s.search(/\{\{\s*scheduled_time/);
    const fixed = cut < 0 ? s : s.slice(0, cut);
    return fixed.replace(PLACEHOLDER, (_all, expr: string) => (parsePlaceholder(expr) as Placeholder).name === 'schedule_id' ? scheduleId : '');
  });
}

/**
 * Whether `timezone` is an IANA zone this runtime knows, spelled as IANA spells it. Intl accepts
 * any case ("europe/berlin"), Temporal's server (Go) does not: a name that is a known zone in
 * another case is refused here, so it is a 400 naming spec.timezone rather than Temporal's error.
 */
export function isKnownTimezone(timezone: string): boolean {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
    return resolved === timezone || resolved.toLowerCase() !== timezone.toLowerCase();
  } catch {
    return false;
  }
}
