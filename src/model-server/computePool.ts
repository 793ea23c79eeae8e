/**
 * A fixed pool of compute threads shared by all models of one server. A request's rows are split into one
 * chunk per thread, so a single large batch uses every core, and chunks of concurrent batches queue FIFO.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type WorkerRequest =
  | { type: 'tables'; key: string; users: SharedArrayBuffer; items: SharedArrayBuffer; numItems: number; dim: number }
  | { type: 'drop'; key: string }
  | { type: 'topk'; id: number; key: string; rows: Int32Array; k: number };

export type WorkerReply =
  | { id: number; ok: true; ids: Int32Array; scores: Float32Array }
  | { id: number; ok: false; message: string };

export interface SharedTables {
  users: SharedArrayBuffer;
  items: SharedArrayBuffer;
  numItems: number;
  dim: number;
}

interface Job {
  id: number;
  key: string;
  rows: Int32Array;
  k: number;
  resolve: (r: { ids: Int32Array; scores: Float32Array }) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  dead: boolean;
}

/** Below this many rows a chunk is not worth a thread hop of its own. */
const MIN_CHUNK_ROWS = 8;

export class ComputePool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly tables = new Map<string, SharedTables>();
  private nextId = 1;
  private closed = false;

  constructor(threads = 0) {
    this.size = threads > 0 ? threads : availableParallelism();
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  /** Makes the tables readable by every thread under `key` (also by threads respawned later). */
  addTables(key: string, tables: SharedTables): void {
    this.tables.set(key, tables);
    for (const s of this.slots) s.worker.postMessage({ type: 'tables', key, ...tables } satisfies WorkerRequest);
  }

  dropTables(key: string): void {
    this.tables.delete(key);
    for (const s of this.slots) s.worker.postMessage({ type: 'drop', key } satisfies WorkerRequest);
  }

  /** Chunks waiting for a thread. */
  get queued(): number {
    return this.queue.length;
  }

  async topK(key: string, rows: Int32Array, k: number): Promise<{ ids: Int32Array; scores: Float32Array }> {
    const chunks = Math.max(1, Math.min(this.size, Math.floor(rows.length / MIN_CHUNK_ROWS)));
    const per = Math.ceil(rows.length / chunks);
    const parts = await Promise.all(
      Array.from({ length: chunks }, (_, c) => this.submit(key, rows.slice(c * per, (c + 1) * per), k)),
    );
    if (parts.length === 1) return parts[0];
    const ids = new Int32Array(rows.length * k);
    const scores = new Float32Array(rows.length * k);
    let at = 0;
    for (const p of parts) {
      ids.set(p.ids, at);
      scores.set(p.scores, at);
      at += p.ids.length;
    }
    return { ids, scores };
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('compute pool closed');
    for (const j of this.queue.splice(0)) j.reject(err);
    await Promise.all(
      this.slots.map(async (s) => {
        s.job?.reject(err);
        s.job = null;
        await s.worker.terminate();
      }),
    );
  }

  private submit(key: string, rows: Int32Array, k: number): Promise<{ ids: Int32Array; scores: Float32Array }> {
    if (this.closed) return Promise.reject(new Error('compute pool closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, key, rows, k, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const s of this.slots) {
      if (s.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      s.job = job;
      s.worker.postMessage(
        { type: 'topk', id: job.id, key: job.key, rows: job.rows, k: job.k } satisfies WorkerRequest,
        [job.rows.buffer as ArrayBuffer],
      );
    }
  }

  private spawn(): Slot {
    const worker = new Worker(join(__dirname, 'computeWorker.js'));
    const slot: Slot = { worker, job: null, dead: false };
    for (const [key, t] of this.tables) worker.postMessage({ type: 'tables', key, ...t } satisfies WorkerRequest);
    worker.on('message', (reply: WorkerReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      slot.job = null;
      if (reply.ok) job.resolve({ ids: reply.ids, scores: reply.scores });
      else job.reject(new Error(reply.message));
      this.pump();
    });
    // A thread that dies (out of memory, a bug) fails its job and is replaced, so the server keeps serving.
    const replace = (err: Error) => {
      if (this.closed || slot.dead) return;
      slot.dead = true;
      slot.job?.reject(err);
      slot.job = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      this.pump();
    };
    worker.on('error', replace);
    worker.on('exit', (code) => replace(new Error(`compute thread exited with code ${code}`)));
    return slot;
  }
}
