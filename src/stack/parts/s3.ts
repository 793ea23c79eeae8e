import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config';
import { createS3Client, ensureBucket } from '../../storage/s3';
import { TOOLS_BIN, TOOLS_VENV_BIN } from '../paths';
import { tcpOpen } from '../probes';
import type { Launch, PartContext, PartSpec } from './part';

export const VERSITYGW_BIN = join(TOOLS_BIN, 'versitygw');
const MOTO_BIN = join(TOOLS_VENV_BIN, 'moto_server');

/** The local S3 server listens where NIGHTSHIFT_S3_ENDPOINT points. */
export function s3Listen(config: Config): { host: string; port: number } {
  if (!config.s3.endpoint) throw new Error('NIGHTSHIFT_S3_ENDPOINT is empty: the local stack needs a local S3 endpoint');
  const url = new URL(config.s3.endpoint);
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

function versitygw(ctx: PartContext, sidecar: boolean): Launch {
  const { host, port } = s3Listen(ctx.config);
  const { accessKeyId, secretAccessKey, region } = ctx.config.s3;
  const args = ['--port', `${host}:${port}`, '--access', accessKeyId, '--secret', secretAccessKey, '--region', region];
  args.push('--quiet', 'posix');
  if (sidecar) args.push('--sidecar', join(ctx.dataDir, 's3-meta'));
  args.push(join(ctx.dataDir, 's3'));
  return { command: VERSITYGW_BIN, args };
}

const clients = new WeakMap<PartContext, S3Client>();

/**
 * versitygw (posix backend, objects as plain files under `<data>/s3`); moto's server when setup
 * had to fall back to it. The part is ready once the bucket exists, which proves the credentials too.
 */
export const s3Part: PartSpec = {
  name: 's3',
  address: (c) => c.s3.endpoint ?? '(AWS S3)',
  listen: s3Listen,
  launch: (ctx) => {
    if (existsSync(VERSITYGW_BIN) || !existsSync(MOTO_BIN)) return versitygw(ctx, false);
    const { host, port } = s3Listen(ctx.config);
    return { command: MOTO_BIN, args: ['-H', host, '-p', String(port)] };
  },
  // versitygw refuses to start where the file system has no user xattrs; its sidecar directory holds the metadata instead.
  relaunch: (ctx, log) => (/xattr check failed/.test(log) ? versitygw(ctx, true) : undefined),
  ready: async (ctx) => {
    const { host, port } = s3Listen(ctx.config);
    if (!(await tcpOpen(host, port))) return false;
    let s3 = clients.get(ctx);
    if (!s3) clients.set(ctx, (s3 = createS3Client(ctx.config.s3)));
    try {
      await ensureBucket(s3, ctx.config.s3.bucket);
      return true;
    } catch {
      return false;
    }
  },
  startupTimeoutMs: 30_000,
  restartHint: 'restart the stack (npm run stack)',
};
