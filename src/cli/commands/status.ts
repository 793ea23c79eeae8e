import { progressLine } from '../../job/progressLine';
import type { JobView } from '../../gateway/jobView';
import type { CommandContext, ExitCode } from '../context';

function modelLine(m: JobView['model']): string {
  const asked = m.version !== null ? `version ${m.version}` : m.version_label !== null ? `label ${m.version_label}` : 'latest';
  const served = m.served_version !== null ? `, served ${m.served_version}` : '';
  return `${m.name} (${asked}, signature ${m.signature_name}${served})`;
}

/** `status <job_id> [--json]`. */
export async function status(ctx: CommandContext, jobId: string, opts: { json: boolean }): Promise<ExitCode> {
  const view = await ctx.client.job(jobId);
  if (opts.json) {
    ctx.out(JSON.stringify(view, null, 2));
    return 0;
  }
  const rows: [string, string | null][] = [
    ['status', view.status],
    ['progress', progressLine(view)],
    ['model', modelLine(view.model)],
    ['parallelism', String(view.parallelism)],
    ['output', view.output_path],
    ['manifest', view.manifest_path],
    ['created', view.created_at],
    ['started', view.started_at],
    ['finished', view.finished_at],
    ['error', view.error],
    ['web ui', view.links.ui],
  ];
  ctx.out(`job ${view.job_id}`);
  for (const [k, v] of rows) if (v !== null && v !== '') ctx.out(`  ${k.padEnd(12)}${v}`);
  return 0;
}
