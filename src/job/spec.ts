/**
 * The job spec: one zod schema for the gateway, the CLI and the workflow input. Parsing fills
 * every documented default, so code past the edge works with a complete, typed `JobSpec`.
 * Deterministic (no clocks, no randomness): the workflow re-parses its input with it.
 */
import { z } from 'zod';
import {
  MAX_CONFIG_BYTES,
  MAX_DURATION_CHARS,
  MAX_GLOB_CHARS,
  MAX_LIST_ENTRIES,
  MAX_NAME_CHARS,
  MAX_S3_URL_CHARS,
  utf8Bytes,
} from './bounds';

/** Colons are allowed because Temporal names a scheduled run `<schedule id>-<RFC 3339 time>`. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const WEBHOOK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const S3_URL_PATTERN = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "1.5s" → 1500. Throws on anything else; call only on values the schema accepted. */
export function durationMs(d: string): number {
  const m = DURATION_PATTERN.exec(d);
  if (!m) throw new Error(`invalid duration "${d}"`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/** 3_600_000 → "1h": the largest unit that divides it, the inverse of durationMs for what it wrote. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${Math.round(ms)}ms`;
}

export const DurationSchema = z
  .string()
  .max(MAX_DURATION_CHARS, `must be at most ${MAX_DURATION_CHARS} characters`)
  .regex(DURATION_PATTERN, 'must be a duration like "500ms", "30s", "10m", "6h" or "1d"')
  // zod 4 runs refinements even after the regex failed, so guard before durationMs (it throws).
  .refine((d) => !DURATION_PATTERN.test(d) || durationMs(d) > 0, 'must be greater than zero');
const duration = DurationSchema;
const s3Url = z.string().max(MAX_S3_URL_CHARS, `must be at most ${MAX_S3_URL_CHARS} characters`).regex(S3_URL_PATTERN, 'must be an s3://bucket/key URL');
const s3Prefix = s3Url.transform((u) => (u.endsWith('/') ? u : `${u}/`));
const glob = z.string().min(1, 'must not be empty').max(MAX_GLOB_CHARS, `must be at most ${MAX_GLOB_CHARS} characters`);
const name = () => z.string().max(MAX_NAME_CHARS, `must be at most ${MAX_NAME_CHARS} characters`);
/** Lists that ride in every workflow and activity input, so they stay far below Temporal's 2 MB payload limit. */
const boundedList = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_LIST_ENTRIES, `must have at most ${MAX_LIST_ENTRIES} entries`);
const s3Paths = boundedList(s3Url).min(1, 'must name at least one s3:// path');
const globs = (dflt: string[]) => boundedList(glob).default(dflt);
const batchSize = (dflt: number) => z.number().int().min(1).max(100_000).default(dflt);

export const ModelRefSchema = z
  .object({
    name: name().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a TF Serving model name'),
    version: z.number().int().positive().optional(),
    version_label: name().min(1).optional(),
    signature_name: name().min(1).default('serving_default'),
    /**
     * Without version or label, planning pins the version TF Serving serves and every batch calls it
     * (src/job/modelPin.ts); true lets each batch call whatever version is latest at the time. Default false
     * (left unset, so specs parsed before the field existed read the same).
     */
    follow_latest: z.boolean().optional(),
  })
  .strict()
  .refine((m) => m.version === undefined || m.version_label === undefined, {
    message: 'version and version_label are exclusive',
    path: ['version_label'],
  })
  .refine((m) => !m.follow_latest || (m.version === undefined && m.version_label === undefined), {
    message: 'follow_latest cannot be combined with version or version_label',
    path: ['follow_latest'],
  });

const ItemListSchema = z
  .object({
    /** Inline items; lists over INLINE_ITEMS_MAX_BYTES are staged to S3 by the edge. */
    items: z.array(z.unknown()).min(1, 'must hold at least one item').optional(),
    /** Set instead of `items` once the list is staged: a JSON-lines object, one item per line. */
    items_s3_path: s3Url.optional(),
    batch_size: batchSize(100),
  })
  .strict()
  .refine((l) => (l.items === undefined) !== (l.items_s3_path === undefined), {
    message: 'exactly one of items or items_s3_path is required',
    path: ['items'],
  });

const FilePathListerSchema = z
  .object({
    s3_paths: s3Paths,
    includes: globs(['**']),
    excludes: globs([]),
    batch_size: batchSize(16),
    /** The STRING input fed with each object's bytes; defaults to the signature's only input. */
    input_name: name().min(1).optional(),
  })
  .strict();

const DelimitedFilesSchema = z
  .object({
    s3_paths: s3Paths,
    includes: globs(['**']),
    excludes: globs([]),
    batch_size: batchSize(500),
  })
  .strict();

export const JobInputSchema = z.union([
  z.object({ item_list: ItemListSchema }).strict(),
  z.object({ file_path_lister: FilePathListerSchema }).strict(),
  z.object({ delimited_files: DelimitedFilesSchema }).strict(),
]);

export const JobSpecSchema = z
  .object({
    job_id: z.string().regex(JOB_ID_PATTERN, 'must be 1-128 of [A-Za-z0-9_.:-], starting with a letter or digit').optional(),
    model: ModelRefSchema,
    input: JobInputSchema,
    output: z
      .object({
        s3_path: s3Prefix,
        include_input: z.boolean().default(false),
        /**
         * An object the job replaces, when it ends well, with a small JSON record naming its output
         * (docs/schedules.md): consumers read one key to find the newest complete result.
         */
        latest_pointer: s3Url.refine((u) => !u.endsWith('/'), 'must name an object, not a prefix ending in /').optional(),
        /** Whether a `completed_with_errors` run (within max_failure_ratio) moves latest_pointer too. */
        publish_with_errors: z.boolean().optional(),
        /**
         * Whether the job may replace what an earlier job of the same id left under its output
         * prefix (planning clears the prefix first). False: such a job is refused (409, OutputExists).
         */
        overwrite: z.boolean().default(false),
      })
      .strict(),
    parallelism: z.number().int().min(1).max(1000).default(8),
    timeout: duration.default('6h'),
    batch_timeout: duration.default('10m'),
    retry: z
      .object({
        max_attempts: z.number().int().min(1).max(100).default(5),
        initial_interval: duration.default('1s'),
        max_interval: duration.default('1m'),
      })
      .strict()
      .default({ max_attempts: 5, initial_interval: '1s', max_interval: '1m' }),
    max_failure_ratio: z.number().min(0).max(1).default(0),
    config: z
      .record(z.string(), z.unknown())
      .refine((c) => utf8Bytes(JSON.stringify(c)) <= MAX_CONFIG_BYTES, `must be at most ${MAX_CONFIG_BYTES} bytes as JSON (${MAX_CONFIG_BYTES / 1024} KiB)`)
      .default({}),
    /** A webhook named in the server's webhooks file, POSTed the manifest summary when the job ends. */
    on_complete: z
      .object({ webhook: z.string().regex(WEBHOOK_NAME_PATTERN, 'must be a webhook name of [A-Za-z0-9_.-]') })
      .strict()
      .optional(),
    /**
     * Set by `POST /v1/jobs/{id}/retry-failed` only: this job re-runs the failed batches and error
     * items of job `retry_of` (same spec, same output path) instead of planning its inputs.
     */
    retry_of: z.string().regex(JOB_ID_PATTERN, 'must be a job id').optional(),
  })
  .strict();

/** What a user writes (defaults optional). */
export type JobSpecInput = z.input<typeof JobSpecSchema>;
/** What the inside works with (defaults filled). */
export type JobSpec = z.output<typeof JobSpecSchema>;
export type ModelRef = z.output<typeof ModelRefSchema>;
export type ItemListInput = z.output<typeof ItemListSchema>;
export type FilePathListerInput = z.output<typeof FilePathListerSchema>;
export type DelimitedFilesInput = z.output<typeof DelimitedFilesSchema>;
export type InputKind = 'item_list' | 'file_path_lister' | 'delimited_files';

/** A job spec whose job id is settled (the workflow id). */
export type ResolvedJobSpec = JobSpec & { job_id: string };

/** Inline item lists above this many bytes of JSON are staged to S3 before the workflow starts. */
export const INLINE_ITEMS_MAX_BYTES = 256 * 1024;

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `input.item_list.batch_size`. */
  field: string;
  reason: string;
}

