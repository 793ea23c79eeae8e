import { join } from 'node:path';
import { splitHostPort } from '../../config';
import { REPO_ROOT } from '../paths';
import { tcpOpen } from '../probes';
import type { PartSpec } from './part';

/** The bundled TF-Serving-compatible model server; ready once it accepts gRPC connections. */
export const modelServerPart: PartSpec = {
  name: 'model-server',
  address: (c) => c.modelServer.addr,
  listen: (c) => splitHostPort(c.modelServer.addr),
  launch: () => ({ command: process.execPath, args: [join(REPO_ROOT, 'lib', 'src', 'model-server', 'main.js')] }),
  ready: async ({ config }) => {
    const { host, port } = splitHostPort(config.modelServer.addr);
    return tcpOpen(host, port);
  },
  startupTimeoutMs: 90_000,
  restartHint: 'npm run model-server',
};
