/**
 * TF Serving's batching queue, per served version: requests ("tasks") are merged into batches of at most
 * `max_batch_size` rows while earlier batches run; `maxConcurrent` batches run at once (TF Serving's
 * `num_batch_threads`); a request bigger than a batch fails INVALID_ARGUMENT, and one that would need a batch
 * beyond `max_enqueued_batches` waiting fails UNAVAILABLE, both with TF Serving's wording.
 */
import { invalidArgument, unavailable } from './servingError';

export interface BatchLimits {
  maxBatchSize?: number;
  maxEnqueuedBatches?: number;
  maxConcurrent: number;
}

interface Pending<T, R> {
  task: T;
  size: number;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

/** Runs one batch: returns one result per task, in order. */
export type BatchRunner<T, R> = (tasks: T[]) => Promise<R[]>;

export class BatchScheduler<T, R> {
  private readonly waiting: Pending<T, R>[][] = [];
  private waitingRows = 0;
  private running = 0;
  private closed = false;

  constructor(
    private readonly limits: BatchLimits,
    private readonly run: BatchRunner<T, R>,
  ) {}

  /** Batches waiting for a free slot and the rows in them. */
  get depth(): { batches: number; rows: number; running: number } {
    return { batches: this.waiting.length, rows: this.waitingRows, running: this.running };
  }

  submit(task: T, size: number): Promise<R> {
    const { maxBatchSize, maxEnqueuedBatches } = this.limits;
    if (maxBatchSize !== undefined && size > maxBatchSize) {
      return Promise.reject(invalidArgument(`Task size ${size} is larger than maximum input batch size ${maxBatchSize}`));
    }
    if (this.closed) return Promise.reject(unavailable('The model server is shutting down'));
    return new Promise<R>((resolve, reject) => {
      const item: Pending<T, R> = { task, size, resolve, reject };
      const open = this.waiting[this.waiting.length - 1];
      if (open && (maxBatchSize === undefined || rows(open) + size <= maxBatchSize)) open.push(item);
      else if (maxEnqueuedBatches !== undefined && this.waiting.length >= maxEnqueuedBatches) {
        reject(unavailable('The batch scheduling queue to which this task was submitted is full'));
        return;
      } else this.waiting.push([item]);
      this.waitingRows += size;
      this.pump();
    });
  }

  /** Fails everything still waiting; running batches finish. */
  close(): void {
    this.closed = true;
    for (const batch of this.waiting.splice(0)) for (const p of batch) p.reject(unavailable('The model server is shutting down'));
    this.waitingRows = 0;
  }

  private pump(): void {
    while (this.running < this.limits.maxConcurrent && this.waiting.length > 0) {
      const batch = this.waiting.shift()!;
      this.waitingRows -= rows(batch);
      this.running++;
      void this.execute(batch);
    }
  }

  private async execute(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.task));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running--;
      this.pump();
    }
  }
}

function rows(batch: { size: number }[]): number {
  let n = 0;
  for (const p of batch) n += p.size;
  return n;
}
