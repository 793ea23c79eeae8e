/**
 * Checks a job against the world before any batch runs: its S3 inputs match something, and its
 * items fit the model's signature (from GetModelMetadata). Used by the gateway at submit (HTTP
 * 400 naming the field) and by the plan activity (a non-retryable failure), so a bad job is
 * rejected early and the same way on both paths.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FieldIssue, JobSpec, ModelRef } from './spec';
import { inputKind } from './spec';
import { matchInputs } from './matchInputs';
import { itemsToTensors, CodecError } from '../tfserving/codec';
import { TfServingError } from '../tfserving/errors';
import type { ModelSignature } from '../tfserving/signature';

/** Items checked against the signature before a job starts; the rest are checked as they run. */
export const SAMPLE_ITEMS = 100;

const dtypeName = (dtype: string): string => dtype.replace(/^DT_/, '');

/** The STRING input that object bytes feed: the one named, or the signature's only input. */
export function resolveBytesInput(signature: ModelSignature, named: string | undefined): { name?: string; issue?: FieldIssue } {
  const field = 'input.file_path_lister.input_name';
  const names = Object.keys(signature.inputs);
  const name = named ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) {
    return { issue: { field, reason: `required: signature "${signature.signature_name}" has inputs ${names.join(', ')}` } };
  }
  const spec = signature.inputs[name];
  if (!spec) {
    return { issue: { field, reason: `"${name}" is not an input of signature "${signature.signature_name}" (inputs: ${names.join(', ')})` } };
  }
  if (dtypeName(spec.dtype) !== 'STRING') {
    return { issue: { field, reason: `input "${name}" has dtype ${dtypeName(spec.dtype)}; object bytes need a STRING input` } };
  }
  return { name };
}

/**
 * Checks the first SAMPLE_ITEMS items against the signature. The job is rejected only when every
 * sampled item is wrong (a wrong input name or dtype); a few bad items among good ones are not
 * the job's fault and are isolated into `errors/` as the job runs.
 */
export function checkItems(signature: ModelSignature, items: unknown[], field: string): FieldIssue[] {
  const names = Object.keys(signature.inputs);
  const issues: FieldIssue[] = [];
  const sample = items.slice(0, SAMPLE_ITEMS);
  sample.forEach((item, i) => {
    if (issues.length < i) return; // one item fitted: the job is fine
    const keyed = typeof item === 'object' && item !== null && !Array.isArray(item) && !('b64' in item && names.length === 1);
    if (keyed && (names.length > 1 || !(names[0]! in item))) {
      const keys = Object.keys(item);
      const unknown = keys.filter((k) => !names.includes(k));
      const missing = names.filter((n) => !keys.includes(n));
      if (unknown.length || missing.length) {
        const parts = [
          ...unknown.map((k) => `"${k}" is not an input of signature "${signature.signature_name}"`),
          ...missing.map((k) => `missing input "${k}"`),
        ];
        issues.push({ field: `${field}[${i}]`, reason: `${parts.join('; ')} (inputs: ${names.join(', ')})` });
        return;
      }
    }
    try {
      itemsToTensors([item], signature.inputs);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      issues.push({ field: `${field}[${i}]`, reason: err.message });
    }
  });
  return issues.length === sample.length ? issues.slice(0, 5) : [];
}

/** The model field a TF Serving error points at. */
export function modelIssue(model: ModelRef, err: TfServingError): FieldIssue {
  if (err.codeName === 'FAILED_PRECONDITION') return { field: 'model.signature_name', reason: err.message };
  const field = model.version !== undefined ? 'model.version' : model.version_label !== undefined ? 'model.version_label' : 'model.name';
  return { field, reason: `${err.codeName}: ${err.message}` };
}

export interface ValidateDeps {
  s3: S3Client;
  tfserving: { forModel(name: string): { getModelMetadata(model: ModelRef, opts?: { signal?: AbortSignal }): Promise<ModelSignature> } };
}

/**
 * Pre-flight checks for the gateway. A TF Serving that cannot be reached right now does not
 * reject the job (the plan activity validates again, with retries); a definite answer does.
 */
export async function validateJob(deps: ValidateDeps, spec: JobSpec): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const kind = inputKind(spec);
  const input = spec.input;
  if ('delimited_files' in input || 'file_path_lister' in input) {
    const sel = 'delimited_files' in input ? input.delimited_files : input.file_path_lister;
    try {
      const first = await matchInputs(deps.s3, sel).next();
      if (first.done) {
        issues.push({
          field: `input.${kind}.s3_paths`,
          reason: `matches no object (includes ${JSON.stringify(sel.includes)}, excludes ${JSON.stringify(sel.excludes)})`,
        });
      }
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'Error';
      issues.push({ field: `input.${kind}.s3_paths`, reason: `cannot be listed: ${name}: ${(err as Error).message}` });
    }
  }
  let signature: ModelSignature;
  try {
    signature = await deps.tfserving.forModel(spec.model.name).getModelMetadata(spec.model);
  } catch (err) {
    if (err instanceof TfServingError && !err.retryable) issues.push(modelIssue(spec.model, err));
    return issues;
  }
  if ('file_path_lister' in input) {
    const { issue } = resolveBytesInput(signature, input.file_path_lister.input_name);
    if (issue) issues.push(issue);
  } else if ('item_list' in input && input.item_list.items) {
    issues.push(...checkItems(signature, input.item_list.items, 'input.item_list.items'));
  }
  return issues;
}
