/**
 * Schedules, pure parts: job templates resolved from the scheduled time (in the schedule's time
 * zone), the cron check, the schedule definition's schema, the latest pointer's ordering and the
 * duration round trip. No stack needed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDate, isKnownTimezone, resolveTemplate, staticPrefixes, templateIssues, utcSeconds, type TemplateContext } from '../src/schedule/template';
import { cronIssue } from '../src/schedule/cron';
import { BackfillBodySchema, ScheduleDefinitionSchema, SchedulePatchSchema } from '../src/schedule/scheduleDefinition';
import { resolveScheduledRun, scheduledJobId, SCHEDULED_JOB_ID_SUFFIX } from '../src/schedule/scheduledRun';
import { supersedes, type LatestPointer } from '../src/schedule/latestPointer';
import { durationMs, formatDurationMs, JOB_ID_PATTERN } from '../src/job/spec';

const at = (iso: string, timezone = 'UTC', schedule_id = 'nightly-recs'): TemplateContext => ({ schedule_id, timezone, scheduled_time: new Date(iso) });
/** One string resolved. */
const resolve = (s: string, ctx: TemplateContext): string => resolveTemplate(s, ctx) as string;
const fields = (template: unknown): string[] => templateIssues(template, 'job.').map((i) => i.field);

describe('template placeholders', () => {
  const ctx = at('2026-11-30T02:00:00Z');

  it('{{schedule_id}} and {{scheduled_time}} (RFC 3339 UTC, no fractions)', () => {
    assert.equal(resolve('s3://b/{{schedule_id}}/{{scheduled_time}}/', ctx), 's3://b/nightly-recs/2026-11-30T02:00:00Z/');
    assert.equal(resolve('{{scheduled_time}}', at('2026-11-30T02:00:00.987Z')), '2026-11-30T02:00:00Z', 'milliseconds are dropped');
    assert.equal(resolve('no placeholders at all', ctx), 'no placeholders at all');
  });

  it('date formats: YYYY-MM-DD, YYYY/MM/DD/HH, YYYYMMDD[T]HHmmss', () => {
    const t = at('2026-03-04T05:06:07Z');
    assert.equal(resolve('{{scheduled_time | date: "YYYY-MM-DD"}}', t), '2026-03-04');
    assert.equal(resolve('{{scheduled_time | date: "YYYY/MM/DD/HH"}}', t), '2026/03/04/05');
    assert.equal(resolve('{{scheduled_time | date: "YYYYMMDD[T]HHmmss"}}', t), '20260304T050607');
    assert.equal(resolve('{{scheduled_time | date: "[day=]DD[ of ]MM"}}', t), 'day=04 of 03', 'bracketed text, letters included, is literal');
    assert.equal(resolve('{{scheduled_time | date: "HH:mm"}}', at('2026-03-04T00:00:00Z')), '00:00', 'midnight is 00, not 24');
  });

  it('whitespace inside the braces is free', () => {
    for (const s of ['{{ scheduled_time|date:"YYYY" }}', '{{scheduled_time|date:"YYYY"}}', '{{  scheduled_time  |  date  :  "YYYY"  }}', '{{\tscheduled_time | date: "YYYY"\n}}']) {
      assert.deepEqual(templateIssues(s), [], s);
      assert.equal(resolve(s, ctx), '2026', s);
    }
    assert.equal(resolve('{{ schedule_id }}-{{ scheduled_time }}', ctx), 'nightly-recs-2026-11-30T02:00:00Z');
  });

  it('the date filter formats in the schedule time zone; {{scheduled_time}} stays UTC', () => {
    // 23:30 UTC on 30 November is 00:30 on 1 December in Berlin (CET, UTC+1).
    const late = '2026-11-30T23:30:00Z';
    assert.equal(resolve('{{scheduled_time | date: "YYYY-MM-DD"}}', at(late, 'UTC')), '2026-11-30');
    assert.equal(resolve('{{scheduled_time | date: "YYYY-MM-DD"}}', at(late, 'Europe/Berlin')), '2026-12-01');
    assert.equal(resolve('{{scheduled_time | date: "YYYY-MM-DD HH:mm"}}', at(late, 'Europe/Berlin')), '2026-12-01 00:30');
    assert.equal(resolve('{{scheduled_time}}', at(late, 'Europe/Berlin')), '2026-11-30T23:30:00Z');
    // New Year's Eve in Los Angeles is already the next year in UTC.
    assert.equal(resolve('{{scheduled_time | date: "YYYY"}}', at('2027-01-01T03:00:00Z', 'America/Los_Angeles')), '2026');
    assert.equal(resolve('{{scheduled_time | date: "YYYY"}}', at('2027-01-01T03:00:00Z', 'UTC')), '2027');
  });

  it('across DST changes in America/New_York (8 March and 1 November 2026)', () => {
    const ny = (iso: string) => resolve('{{scheduled_time | date: "YYYY-MM-DD HH:mm"}}', at(iso, 'America/New_York'));
    // Spring forward at 02:00 EST (07:00Z): 01:30 is EST (UTC-5), the next hour's UTC time is 03:30 EDT (UTC-4).
    assert.equal(ny('2026-03-08T06:30:00Z'), '2026-03-08 01:30');
    assert.equal(ny('2026-03-08T07:30:00Z'), '2026-03-08 03:30');
    assert.equal(ny('2026-03-08T12:00:00Z'), '2026-03-08 08:00');
    assert.equal(ny('2026-03-07T12:00:00Z'), '2026-03-07 07:00');
    // Fall back at 02:00 EDT (06:00Z): 01:30 happens twice, an hour of UTC apart.
    assert.equal(ny('2026-11-01T05:30:00Z'), '2026-11-01 01:30');
    assert.equal(ny('2026-11-01T06:30:00Z'), '2026-11-01 01:30');
    assert.equal(ny('2026-11-01T12:00:00Z'), '2026-11-01 07:00');
    // Just after midnight UTC is still the previous evening in New York.
    assert.equal(ny('2026-11-02T03:00:00Z'), '2026-11-01 22:00');
  });

  it('formatDate is the same function the workflow uses, and utcSeconds names the job', () => {
    const t = new Date('2026-11-30T02:00:00Z');
    assert.equal(formatDate(t, 'DD.MM.YYYY', 'Asia/Tokyo'), '30.11.2026');
    assert.equal(formatDate(t, 'HH', 'Asia/Kolkata'), '07', 'half-hour zones keep the right hour');
    assert.equal(formatDate(t, 'mm', 'Asia/Kolkata'), '30');
    assert.equal(utcSeconds(t), '2026-11-30T02:00:00Z');
    assert.equal(scheduledJobId('nightly-recs', t), 'nightly-recs-2026-11-30T02:00:00Z');
    assert.match(scheduledJobId('nightly-recs', t), JOB_ID_PATTERN);
    assert.match(scheduledJobId('nightly-recs', t), SCHEDULED_JOB_ID_SUFFIX);
  });

  it('strings anywhere in the template are resolved, config included; object keys and non-strings are not', () => {
    const template = {
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: ['s3://b/in/{{scheduled_time | date: "YYYY-MM-DD"}}/', 's3://b/static/'] } },
      output: { s3_path: 's3://b/out/{{schedule_id}}/' },
      parallelism: 4,
      max_failure_ratio: 0.5,
      config: {
        deep: { list: [{ day: '{{scheduled_time | date: "DD"}}' }, 7, null, true] },
        '{{schedule_id}}': 'key stays',
      },
    };
    const resolved = resolveTemplate(template, at('2026-11-30T02:00:00Z'));
    assert.deepEqual(resolved, {
      model: { name: 'recommender' },
      input: { delimited_files: { s3_paths: ['s3://b/in/2026-11-30/', 's3://b/static/'] } },
      output: { s3_path: 's3://b/out/nightly-recs/' },
      parallelism: 4,
      max_failure_ratio: 0.5,
      config: { deep: { list: [{ day: '30' }, 7, null, true] }, '{{schedule_id}}': 'key stays' },
    });
    assert.equal((template.config.deep.list[0] as { day: string }).day, '{{scheduled_time | date: "DD"}}', 'the template itself is not changed');
  });

  it('problems name the field under job.: unknown placeholder, unknown token, empty format, unclosed [, unbalanced braces, filter on schedule_id', () => {
    const cases: [string, unknown, string, RegExp][] = [
      ['unknown placeholder', { output: { s3_path: 's3://b/{{run_date}}/' } }, 'job.output.s3_path', /unknown placeholder "\{\{run_date\}\}"/],
      ['lower-case tokens', { output: { s3_path: 's3://b/{{scheduled_time | date: "yyyy-mm-dd"}}/' } }, 'job.output.s3_path', /unknown date token "y"/],
      ['single Y', { output: { s3_path: 's3://b/{{scheduled_time | date: "YY"}}/' } }, 'job.output.s3_path', /unknown date token "Y"/],
      ['empty format', { output: { s3_path: 's3://b/{{scheduled_time | date: ""}}/' } }, 'job.output.s3_path', /must not be empty/],
      ['unclosed [', { output: { s3_path: 's3://b/{{scheduled_time | date: "YYYY[T"}}/' } }, 'job.output.s3_path', /unclosed \[/],
      ['unbalanced {{', { output: { s3_path: 's3://b/{{scheduled_time/' } }, 'job.output.s3_path', /unbalanced/],
      ['unbalanced }}', { output: { s3_path: 's3://b/scheduled_time}}/' } }, 'job.output.s3_path', /unbalanced/],
      ['one brace too many', { output: { s3_path: 's3://b/{{{schedule_id}}/' } }, 'job.output.s3_path', /not \{\{name\}\}/],
      ['filter on schedule_id', { output: { s3_path: 's3://b/{{schedule_id | date: "YYYY"}}/' } }, 'job.output.s3_path', /only scheduled_time takes a date filter/],
      ['another filter', { output: { s3_path: 's3://b/{{scheduled_time | upper}}/' } }, 'job.output.s3_path', /is not \{\{name\}\}/],
      ['empty braces', { output: { s3_path: 's3://b/{{}}/' } }, 'job.output.s3_path', /is not \{\{name\}\}/],
      ['in a list', { input: { delimited_files: { s3_paths: ['s3://b/ok/', 's3://b/{{when}}/'] } } }, 'job.input.delimited_files.s3_paths[1]', /unknown placeholder/],
      ['deep in config', { config: { a: [{ b: '{{scheduled_time | date: "Q"}}' }] } }, 'job.config.a[0].b', /unknown date token "Q"/],
    ];
    for (const [name, template, field, reason] of cases) {
      const issues = templateIssues(template, 'job.');
      assert.equal(issues.length, 1, `${name}: ${JSON.stringify(issues)}`);
      assert.equal(issues[0]!.field, field, name);
      assert.match(issues[0]!.reason, reason, name);
    }
  });

  it('every bad field is reported, once each, and a clean template has none', () => {
    assert.deepEqual(
      fields({ output: { s3_path: 's3://b/{{x}}/', latest_pointer: 's3://b/{{scheduled_time | date: "dd"}}' }, input: { item_list: { items_s3_path: 's3://b/{{schedule_id}}' } } }),
      ['job.output.s3_path', 'job.output.latest_pointer'],
    );
    assert.deepEqual(fields({ a: 's3://b/{{x}}/{{y}}' }), ['job.a', 'job.a'], 'two bad placeholders in one string: two issues');
    assert.deepEqual(
      fields({ output: { s3_path: 's3://b/{{schedule_id}}/{{scheduled_time}}/{{ scheduled_time | date: "YYYY/MM/DD" }}/' }, n: 3, config: { '{{nope}}': 1 } }),
      [],
      'keys are not templated, so not checked either',
    );
  });

  it('resolveScheduledRun: the spec and the run it stands for, or the problems', () => {
    const ok = resolveScheduledRun(
      { scheduled_run: { schedule_id: 'nightly', timezone: 'Europe/Berlin' }, template: { output: { s3_path: 's3://b/{{scheduled_time | date: "YYYY-MM-DD"}}/' } } },
      new Date('2026-11-30T23:30:00Z'),
    );
    assert.deepEqual(ok, { ok: true, spec: { output: { s3_path: 's3://b/2026-12-01/' } }, run: { schedule_id: 'nightly', scheduled_time: '2026-11-30T23:30:00Z' } });
    const bad = resolveScheduledRun({ scheduled_run: { schedule_id: 'nightly', timezone: 'UTC' }, template: { output: { s3_path: 's3://b/{{day}}/' } } }, new Date());
    assert.equal(bad.ok, false);
    assert.match((bad as { error: string }).error, /^job\.output\.s3_path: unknown placeholder/);
  });

  it('staticPrefixes: each string up to its first time placeholder, {{schedule_id}} resolved before it', () => {
    const template = {
      output: {
        s3_path: 's3://b/team-a/{{schedule_id}}/{{scheduled_time | date: "YYYY"}}/{{schedule_id}}/',
        latest_pointer: 's3://b/team-a/{{schedule_id}}/latest.json',
      },
      input: { delimited_files: { s3_paths: ['s3://b/team-{{ scheduled_time|date:"YYYY" }}/in/', 's3://b/in/{{scheduled_time}}/x'] } },
      parallelism: 2,
    };
    assert.deepEqual(staticPrefixes(template, 'nightly'), {
      output: { s3_path: 's3://b/team-a/nightly/', latest_pointer: 's3://b/team-a/nightly/latest.json' },
      input: { delimited_files: { s3_paths: ['s3://b/team-', 's3://b/in/'] } },
      parallelism: 2,
    });
  });
});

