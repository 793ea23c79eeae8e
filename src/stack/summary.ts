import { relative } from 'node:path';
import { REPO_ROOT } from './paths';
import { stackAdminAddr } from './parts/modelServer';
import { stackWorkerMetricsAddr } from './parts/worker';
import type { Stack } from './stack';

/** One screen: where each part listens, where its log is, and the commands that use the stack. */
export function stackSummary(stack: Stack): string {
  const { config } = stack;
  const rel = (p: string) => relative(REPO_ROOT, p) || '.';
  const lines = [
    '',
    'Nightshift local stack is up',
    '',
    `  Temporal        ${config.temporal.address}   namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`,
    `  Temporal Web UI ${config.temporal.uiUrl}`,
    `  S3              ${config.s3.endpoint}   bucket ${config.s3.bucket}, key ${config.s3.accessKeyId}`,
    `  Model server    ${config.modelServer.addr}   (TF Serving gRPC), admin http://${stackAdminAddr(config)}`,
    `  Gateway         ${config.gateway.url}   (API reference: ${config.gateway.url}/docs)`,
    `  Worker metrics  http://${stackWorkerMetricsAddr(config)}/metrics   (Prometheus: temporal_* and nightshift_*)`,
    '',
    '  part          pid      log',
    ...stack.parts.map((p) => `  ${p.name.padEnd(13)} ${String(p.pid ?? '-').padEnd(8)} ${rel(p.logFile)}`),
    '',
    `  data: ${rel(stack.dataDir)}/ (temporal.db, s3/)   more workers: npm run worker   stop: Ctrl-C`,
    '',
  ];
  return lines.join('\n');
}
