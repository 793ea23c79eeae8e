/**
 * An orchestrated job against the ceiling: starts a private stack (Temporal, S3, the model server and
 * one worker on free ports), uploads N users, runs a `delimited_files` job through Temporal, then
 * measures the raw client at the same concurrency and request size the worker uses. The gap between
 * the two is what planning, activities, S3 reads/writes and the manifest cost.
 *
 * Flags: --users N (50000)  --batch N items per batch (500)  --parallelism N (8)  --files N (10)  --json
 */
import { randomBytes } from 'node:crypto';
import { startBenchJob } from './startBenchJob';
import { startPrivateStack } from './benchStack';
import { uploadDemoUsers } from '../src/stack/demoUsers';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import { TfServingClient } from '../src/tfserving/client';
import { isFinal, type JobProgress } from '../src/job/messages';
import { runLevel, type Flags } from './tfserving';

export const DESCRIPTION = 'an orchestrated job end to end vs the raw client ceiling at the same concurrency';

interface JobFlags {
  users: number;
  batch: number;
  parallelism: number;
  files: number;
  json: boolean;
}

function parseFlags(argv: string[]): JobFlags {
  const f: JobFlags = { users: 50_000, batch: 500, parallelism: 8, files: 10, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') {
      f.json = true;
      continue;
    }
    const n = Number(argv[++i]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
    if (flag === '--users') f.users = n;
    else if (flag === '--batch') f.batch = n;
    else if (flag === '--parallelism') f.parallelism = n;
    else if (flag === '--files') f.files = n;
    else throw new Error(`unknown flag ${flag}`);
  }
  return f;
}

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags(argv);
  const stack = await startPrivateStack({
    parts: ['temporal', 's3', 'model-server', 'worker'],
    log: f.json ? () => undefined : (l) => console.log(`  ${l}`),
  });
  const { config } = stack;
  const s3 = createS3Client(config.s3);
  const client = await connectClient(config.temporal);
  const tfs = new TfServingClient({ target: config.tfserving.target, maxBatchSize: config.tfserving.maxBatchSize });
  try {
    const bucket = config.s3.bucket;
    await ensureBucket(s3, bucket);
    await uploadDemoUsers(s3, bucket, 'bench/users/', { users: f.users, files: f.files });
    const jobId = `bench-${randomBytes(4).toString('hex')}`;
    const t0 = performance.now();
    const handle = await startBenchJob(client, config, { jobId, model: 'recommender', inputUrl: `s3://${bucket}/bench/users/`, outputUrl: `s3://${bucket}/bench/results/`, batchSize: f.batch, parallelism: f.parallelism });
    let p: JobProgress = await handle.query<JobProgress>('status');
    while (!isFinal(p.status)) {
      await new Promise((r) => setTimeout(r, 250));
      p = await handle.query<JobProgress>('status');
    }
    const wallS = (performance.now() - t0) / 1000;
    if (p.status !== 'succeeded') throw new Error(`job ${jobId} ended ${p.status}: ${p.error ?? ''}`);
    const batchS = (Date.parse(p.finished_at!) - Date.parse(p.started_at!)) / 1000;

    // The ceiling at the worker's own shape: its Predict concurrency per model and request size.
    const concurrency = Math.min(f.parallelism, config.worker.perModelLimit, config.worker.maxPredictCalls);
    const signature = await tfs.getModelMetadata({ name: 'recommender' });
    const flags: Flags = { model: 'recommender', batch: config.tfserving.maxBatchSize, seconds: 5, levels: [concurrency], users: 100_000, json: false };
    const ceiling = await runLevel(tfs, flags, signature, concurrency, 5);

    const result = {
      bench: 'job',
      users: f.users,
      batch_size: f.batch,
      parallelism: f.parallelism,
      batches: p.batches_total,
      wall_s: Number(wallS.toFixed(2)),
      batch_phase_s: Number(batchS.toFixed(2)),
      job_items_per_s: Math.round(f.users / batchS),
      job_items_per_s_wall: Math.round(f.users / wallS),
      ceiling_concurrency: concurrency,
      ceiling_request_items: flags.batch,
      ceiling_items_per_s: Math.round(ceiling.items_per_s),
      job_vs_ceiling: Number((f.users / batchS / ceiling.items_per_s).toFixed(2)),
    };
    if (f.json) console.log(JSON.stringify(result));
    else {
      console.log(`\njob ${jobId}: ${f.users} users, ${p.batches_total} batches of ${f.batch}, parallelism ${f.parallelism}`);
      console.log(`  wall (submit → succeeded, planning and manifest included): ${result.wall_s} s, ${result.job_items_per_s_wall} items/s`);
      console.log(`  batch phase (started_at → finished_at):                  ${result.batch_phase_s} s, ${result.job_items_per_s} items/s`);
      console.log(`  raw client ceiling (${concurrency} calls of ${flags.batch} items in flight):     ${result.ceiling_items_per_s} items/s`);
      console.log(`  job / ceiling: ${result.job_vs_ceiling}`);
    }
  } finally {
    tfs.close();
    s3.destroy();
    await client.connection.close();
    await stack.dispose();
  }
}
