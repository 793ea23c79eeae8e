/**
 * What the Temporal Web UI shows of a job (Temporal user metadata): the workflow's static summary
 * and details, set by whoever starts it (gateway, schedules, tests); the summary of each batch
 * activity; and the workflow's current details with live progress. Plain strings built from the
 * spec and the progress, with no I/O, so the workflow can use it too (deterministic).
 */
import type { JobSpec, ModelRef } from './spec';
import type { JobProgress } from './messages';

/** The UI shows a summary on one line; longer ones are cut rather than refused by the server. */
const MAX_SUMMARY = 200;
/** Paths listed in details before "and N more". */
const MAX_PATHS_SHOWN = 5;

const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function modelLabel(model: Pick<ModelRef, 'name' | 'version' | 'version_label'>): string {
  if (model.version !== undefined) return `${model.name} v${String(model.version)}`;
  if (model.version_label) return `${model.name} @${model.version_label}`;
  return `${model.name} (latest)`;
}

function inputPaths(spec: Pick<JobSpec, 'input'>): { kind: string; paths: string[]; inline: number | null } {
  const i = spec.input;
  if ('item_list' in i) return { kind: 'item_list', paths: i.item_list.items_s3_path ? [i.item_list.items_s3_path] : [], inline: i.item_list.items?.length ?? null };
  if ('file_path_lister' in i) return { kind: 'file_path_lister', paths: i.file_path_lister.s3_paths, inline: null };
  return { kind: 'delimited_files', paths: i.delimited_files.s3_paths, inline: null };
}

function inputLabel(spec: Pick<JobSpec, 'input'>): string {
  const { paths, inline } = inputPaths(spec);
  if (inline !== null) return `${inline} inline items`;
  return paths.length > 1 ? `${paths[0]!} (+${paths.length - 1} more)` : (paths[0] ?? '');
}

/** One line: model and version, input, output. */
export function jobSummary(spec: Pick<JobSpec, 'model' | 'input'>, outputPath: string, prefix = ''): string {
  return cut(`${prefix}${modelLabel(spec.model)} · ${inputLabel(spec)} → ${outputPath}`, MAX_SUMMARY);
}

/** Markdown the UI renders under the summary: the job as submitted. */
export function jobDetails(spec: Pick<JobSpec, 'model' | 'input' | 'parallelism'>, outputPath: string): string {
  const { kind, paths, inline } = inputPaths(spec);
  const shown = paths.slice(0, MAX_PATHS_SHOWN).map((p) => `  - ${p}`);
  if (paths.length > MAX_PATHS_SHOWN) shown.push(`  - and ${paths.length - MAX_PATHS_SHOWN} more`);
  return [
    `**Model:** ${modelLabel(spec.model)}${spec.model.signature_name ? `, signature ${spec.model.signature_name}` : ''}`,
    `**Input:** ${kind}${inline !== null ? `, ${inline} inline items` : ''}`,
    ...shown,
    `**Output:** ${outputPath}`,
    `**Parallelism:** ${spec.parallelism}`,
  ].join('\n');
}

/**
 * A batch activity's summary. The workflow knows only the task's index and the plan's totals (the
 * tasks themselves are in S3), so that is what it says; the activity's result holds the counts.
 */
export function batchSummary(task: number, plan: { tasks_total: number; batches_total: number; items_total: number }): string {
  return `task ${task} of ${plan.tasks_total} (job: ${plan.items_total} items in ${plan.batches_total} batches)`;
}

/** The workflow's current details: where the job is now, rendered as markdown. */
export function progressDetails(p: JobProgress): string {
  const done = p.items_succeeded + p.items_failed;
  const lines = [
    `**Status:** ${p.status}`,
    `**Model:** ${modelLabel({ name: p.model.name, version: p.model.version ?? undefined, version_label: p.model.version_label ?? undefined })}${p.model.served_version ? `, served version ${p.model.served_version}` : ''}`,
    p.items_total === null ? `**Items:** planning…` : `**Items:** ${done} of ${p.items_total} done (${p.items_succeeded} succeeded, ${p.items_failed} failed)`,
    `**Batches:** ${p.batches_succeeded + p.batches_failed} of ${p.batches_total ?? '?'} done (${p.batches_failed} failed), ${p.batches_in_flight} in flight, parallelism ${p.parallelism}`,
  ];
  if (p.throughput_items_per_s !== null) lines.push(`**Throughput:** ${p.throughput_items_per_s} items/s${p.eta_s !== null ? `, ETA ${p.eta_s} s` : ''}`);
  lines.push(`**Output:** ${p.output_path}`);
  if (p.manifest_path) lines.push(`**Manifest:** ${p.manifest_path}`);
  if (p.error) lines.push(`**Error:** ${cut(p.error, 500)}`);
  return lines.join('\n');
}
