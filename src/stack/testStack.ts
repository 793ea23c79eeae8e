/**
 * The stack `npm test` runs against: Temporal, S3 and the model server on their own ports (so a
 * developer's `npm run stack` can keep running) with data in `.data/test/`, wiped every run. Tests
 * start their own workers and gateways in-process and find these services through `loadConfig()`.
 */
import type { PartName } from './parts';

/**
 * The test stack's variables. `offset` moves every port, so two checkouts can run their suites at
 * once (`NIGHTSHIFT_TEST_PORT_OFFSET=100 npm test`); their data dirs are their own already.
 */
export function testStackEnv(offset = 0): Record<string, string> {
  const p = (port: number) => String(port + offset);
  return {
    NIGHTSHIFT_TEMPORAL_ADDRESS: `127.0.0.1:${p(17233)}`,
    NIGHTSHIFT_TEMPORAL_UI_PORT: p(18233),
    NIGHTSHIFT_TEMPORAL_UI_URL: `http://127.0.0.1:${p(18233)}`,
    NIGHTSHIFT_S3_ENDPOINT: `http://127.0.0.1:${p(19000)}`,
    NIGHTSHIFT_MODEL_SERVER_ADDR: `127.0.0.1:${p(18500)}`,
    NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR: `127.0.0.1:${p(18505)}`,
    NIGHTSHIFT_TFSERVING_TARGET: `127.0.0.1:${p(18500)}`,
    NIGHTSHIFT_GATEWAY_ADDR: `127.0.0.1:${p(18080)}`,
    NIGHTSHIFT_GATEWAY_URL: `http://127.0.0.1:${p(18080)}`,
    NIGHTSHIFT_DATA_DIR: '.data/test',
  };
}

export const TEST_STACK_PARTS: readonly PartName[] = ['temporal', 's3', 'model-server'];
