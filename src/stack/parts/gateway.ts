import { join } from 'node:path';
import { splitHostPort } from '../../config';
import { REPO_ROOT } from '../paths';
import { httpOk } from '../probes';
import type { PartSpec } from './part';

/** The HTTP gateway; healthy when `GET /healthz` answers 200. */
export const gatewayPart: PartSpec = {
  name: 'gateway',
  address: (c) => c.gateway.addr,
  listen: (c) => splitHostPort(c.gateway.addr),
  launch: () => ({ command: process.execPath, args: [join(REPO_ROOT, 'lib', 'src', 'gateway', 'main.js')] }),
  ready: ({ config }) => {
    const { host, port } = splitHostPort(config.gateway.addr);
    return httpOk(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/healthz`);
  },
  startupTimeoutMs: 30_000,
  restartHint: 'npm run gateway',
};
