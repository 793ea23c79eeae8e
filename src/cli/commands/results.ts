import { Command } from 'commander';
import type { JobResults, ResultFile } from '../../gateway/apiTypes';
import { action, printJson, type CommandFactory } from '../command';
import type { CommandContext, ExitCode } from '../context';
import { DEFAULT_DOWNLOAD_CONCURRENCY, downloadResults } from '../downloadResults';
import type { GatewayClient } from '../gatewayClient';
import { wholeNumber } from '../usage';

const num = (v: number | null): string => (v === null ? '?' : v.toLocaleString('en-US'));

/** Every page, joined: the listing is small next to the files it names. */
async function allResults(client: GatewayClient, jobId: string): Promise<JobResults> {
  const first = await client.results(jobId);
  const all: JobResults = { ...first, parts: [...first.parts], error_files: [...first.error_files] };
  for (let token = first.next_page_token; token !== null; ) {
    const page = await client.results(jobId, token);
    all.parts.push(...page.parts);
    all.error_files.push(...page.error_files);
    all.expires_at = page.expires_at < all.expires_at ? page.expires_at : all.expires_at;
    token = page.next_page_token;
  }
  all.next_page_token = null;
  return all;
}

function printListing(ctx: CommandContext, r: JobResults): void {
  const m = r.manifest;
  ctx.out(`job ${r.job_id} ${r.status}`);
  ctx.out(`  manifest    ${r.manifest_path}`);
  ctx.out(`  items       ${num(m.items_succeeded)} succeeded, ${num(m.items_failed)} failed, ${num(m.items_total)} total`);
  ctx.out(`  batches     ${num(m.batches_succeeded)} succeeded, ${num(m.batches_failed)} failed, ${num(m.batches_total)} total`);
  if (m.error) ctx.out(`  error       ${m.error}`);
  const line = (f: ResultFile) => ctx.out(`  ${f.key}  ${num(f.items)} items  ${num(f.bytes)} bytes`);
  ctx.out(`parts (${r.parts.length}):`);
  r.parts.forEach(line);
  if (r.error_files.length) {
    ctx.out(`error files (${r.error_files.length}):`);
    r.error_files.forEach(line);
  }
  ctx.err(`download links expire at ${r.expires_at}`);
}

async function download(ctx: CommandContext, jobId: string, dir: string, concurrency: number, json: boolean): Promise<ExitCode> {
  const s = await downloadResults(ctx.client, jobId, dir, { concurrency, onFile: json ? undefined : (_f, path) => ctx.err(`  ${path}`) });
  if (json) printJson(ctx, s);
  else {
    ctx.out(`downloaded ${s.parts.files} parts (${num(s.parts.items)} items, ${num(s.parts.bytes)} bytes) to ${s.dir}`);
    if (s.error_files.files) ctx.out(`downloaded ${s.error_files.files} error files (${num(s.error_files.items)} items) to ${s.dir}/errors`);
  }
  for (const m of s.mismatches) ctx.err(`${m.key}: ${m.got_bytes} bytes downloaded, the manifest lists ${m.expected_bytes}; removed`);
  return s.mismatches.length ? 1 : 0;
}

/** `results <job_id> [--download <dir>]`: the manifest's listing, or every file fetched. */
export const resultsCommand: CommandFactory = (cli) =>
  new Command('results')
    .description("List a finished job's result files (from its manifest), or download them.")
    .argument('<job_id>')
    .option('--download <dir>', 'fetch every part to <dir>/, error files to <dir>/errors/, and manifest.json')
    .option('--concurrency <n>', 'downloads in flight', wholeNumber(1, 64), DEFAULT_DOWNLOAD_CONCURRENCY)
    .action(
      action<[string], { download?: string; concurrency: number }>(cli, async (ctx, opts, jobId) => {
        if (opts.download !== undefined) return download(ctx, jobId, opts.download, opts.concurrency, opts.json ?? false);
        const r = await allResults(ctx.client, jobId);
        if (opts.json) printJson(ctx, r);
        else printListing(ctx, r);
        return 0;
      }),
    );
