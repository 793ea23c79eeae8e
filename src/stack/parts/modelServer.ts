import { join } from 'node:path';
import { splitHostPort } from '../../config';
import { TfServingClient } from '../../tfserving/client';
import { REPO_ROOT } from '../paths';
import { tcpOpen } from '../probes';
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

/** The bundled TF-Serving-compatible model server; ready when GetModelStatus reports `recommender` AVAILABLE. */
export const modelServerPart: PartSpec = {
  name: 'model-server',
  address: (c) => c.modelServer.addr,
  listen: (c) => splitHostPort(c.modelServer.addr),
  launch: () => ({ command: process.execPath, args: [join(REPO_ROOT, 'lib', 'src', 'model-server', 'main.js')] }),
  ready: async ({ config }) => {
    const { host, port } = splitHostPort(config.modelServer.addr);
    if (!(await tcpOpen(host === '0.0.0.0' ? '127.0.0.1' : host, port))) return false;
    return modelAvailable(`${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`);
  },
  startupTimeoutMs: 90_000,
  restartHint: 'npm run model-server',
};
