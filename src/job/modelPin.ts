/**
 * Model pinning: a job whose spec names no version and no label calls, in every batch, the version planning
 * resolved, so a TF Serving rollout during the job never mixes two versions in one output. `follow_latest: true`
 * opts out (each batch asks for the latest version, as TF Serving resolves it at that moment).
 */
import type { ModelRef as TfModelRef } from '../tfserving/client';
import type { ModelRef } from './spec';

/** The version to pin, given the version TF Serving answered with at planning; null = do not pin. */
export function pinnedVersion(model: ModelRef, servedVersion: string | null | undefined): string | null {
  if (model.version !== undefined || model.version_label !== undefined || model.follow_latest) return null;
  return servedVersion ? servedVersion : null;
}

/** The ModelSpec a batch sends: the job's model, with the pinned version when there is one. */
export function modelForBatch(model: ModelRef, pinned: string | null | undefined): TfModelRef {
  const { name, signature_name, version, version_label } = model;
  if (pinned) return { name, signature_name, version: pinned };
  return { name, signature_name, ...(version !== undefined ? { version } : {}), ...(version_label !== undefined ? { version_label } : {}) };
}
