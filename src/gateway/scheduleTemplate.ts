/**
 * A schedule's job template, checked as the job spec every run will be: placeholders known, the
 * spec valid once they are resolved, and every S3 path under the caller's prefixes whatever date
 * a run stands for. Errors name the field under `job.`.
 */
import { INLINE_ITEMS_MAX_BYTES, parseJobSpec, type FieldIssue, type JobSpec } from '../job/spec';
import { resolveTemplate, staticPrefixes, templateIssues } from '../schedule/template';
import { webhookNameIssue, type Webhooks } from '../webhooks/webhooksFile';
import { checkSpecAccess } from './access';
import type { Caller } from './apiKeys';
import { HttpError, invalidFields } from './errors';

const prefixed = (issues: FieldIssue[]): FieldIssue[] => issues.map((i) => ({ ...i, field: `job.${i.field}` }));

/** `staticSpec`'s S3 paths in place of `spec`'s: what the access check sees. */
function withStaticPaths(spec: JobSpec, staticSpec: unknown): JobSpec {
  const s = staticSpec as { input?: Record<string, { s3_paths?: string[]; items_s3_path?: string }>; output?: { s3_path?: string; latest_pointer?: string } };
  const input = spec.input;
  // A path with a time placeholder is checked up to it; any other as parsed (with its trailing / added).
  const pick = (fixed: string | undefined, parsed: string): string => (fixed === undefined || parsed === fixed || parsed === `${fixed}/` ? parsed : fixed);
  let staticInput: JobSpec['input'] = input;
  if ('item_list' in input && input.item_list.items_s3_path) {
    staticInput = { item_list: { ...input.item_list, items_s3_path: pick(s.input?.item_list?.items_s3_path, input.item_list.items_s3_path) } };
  } else if ('delimited_files' in input) {
    const fixed = s.input?.delimited_files?.s3_paths ?? [];
    staticInput = { delimited_files: { ...input.delimited_files, s3_paths: input.delimited_files.s3_paths.map((p, n) => pick(fixed[n], p)) } };
  } else if ('file_path_lister' in input) {
    const fixed = s.input?.file_path_lister?.s3_paths ?? [];
    staticInput = { file_path_lister: { ...input.file_path_lister, s3_paths: input.file_path_lister.s3_paths.map((p, n) => pick(fixed[n], p)) } };
  }
  const pointer = spec.output.latest_pointer;
  return {
    ...spec,
    input: staticInput,
    output: {
      ...spec.output,
      s3_path: pick(s.output?.s3_path, spec.output.s3_path),
      ...(pointer ? { latest_pointer: pick(s.output?.latest_pointer, pointer) } : {}),
    },
  };
}

export interface TemplateCheck {
  scheduleId: string;
  timezone: string;
  /** A time to resolve the template for (the next run's, or now). */
  sampleTime: Date;
  webhooks?: Webhooks;
}

/** The spec the template resolves to at `sampleTime`; throws 400/403 naming the field. */
export function checkTemplate(caller: Caller, template: Record<string, unknown>, check: TemplateCheck): JobSpec {
  const own: FieldIssue[] = [];
  if ('job_id' in template) own.push({ field: 'job.job_id', reason: 'is set by the schedule: <schedule_id>-<scheduled time>' });
  if ('retry_of' in template) own.push({ field: 'job.retry_of', reason: 'is set by POST /v1/jobs/{id}/retry-failed, not in a template' });
  if (JSON.stringify(template).length > INLINE_ITEMS_MAX_BYTES) {
    own.push({ field: 'job', reason: `is over ${INLINE_ITEMS_MAX_BYTES / 1024} KiB; a template is stored with its schedule: put large item lists in S3 (items_s3_path)` });
  }
  const placeholders = templateIssues(template, 'job.');
  if (own.length || placeholders.length) throw invalidFields([...own, ...placeholders]);

  const sample = resolveTemplate(template, { schedule_id: check.scheduleId, timezone: check.timezone, scheduled_time: check.sampleTime });
  const parsed = parseJobSpec(sample);
  if (!parsed.ok) throw invalidFields(prefixed(parsed.issues));
  const webhookIssue = webhookNameIssue(parsed.spec, check.webhooks ?? new Map());
  if (webhookIssue) throw invalidFields(prefixed([webhookIssue]));
  try {
    // The resolved sample first: a date format's [literal] text (e.g. "[../team-b/]YYYY") lies past
    // the static prefix, so only the resolved path shows its "." / ".." segments. Such segments are
    // the same for every run (time-dependent text is digits), so one sample is enough.
    checkSpecAccess(caller, parsed.spec);
    checkSpecAccess(caller, withStaticPaths(parsed.spec, staticPrefixes(template, check.scheduleId)));
  } catch (err) {
    if (!(err instanceof HttpError) || !err.fields) throw err;
    const fields = prefixed(err.fields);
    throw new HttpError(err.code, fields.map((f) => `${f.field}: ${f.reason}`).join('; '), fields);
  }
  return parsed.spec;
}
