import { Command } from 'commander';
import type { DryRunResult } from '../../gateway/apiTypes';
import { action, printJson, type CommandFactory } from '../command';
import type { CommandContext } from '../context';
import { readSpec } from '../readSpec';

const num = (v: number): string => v.toLocaleString('en-US');

function printEstimate(ctx: CommandContext, r: DryRunResult): void {
  const version = r.model.version === null ? 'latest' : `version ${r.model.version}`;
  ctx.out(`spec ok${r.job_id === null ? ' (job id generated at submit)' : `: job ${r.job_id}`}`);
  ctx.out(`  model       ${r.model.name} (${version}, signature ${r.model.signature_name})`);
  ctx.out(`  input       ${r.input_kind}${r.input_kind === 'item_list' ? '' : `, ${num(r.matched_objects.count)} objects matched`}`);
  for (const o of r.matched_objects.first) ctx.out(`                ${o.path} (${num(o.size)} bytes)`);
  if (r.matched_objects.count > r.matched_objects.first.length) ctx.out(`                ... and ${num(r.matched_objects.count - r.matched_objects.first.length)} more`);
  ctx.out(`  estimate    ${num(r.estimated_items)} items in ${num(r.estimated_batches)} batches`);
}

/** `dry-run <spec.json|->`: checked locally, then validated and estimated by the gateway; nothing starts. */
export const dryRunCommand: CommandFactory = (cli) =>
  new Command('dry-run')
    .description('Validate a job spec against the model and the inputs and estimate its size; starts nothing.')
    .argument('<spec.json|->', 'the job spec (docs/jobs.md)')
    .action(
      action<[string], object>(cli, async (ctx, opts, source) => {
        const spec = await readSpec(ctx, source);
        if (spec === undefined) return 1;
        const result = await ctx.client.dryRun(spec);
        if (opts.json) printJson(ctx, result);
        else printEstimate(ctx, result);
        return 0;
      }),
    );
