/**
 * One loaded model version. Requests reach `predict` already checked against the signature (names, dtypes,
 * shapes; see rpcs.ts); a servable adds its own checks and runs through its batching queue.
 */
import type { DecodedTensor } from '../tfserving/codec';
import type { TensorSpec } from '../tfserving/signature';
import { BatchScheduler } from './batchScheduler';
import type { ComputePool } from './computePool';
import type { ModelConfig } from './modelFiles';

export const PREDICT_METHOD = 'tensorflow/serving/predict';

export interface SignatureSpec {
  method_name: string;
  inputs: Record<string, TensorSpec>;
  outputs: Record<string, TensorSpec>;
}

export type Tensors = Record<string, DecodedTensor>;

export interface ServableStats {
  model: string;
  version: number;
  requests: number;
  rows: number;
  batches: number;
  queue: { batches: number; rows: number; running: number };
}

export interface Servable {
  readonly name: string;
  readonly version: number;
  readonly signatures: Record<string, SignatureSpec>;
  /** `rows` is dimension 0, equal across inputs. Resolves with every output of the signature. */
  predict(signature: string, inputs: Tensors, rows: number): Promise<Tensors>;
  stats(): ServableStats;
  close(): Promise<void>;
}

export interface LoadContext {
  name: string;
  version: number;
  dir: string;
  config: ModelConfig;
  pool: ComputePool;
  batchThreads: number;
}

export const spec = (name: string, dtype: string, shape: number[]): TensorSpec => ({ name, dtype, shape });

/**
 * The batching and counting every servable shares: `prepare` validates one request and turns it into a task
 * (throwing ServingErrors), `runBatch` computes a batch of tasks.
 */
export abstract class BatchingServable<Task extends { rows: number }> implements Servable {
  abstract readonly signatures: Record<string, SignatureSpec>;
  private readonly scheduler: BatchScheduler<Task, Tensors>;
  private counts = { requests: 0, rows: 0, batches: 0 };

  constructor(
    readonly name: string,
    readonly version: number,
    config: ModelConfig,
    batchThreads: number,
  ) {
    this.scheduler = new BatchScheduler<Task, Tensors>(
      { maxBatchSize: config.max_batch_size, maxEnqueuedBatches: config.max_enqueued_batches, maxConcurrent: batchThreads },
      (tasks) => {
        this.counts.batches++;
        return this.runBatch(tasks);
      },
    );
  }

  protected abstract prepare(signature: string, inputs: Tensors, rows: number): Task;
  protected abstract runBatch(tasks: Task[]): Promise<Tensors[]>;

  async predict(signature: string, inputs: Tensors, rows: number): Promise<Tensors> {
    const task = this.prepare(signature, inputs, rows);
    this.counts.requests++;
    const out = await this.scheduler.submit(task, task.rows);
    this.counts.rows += rows;
    return out;
  }

  stats(): ServableStats {
    return { model: this.name, version: this.version, ...this.counts, queue: this.scheduler.depth };
  }

  async close(): Promise<void> {
    this.scheduler.close();
  }
}
