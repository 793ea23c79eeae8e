import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import { validateJob } from '../job/validateJob';
import { TfServingClients } from '../tfserving/clients';
import type { ValidateJob } from './submitJob';

/** The gateway's pre-flight check (inputs match something, items fit the model's signature), with the TF Serving clients it needs. */
export function createPreflight(config: Config, s3: S3Client): { validateJob: ValidateJob; close(): void } {
  const tfserving = new TfServingClients(config.tfserving);
  return {
    validateJob: (spec) => validateJob({ s3, tfserving }, spec),
    close: () => tfserving.close(),
  };
}
