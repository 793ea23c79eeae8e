import type { JobSignalName } from '../../gateway/controlJob';
import type { CommandContext, ExitCode } from '../context';

/** `cancel|pause|resume <job_id>`: the job acts on it at its next step; `status` shows the effect. */
export async function signal(ctx: CommandContext, name: JobSignalName, jobId: string, reason?: string): Promise<ExitCode> {
  await ctx.client.signal(jobId, name, reason);
  ctx.out(`job ${jobId}: ${name} requested`);
  return 0;
}

/** `parallelism <job_id> <n>`: answers with the value the workflow took. */
export async function parallelism(ctx: CommandContext, jobId: string, n: number): Promise<ExitCode> {
  const now = await ctx.client.setParallelism(jobId, n);
  ctx.out(`job ${jobId}: parallelism ${now}`);
  return 0;
}
