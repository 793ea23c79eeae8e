/**
 * Checks a cron expression before Temporal sees it, so a typo is a 400 naming the field and the
 * part that is wrong. The accepted language is the part of Temporal's that users write: five
 * fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists, ranges and steps,
 * month and weekday names, and the macros @yearly @annually @monthly @weekly @daily @midnight
 * @hourly. Time zones are the schedule's `timezone`, not a CRON_TZ= prefix.
 */

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0]. */
  namesFrom?: number;
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

function value(token: string, f: Field): number | string {
  const named = f.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + (f.namesFrom ?? 0);
  if (!/^\d+$/.test(token)) return `"${token}" is not a number${f.names ? ' or a name' : ''}`;
  const n = Number(token);
  if (n < f.min || n > f.max) return `${n} is outside ${f.min}-${f.max}`;
  return n;
}

function fieldIssue(text: string, f: Field): string | null {
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') return `"${part}" is not a value, range or step`;
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return `step "${step}" must be a positive number`;
    if (range === '*' || range === '?') continue;
    const [lo, hi, more] = range.split('-');
    if (more !== undefined) return `"${range}" is not a range`;
    const a = value(lo!, f);
    if (typeof a === 'string') return a;
    if (hi !== undefined) {
      const b = value(hi, f);
      if (typeof b === 'string') return b;
      if (b < a) return `range "${range}" runs backwards`;
    }
  }
  return null;
}

/** Why `expr` is not a cron expression Nightshift accepts, or null. */
export function cronIssue(expr: string): string | null {
  const e = expr.trim();
  if (e.startsWith('@')) return MACROS.includes(e.toLowerCase()) ? null : `unknown macro "${e}" (known: ${MACROS.join(' ')})`;
  if (/^CRON_TZ=|^TZ=/i.test(e)) return 'set the time zone in spec.timezone, not in the expression';
  const parts = e.split(/\s+/);
  if (parts.length !== FIELDS.length) return `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (let i = 0; i < FIELDS.length; i++) {
    const issue = fieldIssue(parts[i]!, FIELDS[i]!);
    if (issue) return `${FIELDS[i]!.name}: ${issue}`;
  }
  return null;
}
