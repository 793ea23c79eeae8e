/**
 * Runs Predict over a batch's items in sub-batches and isolates bad items by bisection: when
 * TF Serving (or the codec) rejects a request as INVALID_ARGUMENT, the request is halved until
 * the offending items stand alone, so one poisoned item fails alone and its batch-mates succeed.
 * Any other error is the batch's, and is thrown for the activity to classify and retry.
 */
import { CodecError } from '../tfserving/codec';
import { TfServingError } from '../tfserving/errors';

export interface ItemError {
  code: string;
  grpc_code: number | null;
  message: string;
}

export type ItemOutcome = { ok: true; outputs: Record<string, unknown> } | { ok: false; error: ItemError };

export interface PredictCallResult {
  outputs: Record<string, unknown>[];
  modelVersion: string | null;
}

export type PredictCall = (values: unknown[]) => Promise<PredictCallResult>;

function itemErrorOf(err: unknown): ItemError | undefined {
  if (err instanceof CodecError) return { code: 'INVALID_ARGUMENT', grpc_code: 3, message: err.message };
  if (err instanceof TfServingError && err.codeName === 'INVALID_ARGUMENT') {
    return { code: err.codeName, grpc_code: err.code, message: err.message };
  }
  return undefined;
}

export class PredictRun {
  modelVersion: string | null = null;
  calls = 0;

  constructor(
    private readonly call: PredictCall,
    private readonly maxBatch: number,
    private readonly onProgress: (done: number) => void = () => undefined,
  ) {}

  /** One outcome per value, in order. */
  async predict(values: unknown[]): Promise<ItemOutcome[]> {
    const out: ItemOutcome[] = [];
    for (let i = 0; i < values.length; i += this.maxBatch) {
      out.push(...(await this.isolate(values.slice(i, i + this.maxBatch))));
      this.onProgress(out.length);
    }
    return out;
  }

  private async isolate(values: unknown[]): Promise<ItemOutcome[]> {
    try {
      this.calls++;
      const res = await this.call(values);
      this.modelVersion = res.modelVersion ?? this.modelVersion;
      return res.outputs.map((outputs) => ({ ok: true, outputs }));
    } catch (err) {
      const itemError = itemErrorOf(err);
      if (!itemError) throw err;
      if (values.length === 1) return [{ ok: false, error: itemError }];
      const mid = Math.ceil(values.length / 2);
      return [...(await this.isolate(values.slice(0, mid))), ...(await this.isolate(values.slice(mid)))];
    }
  }
}
