/**
 * A private stack for a bench or a drill: every part on free loopback ports and its own wiped data
 * directory, so it never collides with `npm run stack` or the test stack, and is gone afterwards.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startStack, type Stack, type StackOptions } from '../src/stack/stack';
import { freePort } from '../src/stack/freePort';
import type { PartName } from '../src/stack/parts';

export interface PrivateStack extends Stack {
  /** Stops the stack and deletes its data directory. */
  dispose(): Promise<void>;
}

export async function startPrivateStack(opts: {
  parts: readonly PartName[];
  /** NIGHTSHIFT_* values over the free ports (e.g. a heartbeat throttle or fault injection). */
  env?: Record<string, string>;
  log?: (line: string) => void;
  temporalDynamicConfig?: StackOptions['temporalDynamicConfig'];
  /** Name in the data directory: .data/<label>-<random>. */
  label?: string;
}): Promise<PrivateStack> {
  const [temporal, ui, s3Port, model, admin, workerMetrics, gateway] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const dataDir = `.data/${opts.label ?? 'bench'}-${randomBytes(3).toString('hex')}`;
  const stack = await startStack({
    parts: opts.parts,
    wipeData: true,
    log: opts.log ?? (() => undefined),
    temporalDynamicConfig: opts.temporalDynamicConfig,
    env: {
      NIGHTSHIFT_TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
      NIGHTSHIFT_TEMPORAL_UI_PORT: String(ui),
      NIGHTSHIFT_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      NIGHTSHIFT_MODEL_SERVER_ADDR: `127.0.0.1:${model}`,
      NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR: `127.0.0.1:${admin}`,
      NIGHTSHIFT_WORKER_METRICS_ADDR: `127.0.0.1:${workerMetrics}`,
      NIGHTSHIFT_TFSERVING_TARGET: `127.0.0.1:${model}`,
      NIGHTSHIFT_GATEWAY_ADDR: `127.0.0.1:${gateway}`,
      NIGHTSHIFT_GATEWAY_URL: `http://127.0.0.1:${gateway}`,
      NIGHTSHIFT_DATA_DIR: dataDir,
      ...opts.env,
    },
  });
  return {
    ...stack,
    async dispose() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
