/**
 * Runs Predict over a batch's items in sub-batches and isolates bad items by bisection: when
 * TF Serving (or the codec) rejects a request as INVALID_ARGUMENT, the request is halved until
 * the offending items stand alone, so one poisoned item fails alone and its batch-mates succeed.
 * Any other error is the batch's, and is thrown for the activity to classify and retry.
 *
 * A batch's sub-batches are sent concurrently (up to `inFlight`, the worker's per-model Predict
 * limit): sent one after another, a batch would hold one Predict permit, and `parallelism` batches
 * would leave permits idle whenever some of them read input or write parts. The worker's limiter
 * still caps the calls per model, so asking for more than is free only queues.
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

/** One Predict request; `signal` aborts it (and its wait for a permit) when a sibling sub-batch failed. */
export type PredictCall = (values: unknown[], signal: AbortSignal) => Promise<PredictCallResult>;

export interface PredictRunOptions {
  /** Largest Predict request in items. */
  maxBatch: number;
  /** Sub-batches of one predict() in flight at once (default 1: one after another). */
  inFlight?: number;
  /** Items done so far in the current predict(): monotone, whatever order sub-batches finish in. */
  onProgress?: (done: number) => void;
}

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
  private readonly maxBatch: number;
  private readonly inFlight: number;
  private readonly onProgress: (done: number) => void;

  constructor(
    private readonly call: PredictCall,
    opts: PredictRunOptions,
  ) {
    this.maxBatch = opts.maxBatch;
    this.inFlight = Math.max(1, opts.inFlight ?? 1);
    this.onProgress = opts.onProgress ?? (() => undefined);
  }

  /**
   * One outcome per value, in order. The first sub-batch error aborts the others, and is thrown
   * once every call has settled, so no call outlives the batch attempt that started it.
   */
  async predict(values: unknown[]): Promise<ItemOutcome[]> {
    const chunks = Math.ceil(values.length / this.maxBatch);
    const results = new Array<ItemOutcome[]>(chunks);
    const abort = new AbortController();
    let failure: { err: unknown } | undefined;
    let next = 0;
    let done = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks && !failure) {
        const i = next++;
        const start = i * this.maxBatch;
        try {
          results[i] = await this.isolate(values.slice(start, start + this.maxBatch), abort.signal);
        } catch (err) {
          // Later errors are the abort's echoes, or no longer matter: the attempt fails with the first.
          if (!failure) {
            failure = { err };
            abort.abort(err);
          }
          return;
        }
        done += results[i].length;
        this.onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.inFlight, chunks) }, lane));
    if (failure) throw failure.err;
    return results.flat();
  }

  private async isolate(values: unknown[], signal: AbortSignal): Promise<ItemOutcome[]> {
    try {
      this.calls++;
      const res = await this.call(values, signal);
      this.modelVersion = res.modelVersion ?? this.modelVersion;
      return res.outputs.map((outputs) => ({ ok: true, outputs }));
    } catch (err) {
      const itemError = itemErrorOf(err);
      if (!itemError) throw err;
      if (values.length === 1) return [{ ok: false, error: itemError }];
      const mid = Math.ceil(values.length / 2);
      return [...(await this.isolate(values.slice(0, mid), signal)), ...(await this.isolate(values.slice(mid), signal))];
    }
  }
}
