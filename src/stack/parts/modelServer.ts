import { join } from 'node:path';
import { splitHostPort } from '../../config';
import { TfServingClient } from '../../tfserving/client';
import { REPO_ROOT } from '../paths';
import { tcpOpen } from '../probes';
import type { Config } from '../../config';
import type { PartSpec } from './part';

/** The model the demo and tests use; the server is ready once a version of it is AVAILABLE. */
export const READINESS_MODEL = 'recommender';

async function modelAvailable(addr: string): Promise<boolean> {
  const client = new TfServingClient({ target: addr, deadlineMs: 2000 });
  try {
    const versions = await client.getModelStatus({ name: READINESS_MODEL });
    return versions.some((v) => v.state === 'AVAILABLE');
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/**
 * The local stack runs the admin endpoint (fault injection) on loopback even though the server's
 * own default is off: `npm run stack` is for trying things, and NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR
 * still moves it (the test stack does).
 */
export const LOCAL_ADMIN_ADDR = '127.0.0.1:8505';
export const stackAdminAddr = (c: Config): string => c.modelServer.adminAddr ?? LOCAL_ADMIN_ADDR;

/** The bundled TF-Serving-compatible model server; ready when GetModelStatus reports `recommender` AVAILABLE. */
export const modelServerPart: PartSpec = {
  name: 'model-server',
  address: (c) => c.modelServer.addr,
  listen: (c) => splitHostPort(c.modelServer.addr),
  launch: ({ config }) => ({
    command: process.execPath,
    args: [join(REPO_ROOT, 'lib', 'src', 'model-server', 'main.js'), '--admin-addr', stackAdminAddr(config)],
  }),
  ready: async ({ config }) => {
    const { host, port } = splitHostPort(config.modelServer.addr);
    if (!(await tcpOpen(host === '0.0.0.0' ? '127.0.0.1' : host, port))) return false;
    return modelAvailable(`${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`);
  },
  startupTimeoutMs: 90_000,
  restartHint: 'npm run model-server',
};
