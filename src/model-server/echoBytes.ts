/**
 * The `echo_bytes` model: a STRING input of raw bytes (an S3 object, an image), answering each item's length
 * and SHA-256, so the byte-input path of a job is exercised end to end.
 */
import { createHash } from 'node:crypto';
import { BatchingServable, LoadContext, PREDICT_METHOD, SignatureSpec, Tensors, spec } from './servable';

interface Task {
  rows: number;
  bytes: Buffer[];
}

export class EchoBytes extends BatchingServable<Task> {
  readonly signatures: Record<string, SignatureSpec> = {
    serving_default: {
      method_name: PREDICT_METHOD,
      inputs: { image_bytes: spec('image_bytes', 'DT_STRING', [-1]) },
      outputs: { length: spec('length', 'DT_INT64', [-1]), sha256: spec('sha256', 'DT_STRING', [-1]) },
    },
  };

  protected prepare(_signature: string, inputs: Tensors, rows: number): Task {
    return { rows, bytes: inputs.image_bytes!.values as Buffer[] };
  }

  protected async runBatch(tasks: Task[]): Promise<Tensors[]> {
    return tasks.map((t) => ({
      length: { dtype: 'DT_INT64', shape: [t.rows], values: BigInt64Array.from(t.bytes, (b) => BigInt(b.length)) },
      sha256: {
        dtype: 'DT_STRING',
        shape: [t.rows],
        values: t.bytes.map((b) => Buffer.from(createHash('sha256').update(b).digest('hex'))),
      },
    }));
  }
}

export function loadEchoBytes(ctx: LoadContext): EchoBytes {
  return new EchoBytes(ctx.name, ctx.version, ctx.config, ctx.batchThreads);
}
