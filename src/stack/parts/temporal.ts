import { join } from 'node:path';
import { splitHostPort } from '../../config';
import { SEARCH_ATTRIBUTES } from '../../job/messages';
import { TOOLS_BIN } from '../paths';
import { commandSucceeds, tcpOpen } from '../probes';
import type { PartSpec } from './part';

export const TEMPORAL_BIN = join(TOOLS_BIN, 'temporal');

/** The Temporal dev server (CLI 1.5.1: server 1.29.1 + Web UI), persisted in `<data>/temporal.db`. */
export const temporalPart: PartSpec = {
  name: 'temporal',
  address: (c) => c.temporal.address,
  listen: (c) => splitHostPort(c.temporal.address),
  launch: ({ config, dataDir }) => {
    const { host, port } = splitHostPort(config.temporal.address);
    const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-port', String(config.temporal.uiPort)];
    args.push('--namespace', config.temporal.namespace, '--db-filename', join(dataDir, 'temporal.db'));
    for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
    args.push('--log-level', 'warn');
    return { command: TEMPORAL_BIN, args };
  },
  ready: async ({ config }) => {
    const { host, port } = splitHostPort(config.temporal.address);
    if (!(await tcpOpen(host, port))) return false;
    return commandSucceeds(TEMPORAL_BIN, ['operator', 'cluster', 'health', '--address', config.temporal.address]);
  },
  startupTimeoutMs: 60_000,
  restartHint: 'restart the stack (npm run stack)',
};