describe('isKnownTimezone', () => {
  it('IANA names as IANA spells them, links and UTC included; another case or an unknown name is refused', () => {
    for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'US/Pacific', 'Etc/GMT+5', 'Asia/Kolkata']) assert.equal(isKnownTimezone(tz), true, tz);
    for (const tz of ['europe/berlin', 'EUROPE/BERLIN', 'utc', 'America/New_york', 'Mars/Olympus_Mons', '', '+01:00', 'Local']) assert.equal(isKnownTimezone(tz), false, tz);
  });
});

describe('cronIssue', () => {
  it('accepts five-field expressions with ranges, steps, lists, names and the macros', () => {
    for (const c of ['0 2 * * *', '*/15 9-17 * * MON-FRI', '0 0 1 JAN *', '@daily', '@hourly', '@yearly', '0,30 * * * *', '0 0 * * 7', '0 0 ? * sun', ' 0 2 * * * ', '1-59/2 0-23/6 1-31 1-12 0-6']) {
      assert.equal(cronIssue(c), null, c);
    }
  });

  it('refuses bad ones, saying which field', () => {
    const cases: [string, RegExp][] = [
      ['61 * * * *', /^minute: 61 is outside 0-59/],
      ['0 2 * *', /must have 5 fields.*got 4/],
      ['0 2 * * * *', /must have 5 fields.*got 6/],
      ['0 25 * * *', /^hour: 25 is outside 0-23/],
      ['@sometimes', /unknown macro "@sometimes"/],
      ['CRON_TZ=UTC 0 2 * * *', /spec\.timezone/],
      ['TZ=Europe/Berlin 0 2 * * *', /spec\.timezone/],
      ['5-1 * * * *', /^minute: range "5-1" runs backwards/],
      ['*/0 * * * *', /^minute: step "0" must be a positive number/],
      ['0 0 0 * *', /^day of month: 0 is outside 1-31/],
      ['0 0 * 13 *', /^month: 13 is outside 1-12/],
      ['0 0 * * 8', /^day of week: 8 is outside 0-7/],
      ['0 0 * FOO *', /^month: "FOO" is not a number or a name/],
      ['0 0 * * MON-', /^day of week:/],
      ['1,,2 * * * *', /^minute: "" is not a value/],
      ['', /must have 5 fields/],
    ];
    for (const [c, reason] of cases) {
      const issue = cronIssue(c);
      assert.ok(issue, `${c} must be refused`);
      assert.match(issue, reason, c);
    }
  });
});

