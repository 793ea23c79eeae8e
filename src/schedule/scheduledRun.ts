/**
 * What a schedule hands each run: the job template and what resolving it needs. The run's
 * scheduled time is not in here: Temporal gives it to the workflow (the TemporalScheduledStartTime
 * search attribute), so backfills and catch-ups carry the time they stand for.
 */
import { resolveTemplate, templateIssues, utcSeconds } from './template';

export const SCHEDULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The argument of a `batchJob` started by a schedule. */
export interface ScheduledRunInput {
  scheduled_run: { schedule_id: string; timezone: string };
  /** A job spec without `job_id`, whose strings may hold placeholders (template.ts). */
  template: Record<string, unknown>;
  /**
   * The spec fields the template leaves out, with the defaults the gateway resolved when the
   * schedule was created or changed, so a run never defaults them itself (templateDefaults).
   * Absent in schedules made by code up to 51e598e: their runs default those fields on parsing.
   */
  defaults?: Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What `resolved` (the template's sample, parsed with its defaults) holds that `template` leaves
 * out, at any depth. Those values come from defaults alone, never from a placeholder, so they
 * hold for every run of the schedule.
 */
export function templateDefaults(template: Record<string, unknown>, resolved: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resolved)) {
    if (k === 'job_id' || v === undefined) continue;
    const t = template[k];
    if (!(k in template)) out[k] = v;
    else if (isPlainObject(t) && isPlainObject(v)) {
      const inner = templateDefaults(t, v);
      if (Object.keys(inner).length > 0) out[k] = inner;
    }
  }
  return out;
}

/** `spec` with what it leaves out taken from `defaults` (templateDefaults' inverse). */
function withDefaults(spec: unknown, defaults: Record<string, unknown>): unknown {
  if (!isPlainObject(spec)) return spec;
  const out: Record<string, unknown> = { ...spec };
  for (const [k, v] of Object.entries(defaults)) out[k] = k in spec ? (isPlainObject(v) ? withDefaults(spec[k], v) : spec[k]) : v;
  return out;
}

export function isScheduledRunInput(v: unknown): v is ScheduledRunInput {
  if (typeof v !== 'object' || v === null || !('scheduled_run' in v) || !('template' in v)) return false;
  const r = (v as { scheduled_run: unknown }).scheduled_run;
  return typeof r === 'object' && r !== null && typeof (r as { schedule_id?: unknown }).schedule_id === 'string';
}

/** The schedule and time a run stands for; kept in the job's state across continue-as-new. */
export interface ScheduledRunRef {
  schedule_id: string;
  /** RFC 3339, UTC. */
  scheduled_time: string;
}

/**
 * Temporal starts a schedule's runs as `<action workflow id>-<scheduled time, RFC 3339>`; the
 * action's id is the schedule id, so this is every run's job id, and one time never runs twice.
 */
export const scheduledJobId = (scheduleId: string, scheduledTime: Date): string => `${scheduleId}-${utcSeconds(scheduledTime)}`;

/** Job ids of this shape belong to schedules: a submitted job may not take one. */
export const SCHEDULED_JOB_ID_SUFFIX = /-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export type ResolvedRun = { ok: true; spec: unknown; run: ScheduledRunRef } | { ok: false; error: string };

/** The job spec (still unparsed) a scheduled run stands for. Deterministic: the workflow calls it. */
export function resolveScheduledRun(input: ScheduledRunInput, scheduledTime: Date): ResolvedRun {
  const issues = templateIssues(input.template, 'job.');
  if (issues.length > 0) return { ok: false, error: issues.map((i) => `${i.field}: ${i.reason}`).join('; ') };
  const { schedule_id, timezone } = input.scheduled_run;
  const resolved = resolveTemplate(input.template, { schedule_id, timezone, scheduled_time: scheduledTime });
  const spec = input.defaults ? withDefaults(resolved, input.defaults) : resolved;
  return { ok: true, spec, run: { schedule_id, scheduled_time: utcSeconds(scheduledTime) } };
}