export type ParseResult = { ok: true; spec: JobSpec } | { ok: false; issues: FieldIssue[] };

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') || '(root)';
}

/** Parses untrusted JSON into a `JobSpec`, or lists every bad field with its reason. */
export function parseJobSpec(json: unknown): ParseResult {
  const r = JobSpecSchema.safeParse(json);
  if (r.success) return { ok: true, spec: r.data };
  const issues: FieldIssue[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'invalid_union' && issuePath(issue.path) === 'input') {
      issues.push(...inputUnionIssues(json));
    } else if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) issues.push({ field: issuePath([...issue.path, k]), reason: 'unknown field' });
    } else {
      issues.push({ field: issuePath(issue.path), reason: issue.message });
    }
  }
  return { ok: false, issues };
}

/** zod reports a failed union as one opaque issue; name the variant the user meant instead. */
function inputUnionIssues(json: unknown): FieldIssue[] {
  const input = (json as { input?: unknown }).input;
  const kinds = ['item_list', 'file_path_lister', 'delimited_files'] as const;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ field: 'input', reason: `must be an object with exactly one of ${kinds.join(', ')}` }];
  }
  const present = Object.keys(input);
  const known = present.filter((k): k is (typeof kinds)[number] => (kinds as readonly string[]).includes(k));
  if (known.length !== 1 || present.length !== 1) {
    return [{ field: 'input', reason: `must have exactly one of ${kinds.join(', ')} (got ${present.join(', ') || 'none'})` }];
  }
  const kind = known[0]!;
  const schema = { item_list: ItemListSchema, file_path_lister: FilePathListerSchema, delimited_files: DelimitedFilesSchema }[kind];
  const r = schema.safeParse((input as Record<string, unknown>)[kind]);
  if (r.success) return [{ field: `input.${kind}`, reason: 'invalid' }];
  return r.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: issuePath(['input', kind, ...i.path, k]), reason: 'unknown field' }))
      : [{ field: issuePath(['input', kind, ...i.path]), reason: i.message }],
  );
}

export function inputKind(spec: Pick<JobSpec, 'input'>): InputKind {
  if ('item_list' in spec.input) return 'item_list';
  if ('file_path_lister' in spec.input) return 'file_path_lister';
  return 'delimited_files';
}

export function batchSizeOf(spec: Pick<JobSpec, 'input'>): number {
  const i = spec.input;
  if ('item_list' in i) return i.item_list.batch_size;
  if ('file_path_lister' in i) return i.file_path_lister.batch_size;
  return i.delimited_files.batch_size;
}
