import { readFile } from 'node:fs/promises';
import { progressLine } from '../../job/progressLine';
import { parseJobSpec } from '../../job/spec';
import { followJob } from '../followJob';
import type { CommandContext, ExitCode } from '../context';

async function readSpecText(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `submit <spec.json|-> [--wait]`: checked here first, so a bad spec fails before any network call. */
export async function submit(ctx: CommandContext, source: string, opts: { wait: boolean; intervalMs: number }): Promise<ExitCode> {
  let json: unknown;
  try {
    json = JSON.parse(await readSpecText(source));
  } catch (err) {
    ctx.err(`${source === '-' ? 'stdin' : source}: ${(err as Error).message}`);
    return 1;
  }
  const parsed = parseJobSpec(json);
  if (!parsed.ok) {
    ctx.err(`${source === '-' ? 'stdin' : source}: invalid job spec`);
    for (const i of parsed.issues) ctx.err(`  ${i.field}: ${i.reason}`);
    return 1;
  }

  const answer = await ctx.client.submit(json);
  const jobId = answer.job.job_id;
  ctx.err(
    answer.created
      ? `job ${jobId} submitted -> ${answer.job.output_path}`
      : `job ${jobId} already exists (${answer.job.status}); not submitted again`,
  );
  ctx.err(`web ui: ${answer.job.links.ui}`);
  if (!opts.wait) {
    ctx.out(jobId);
    return 0;
  }

  let last = '';
  const final = await followJob(
    ctx.client,
    jobId,
    (view) => {
      const line = progressLine(view);
      if (line !== last) ctx.err(`  ${line}`);
      last = line;
    },
    { intervalMs: opts.intervalMs },
  );
  const done = final.items_succeeded + final.items_failed;
  ctx.out(`job ${jobId} ${final.status}: ${done} items -> ${final.output_path}`);
  if (final.error) ctx.err(`error: ${final.error}`);
  return final.status === 'succeeded' ? 0 : 1;
}
