/**
 * A deliberately breaking change to batchJob, for the replay test only: one extra timer before
 * the job's own commands, as a careless edit might add. Replaying any recorded history against
 * this module must fail, which shows the replay test can catch such a change.
 */
import * as wf from '@temporalio/workflow';
import { batchJob as current } from '../../workflows/batchJob';

export async function batchJob(...args: Parameters<typeof current>): ReturnType<typeof current> {
  await wf.sleep('1ms');
  return current(...args);
}
