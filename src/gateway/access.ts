/**
 * What a caller may do: read and write only under its S3 prefixes, call only its models, see and
 * steer only the jobs it started (admins: every job). Checked before anything is written or started.
 */
import type { FieldIssue, JobSpec } from '../job/spec';
import type { Caller } from './apiKeys';
import { HttpError } from './errors';

/** S3 keys are literal, but some S3-compatible servers map them to file paths: never let "." or ".." through. */
const hasDotSegment = (url: string): boolean =>
  url
    .slice('s3://'.length)
    .split('/')
    .slice(1)
    .some((s) => s === '.' || s === '..');

const under = (url: string, prefixes: readonly string[]): boolean => prefixes.some((p) => url.startsWith(p));

/** Every S3 path a spec names, with the field it came from and whether the job reads or writes there. */
export function specPaths(spec: Pick<JobSpec, 'input' | 'output'>): { field: string; url: string; mode: 'read' | 'write' }[] {
  const out: { field: string; url: string; mode: 'read' | 'write' }[] = [];
  const i = spec.input;
  if ('item_list' in i) {
    if (i.item_list.items_s3_path) out.push({ field: 'input.item_list.items_s3_path', url: i.item_list.items_s3_path, mode: 'read' });
  } else {
    const kind = 'delimited_files' in i ? 'delimited_files' : 'file_path_lister';
    const sel = 'delimited_files' in i ? i.delimited_files : i.file_path_lister;
    sel.s3_paths.forEach((url, n) => out.push({ field: `input.${kind}.s3_paths[${n}]`, url, mode: 'read' }));
  }
  // Staged items, the plan, parts and the manifest all live under the output prefix.
  out.push({ field: 'output.s3_path', url: spec.output.s3_path, mode: 'write' });
  if (spec.output.latest_pointer) out.push({ field: 'output.latest_pointer', url: spec.output.latest_pointer, mode: 'write' });
  return out;
}

/** Throws 400 for a path with dot segments and 403 naming the first path or model the caller may not use. */
export function checkSpecAccess(caller: Caller, spec: Pick<JobSpec, 'input' | 'output' | 'model'>): void {
  const dotted: FieldIssue[] = specPaths(spec)
    .filter((p) => hasDotSegment(p.url))
    .map((p) => ({ field: p.field, reason: 'must not contain "." or ".." path segments' }));
  if (dotted.length) throw new HttpError('invalid_argument', dotted.map((d) => `${d.field}: ${d.reason}`).join('; '), dotted);

  if (caller.models !== null && !caller.models.includes(spec.model.name)) {
    throw new HttpError('permission_denied', `key "${caller.id}" may not call model "${spec.model.name}"`, [
      { field: 'model.name', reason: `not one of the models this key may call (${caller.models.join(', ') || 'none'})` },
    ]);
  }
  for (const p of specPaths(spec)) {
    // What a key may write it may read back (its results are handed out as presigned GETs anyway).
    const allowed = p.mode === 'write' ? caller.write : caller.read === null || caller.write === null ? null : [...caller.read, ...caller.write];
    if (allowed === null || under(p.url, allowed)) continue;
    throw new HttpError('permission_denied', `key "${caller.id}" may not ${p.mode} ${p.url}`, [
      { field: p.field, reason: `${p.url} is not under a prefix this key may ${p.mode} (${allowed.join(', ') || 'none'})` },
    ]);
  }
}

/** Whether a caller may see a job started by `owner` (undefined: a workflow the gateway did not start). */
export const maySee = (caller: Caller, owner: string | undefined): boolean => caller.admin || (owner !== undefined && owner === caller.id);
