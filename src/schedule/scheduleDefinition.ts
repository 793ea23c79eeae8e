/**
 * A schedule as users write it (`POST /v1/schedules`, `nightshift schedule create <file>`): when
 * to run, the job template, and Temporal's schedule policies under their own names. One zod
 * schema for the gateway, the CLI and `/openapi.json`; the template itself is checked as a job
 * spec by the gateway (gateway/scheduleTemplate.ts), after its placeholders are resolved.
 */
import { z } from 'zod';
import { DurationSchema, durationMs } from '../job/spec';
import { cronIssue } from './cron';
import { SCHEDULE_ID_PATTERN } from './scheduledRun';
import { isKnownTimezone } from './template';

/** Temporal's overlap policies, lower-cased: what happens when a run is due while another still runs. */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Temporal refuses catch-up windows under 10 s. */
const MIN_CATCHUP_MS = 10_000;
export const DEFAULT_CATCHUP_WINDOW = '1h';

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-12-01T00:00:00Z' });

export const ScheduleIdSchema = z
  .string()
  .regex(SCHEDULE_ID_PATTERN, 'must be 1-100 of [A-Za-z0-9_.-], starting with a letter or digit');

export const ScheduleSpecSchema = z
  .object({
    cron: z
      .string()
      .superRefine((c, ctx) => {
        const issue = cronIssue(c);
        if (issue) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${issue}` });
      })
      .optional()
      .describe('five-field cron, e.g. "0 2 * * *" (02:00 every day in `timezone`), or @daily, @hourly, ...'),
    interval: DurationSchema.optional().describe('run every this long, e.g. "24h", "10s"; exclusive with cron'),
    timezone: z
      .string()
      .refine(isKnownTimezone, 'must be an IANA time zone, e.g. "Europe/Berlin" or "UTC"')
      .default('UTC')
      .describe('zone the cron fields and the date placeholders are read in'),
    jitter: DurationSchema.optional().describe('start each run up to this much later, at random'),
    start_at: isoTime.optional().describe('no run before this time'),
    end_at: isoTime.optional().describe('no run after this time'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.cron === undefined) === (s.interval === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'exactly one of cron or interval is required' });
    }
    if (s.start_at && s.end_at && Date.parse(s.end_at) <= Date.parse(s.start_at)) {
      ctx.addIssue({ code: 'custom', path: ['end_at'], message: 'must be after start_at' });
    }
  });

const catchupWindow = DurationSchema.refine((d) => {
  try {
    return durationMs(d) >= MIN_CATCHUP_MS;
  } catch {
    return true; // the duration's own message says what is wrong
  }
}, 'must be at least 10s (Temporal’s minimum)');

/** The job template: a job spec without job_id, whose strings may use {{placeholders}}. */
export const JobTemplateSchema = z
  .record(z.string(), z.unknown())
  .describe('a job spec (see JobSpec) without job_id; strings may use {{scheduled_time | date: "YYYY-MM-DD"}}, {{scheduled_time}}, {{schedule_id}}');

export const ScheduleDefinitionSchema = z
  .object({
    schedule_id: ScheduleIdSchema,
    spec: ScheduleSpecSchema,
    job: JobTemplateSchema,
    overlap: z.enum(OVERLAP_POLICIES).default('skip').describe('when a run is due while the previous one still runs'),
    catchup_window: catchupWindow
      .default(DEFAULT_CATCHUP_WINDOW)
      .describe('how late a run missed while Temporal was unavailable may still start (times passed while paused are not run)'),
    pause_on_failure: z.boolean().default(false).describe('pause the schedule when a run ends failed or timed_out'),
    paused: z.boolean().default(false),
    note: z.string().max(1000).optional().describe('shown with the schedule, e.g. why it is paused'),
  })
  .strict();

/** `PATCH /v1/schedules/{id}`: the fields given replace the schedule's (spec and job as a whole). */
export const SchedulePatchSchema = z
  .object({
    spec: ScheduleSpecSchema.optional(),
    job: JobTemplateSchema.optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    catchup_window: catchupWindow.optional(),
    pause_on_failure: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one of spec, job, overlap, catchup_window, pause_on_failure', path: ['(body)'] });

export const PauseBodySchema = z.object({ note: z.string().max(1000).optional() }).strict();

export const TriggerBodySchema = z
  .object({
    overlap: z.enum(OVERLAP_POLICIES).default('allow_all').describe('allow_all (default): run now even if a run is going'),
  })
  .strict();

export const BackfillBodySchema = z
  .object({
    start: isoTime.describe('first scheduled time to fill (inclusive)'),
    end: isoTime.describe('last scheduled time to fill (inclusive)'),
    overlap: z.enum(OVERLAP_POLICIES).default('buffer_all').describe('buffer_all (default): one run after another, oldest first'),
  })
  .strict()
  .superRefine((b, ctx) => {
    // Both ends are inclusive: start == end fills the one time (if the schedule has a run then).
    if (Date.parse(b.end) < Date.parse(b.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must not be before start' });
  });

export type ScheduleSpec = z.output<typeof ScheduleSpecSchema>;
export type ScheduleDefinition = z.output<typeof ScheduleDefinitionSchema>;
export type ScheduleDefinitionInput = z.input<typeof ScheduleDefinitionSchema>;
export type SchedulePatch = z.output<typeof SchedulePatchSchema>;
export type BackfillBody = z.output<typeof BackfillBodySchema>;
