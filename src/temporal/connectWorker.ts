import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { connectionOptions } from './connectionOptions';

/** The native connection a worker polls through. */
export function connectWorker(cfg: Config['temporal']): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(cfg));
}
