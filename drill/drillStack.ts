/**
 * The private stack a drill runs on (bench/benchStack.ts), with the clients every drill needs
 * (S3, Temporal, the model server's admin API) and the output bucket made, all closed and the stack
 * disposed whatever the drill throws.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { loadavg } from 'node:os';
import { startPrivateStack, type PrivateStack } from '../bench/benchStack';
import { createS3Client, ensureBucket } from '../src/storage/s3';
import { connectClient } from '../src/temporal/connectClient';
import type { DrillReport } from './drill';
import { ModelServerAdmin } from '../src/model-server/adminClient';

export interface DrillStack {
  stack: PrivateStack;
  s3: S3Client;
  client: Client;
  admin: ModelServerAdmin;
  bucket: string;
}

export async function withDrillStack<T>(opts: Parameters<typeof startPrivateStack>[0], fn: (d: DrillStack) => Promise<T>): Promise<T> {
  const stack = await startPrivateStack(opts);
  const { config } = stack;
  const s3 = createS3Client(config.s3);
  let client: Client | undefined;
  try {
    client = await connectClient(config.temporal);
    await ensureBucket(s3, config.s3.bucket);
    return await fn({ stack, s3, client, admin: new ModelServerAdmin(config.modelServer.adminAddr), bucket: config.s3.bucket });
  } finally {
    s3.destroy();
    await client?.connection.close();
    await stack.dispose();
  }
}

/** The report with its wall time since `t0` and the machine's load beside the figures (a 2-core machine shared with others). */
export function finishReport(report: Omit<DrillReport, 'wall_s'>, t0: number): DrillReport {
  return {
    ...report,
    figures: { ...report.figures, load_1m: Number(loadavg()[0]!.toFixed(2)) },
    wall_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
}
