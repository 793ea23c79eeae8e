import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import type { ModelRef } from '../job/spec';
import { validateJob } from '../job/validateJob';
import { TfServingClients } from '../tfserving/clients';
import { TfServingError } from '../tfserving/errors';
import type { ModelSignature } from '../tfserving/signature';
import type { ValidateJob } from './submitJob';

export interface Preflight {
  /** The TF Serving clients (per target) the checks use; `/readyz` asks the same ones. */
  tfserving: TfServingClients;
  validateJob: ValidateJob;
  /** The model's signature, or null when TF Serving cannot answer right now (a definite error was reported by validateJob). */
  describeModel(model: ModelRef): Promise<ModelSignature | null>;
  close(): void;
}

/** The gateway's pre-flight check (inputs match something, items fit the model's signature), with the TF Serving clients it needs. */
export function createPreflight(config: Config, s3: S3Client): Preflight {
  const tfserving = new TfServingClients(config.tfserving);
  return {
    tfserving,
    validateJob: (spec) => validateJob({ s3, tfserving }, spec),
    describeModel: async (model) => {
      try {
        return await tfserving.forModel(model.name).getModelMetadata(model);
      } catch (err) {
        if (err instanceof TfServingError) return null;
        throw err;
      }
    },
    close: () => tfserving.close(),
  };
}
