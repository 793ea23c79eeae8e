import { Command } from 'commander';
import type { JobSignalName } from '../../gateway/controlJob';
import { action, printJson, type CommandFactory } from '../command';

const DESCRIPTIONS: Record<JobSignalName, string> = {
  cancel: 'Cancel a job: in-flight batches stop, the manifest is written (status cancelled).',
  pause: 'Pause a job: no new batches start; in-flight ones finish.',
  resume: 'Resume a paused job.',
};

/** `cancel|pause|resume <job_id>`: the job acts on it at its next step; `status` shows the effect. */
export const signalCommand =
  (name: JobSignalName): CommandFactory =>
  (cli) => {
    const cmd = new Command(name).description(DESCRIPTIONS[name]).argument('<job_id>');
    if (name === 'cancel') cmd.option('--reason <text>', 'why; kept as the job error');
    return cmd.action(
      action<[string], { reason?: string }>(cli, async (ctx, opts, jobId) => {
        await ctx.client.signal(jobId, name, opts.reason);
        if (opts.json) printJson(ctx, { job_id: jobId, accepted: name });
        else ctx.out(`job ${jobId}: ${name} requested`);
        return 0;
      }),
    );
  };