describe('ScheduleDefinitionSchema', () => {
  const job = { model: { name: 'recommender' }, input: { item_list: { items: [{ user_id: 1 }] } }, output: { s3_path: 's3://b/x/' } };
  const def = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ schedule_id: 'nightly', spec, job, ...extra });
  const paths = (body: unknown): string[] => {
    const r = ScheduleDefinitionSchema.safeParse(body);
    assert.equal(r.success, false, `${JSON.stringify(body)} must be refused`);
    return r.error!.issues.map((i) => i.path.join('.'));
  };

  it('fills the defaults: overlap skip, catchup_window 1h, timezone UTC, not paused', () => {
    const r = ScheduleDefinitionSchema.parse(def({ cron: '0 2 * * *' }));
    assert.deepEqual(r, {
      schedule_id: 'nightly',
      spec: { cron: '0 2 * * *', timezone: 'UTC' },
      job,
      overlap: 'skip',
      catchup_window: '1h',
      pause_on_failure: false,
      paused: false,
    });
  });

  it('exactly one of cron or interval', () => {
    assert.deepEqual(paths(def({ cron: '0 2 * * *', interval: '1h' })), ['spec.cron']);
    assert.deepEqual(paths(def({})), ['spec.cron']);
    assert.equal(ScheduleDefinitionSchema.parse(def({ interval: '15m' })).spec.interval, '15m');
  });

  it('end_at must be after start_at (the issue names end_at)', () => {
    assert.deepEqual(paths(def({ cron: '@daily', start_at: '2026-12-01T00:00:00Z', end_at: '2026-11-01T00:00:00Z' })), ['spec.end_at']);
    assert.deepEqual(paths(def({ cron: '@daily', start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-01T00:00:00Z' })), ['spec.end_at'], 'equal is refused too');
    // Offsets count: 01:00+02:00 is 23:00Z the day before.
    assert.deepEqual(paths(def({ cron: '@daily', start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-01T01:00:00+02:00' })), ['spec.end_at']);
    assert.ok(ScheduleDefinitionSchema.safeParse(def({ cron: '@daily', start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-02T00:00:00+01:00' })).success);
    assert.deepEqual(paths(def({ cron: '@daily', start_at: 'tomorrow' })), ['spec.start_at']);
  });

  it('refuses an unknown time zone, a bad cron, a short catch-up window, unknown fields', () => {
    assert.deepEqual(paths(def({ cron: '@daily', timezone: 'Mars/Olympus_Mons' })), ['spec.timezone']);
    assert.deepEqual(paths(def({ cron: '@daily', timezone: '' })), ['spec.timezone']);
    // Intl reads any case, Temporal's server does not: refused here rather than by Temporal.
    assert.deepEqual(paths(def({ cron: '@daily', timezone: 'europe/berlin' })), ['spec.timezone']);
    assert.deepEqual(paths(def({ cron: '0 25 * * *' })), ['spec.cron']);
    assert.deepEqual(paths(def({ cron: '@daily' }, { catchup_window: '5s' })), ['catchup_window']);
    assert.equal(ScheduleDefinitionSchema.parse(def({ cron: '@daily' }, { catchup_window: '10s' })).catchup_window, '10s', '10s is the minimum, allowed');
    assert.deepEqual(paths(def({ cron: '@daily' }, { catchup_window: 'soon' })), ['catchup_window']);
    assert.deepEqual(paths(def({ cron: '@daily' }, { overlap: 'queue' })), ['overlap']);
    assert.deepEqual(paths(def({ cron: '@daily', cron_tz: 'UTC' })), ['spec']);
    assert.deepEqual(paths({ ...def({ cron: '@daily' }), schedule_id: '-leading-dash' }), ['schedule_id']);
    assert.deepEqual(paths({ ...def({ cron: '@daily' }), schedule_id: 'a/b' }), ['schedule_id']);
  });

  it('patch needs at least one field; backfill end must be after start', () => {
    assert.equal(SchedulePatchSchema.safeParse({}).success, false);
    assert.equal(SchedulePatchSchema.safeParse({ overlap: 'buffer_one' }).success, true);
    const back = BackfillBodySchema.safeParse({ start: '2026-12-02T00:00:00Z', end: '2026-12-01T00:00:00Z' });
    assert.deepEqual(back.error?.issues.map((i) => i.path.join('.')), ['end']);
    assert.equal(BackfillBodySchema.parse({ start: '2026-12-01T00:00:00Z', end: '2026-12-02T00:00:00Z' }).overlap, 'buffer_all');
  });
});

describe('supersedes (the latest pointer only moves forward)', () => {
  const rec = (job_id: string, scheduled_time: string): LatestPointer => ({
    job_id,
    schedule_id: 'nightly',
    scheduled_time,
    status: 'succeeded',
    output_path: `s3://b/out/${job_id}/`,
    manifest_path: `s3://b/out/${job_id}/manifest.json`,
    items_total: 3,
    items_succeeded: 3,
    items_failed: 0,
    finished_at: '2026-12-01T03:00:00Z',
  });
  const nov30 = rec('nightly-2026-11-30T02:00:00Z', '2026-11-30T02:00:00Z');
  const dec01 = rec('nightly-2026-12-01T02:00:00Z', '2026-12-01T02:00:00Z');

  it('a newer run replaces an older one, never the other way round', () => {
    assert.equal(supersedes(dec01, nov30), true);
    assert.equal(supersedes(nov30, dec01), false);
    assert.equal(supersedes(nov30, null), true, 'nothing there yet');
  });

  it('orders by time, not by the text of the time', () => {
    // 03:00+02:00 is 01:00Z, before 02:00Z, though it sorts after it as text.
    assert.equal(supersedes(rec('a', '2026-11-30T03:00:00+02:00'), rec('b', '2026-11-30T02:00:00Z')), false);
  });

  it('same time: the same job again is idempotent, two jobs are ordered by job id either way round', () => {
    assert.equal(supersedes(nov30, { ...nov30 }), true);
    const a = rec('alpha-2026-11-30T02:00:00Z', '2026-11-30T02:00:00Z');
    const z = rec('zulu-2026-11-30T02:00:00Z', '2026-11-30T02:00:00Z');
    assert.equal(supersedes(z, a), true);
    assert.equal(supersedes(a, z), false);
  });

  it('a current record with an unreadable time is replaced', () => {
    assert.equal(supersedes(nov30, rec('x', 'not a time')), true);
  });
});

describe('durations', () => {
  it('formatDurationMs writes the largest unit that divides, and durationMs reads it back', () => {
    const cases: [string, number, string][] = [
      ['1h', 3_600_000, '1h'],
      ['10s', 10_000, '10s'],
      ['90m', 5_400_000, '90m'],
      ['60m', 3_600_000, '1h'],
      ['1d', 86_400_000, '1d'],
      ['48h', 172_800_000, '2d'],
      ['1.5s', 1500, '1500ms'],
      ['250ms', 250, '250ms'],
      ['0.5h', 1_800_000, '30m'],
    ];
    for (const [text, ms, canonical] of cases) {
      assert.equal(durationMs(text), ms, text);
      assert.equal(formatDurationMs(ms), canonical, text);
      assert.equal(durationMs(formatDurationMs(ms)), ms, `${text} round trip`);
    }
    assert.throws(() => durationMs('1 hour'), /invalid duration/);
  });
});
