/**
 * The stack `npm test` runs against: Temporal, S3 and the model server on their own ports (so a
 * developer's `npm run stack` can keep running) with data in `.data/test/`, wiped every run. Tests
 * start their own workers and gateways in-process and find these services through `loadConfig()`.
 */
import type { PartName } from './parts';

export const TEST_STACK_ENV: Record<string, string> = {
  NIGHTSHIFT_TEMPORAL_ADDRESS: '127.0.0.1:17233',
  NIGHTSHIFT_TEMPORAL_UI_PORT: '18233',
  NIGHTSHIFT_TEMPORAL_UI_URL: 'http://127.0.0.1:18233',
  NIGHTSHIFT_S3_ENDPOINT: 'http://127.0.0.1:19000',
  NIGHTSHIFT_MODEL_SERVER_ADDR: '127.0.0.1:18500',
  NIGHTSHIFT_MODEL_SERVER_ADMIN_ADDR: '127.0.0.1:18505',
  NIGHTSHIFT_TFSERVING_TARGET: '127.0.0.1:18500',
  NIGHTSHIFT_GATEWAY_ADDR: '127.0.0.1:18080',
  NIGHTSHIFT_GATEWAY_URL: 'http://127.0.0.1:18080',
  NIGHTSHIFT_DATA_DIR: '.data/test',
};

export const TEST_STACK_PARTS: readonly PartName[] = ['temporal', 's3', 'model-server'];
