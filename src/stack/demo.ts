/**
 * `npm run demo [-- --keep]`: the whole path once, on the real local stack. Upload 10,000 users to
 * S3, submit a recommendation job through the gateway, follow it to the end, print where the
 * results are and three of them. The stack stops afterwards unless `--keep` is given (then it
 * stays in the foreground until Ctrl-C). Reuses a stack that is already running (`npm run stack`).
 */
import './quietAwsNodeWarning';
import type { JobProgress } from '../job/messages';
import { progressLine } from '../job/progressLine';
import { GatewayClient } from '../cli/gatewayClient';
import { followJob } from '../cli/followJob';
import { jobLocation, jobUrl, manifestKey, partKey } from '../job/layout';
import { loadConfig } from '../config';
import { createS3Client, getObjectBytes, headObject, listObjects } from '../storage/s3';
import { uploadDemoUsers } from './demoUsers';
import { httpOk } from './probes';
import { stopStacksOnSignals } from './signals';
import { startStack, StackStartError, type Stack } from './stack';
import { stackSummary } from './summary';
import { phase, seconds } from './timing';

const USERS = 10_000;
const USER_FILES = 5;
const JOB_TIMEOUT_MS = 15 * 60_000;

function demoSpec(bucket: string) {
  return {
    model: { name: 'recommender' },
    input: {
      delimited_files: { s3_paths: [`s3://${bucket}/demo/users/`], includes: ['**/*.jsonl'], batch_size: 500 },
    },
    output: { s3_path: `s3://${bucket}/demo/results/` },
    parallelism: 8,
  };
}

/** Follows the job to its end; on a terminal the line is redrawn in place, in a log one line per change. */
async function follow(gateway: GatewayClient, jobId: string): Promise<JobProgress> {
  const tty = process.stdout.isTTY;
  let last = '';
  const final = await followJob(
    gateway,
    jobId,
    (p) => {
      const line = progressLine(p);
      if (line === last) return;
      if (tty) process.stdout.write(`\r\x1b[2K  ${line}`);
      else console.log(`  ${line}`);
      last = line;
    },
    { intervalMs: 500, signal: AbortSignal.timeout(JOB_TIMEOUT_MS) },
  );
  if (tty) process.stdout.write('\n');
  return final;
}

async function main(keep: boolean): Promise<number> {
  const t0 = Date.now();
  stopStacksOnSignals(() => console.log('demo: stack stopped'));
  const config = loadConfig();
  let stack: Stack | undefined;
  if (await httpOk(`${config.gateway.url}/healthz`)) {
    console.log(`demo: using the stack already running at ${config.gateway.url}`);
  } else {
    stack = await phase('demo', 'start stack', () => startStack({ log: (l) => console.log(`  ${l}`) }));
  }
  const s3 = createS3Client(config.s3);
  try {
    const bucket = config.s3.bucket;
    const keys = await phase('demo', `upload ${USERS.toLocaleString('en-US')} users`, () =>
      uploadDemoUsers(s3, bucket, 'demo/users/', { users: USERS, files: USER_FILES }),
    );
    console.log(`  ${keys.length} files under s3://${bucket}/demo/users/`);

    const spec = demoSpec(bucket);
    const gateway = new GatewayClient(config.gateway.url);
    const jobId = (await gateway.submit(spec)).job.job_id;
    console.log(`demo: submitted job ${jobId}`);
    const final = await phase('demo', 'job', () => follow(gateway, jobId));

    const loc = jobLocation(spec.output.s3_path, jobId);
    const output = final.output_path?.includes(jobId) ? final.output_path : jobUrl(loc);
    if (final.status !== 'succeeded') {
      console.error(`job ${jobId} ${final.status}: ${final.error ?? 'no reason given'} (output so far: ${output})`);
      return 1;
    }
    console.log(`job ${jobId} succeeded: ${final.items_succeeded} items -> ${output}`);
    console.log(`Web UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(jobId)}`);
    console.log(await outputSummary(s3, bucket, loc));
    console.log('sample results:');
    for (const line of await sampleLines(s3, bucket, loc, 3)) console.log(`  ${line}`);
    if (keep && stack) {
      console.log(stackSummary(stack));
      console.log(`demo: done in ${seconds(Date.now() - t0)}; the stack keeps running until Ctrl-C`);
      await new Promise(() => setInterval(() => undefined, 1 << 30));
    }
    return 0;
  } finally {
    s3.destroy();
    if (stack) await phase('demo', 'stop stack', () => stack!.stop());
    console.log(`demo: total ${seconds(Date.now() - t0)}`);
  }
}

/** What the job left in S3, counted from the listing rather than trusted from the progress object. */
async function outputSummary(s3: ReturnType<typeof createS3Client>, bucket: string, loc: ReturnType<typeof jobLocation>): Promise<string> {
  let parts = 0;
  for await (const o of listObjects(s3, bucket, `${loc.prefix}part-`)) if (o.key.endsWith('.jsonl')) parts++;
  const manifest = await headObject(s3, bucket, manifestKey(loc));
  const where = `s3://${bucket}/${manifestKey(loc)}`;
  return `in S3: ${parts} parts, ${manifest ? `manifest ${where} (${manifest.size} bytes)` : `NO manifest at ${where}`}`;
}

/** The first lines of the first part (part-000000, or whichever part the listing shows first). */
async function sampleLines(
  s3: ReturnType<typeof createS3Client>,
  bucket: string,
  loc: ReturnType<typeof jobLocation>,
  n: number,
): Promise<string[]> {
  let key = partKey(loc, 0);
  if (!(await headObject(s3, bucket, key))) {
    for await (const o of listObjects(s3, bucket, `${loc.prefix}part-`)) {
      key = o.key;
      break;
    }
  }
  const head = await getObjectBytes(s3, bucket, key, { start: 0, end: 64 * 1024 });
  return head.toString('utf8').split('\n').filter(Boolean).slice(0, n);
}

main(process.argv.includes('--keep')).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo: ${err instanceof StackStartError ? err.message : ((err as Error).stack ?? String(err))}`);
    process.exit(1);
  },
);
