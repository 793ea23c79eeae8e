/**
 * Caps Predict calls in flight per worker process: one global cap, and one per model shared by
 * every job on this worker, so many concurrent jobs cannot pile onto one TF Serving model.
 *
 * Fair by job: a freed permit goes to the next job in turn (round robin over the jobs that are
 * waiting, first come first served within a job), not to the oldest waiter. A job with 1,000
 * batches queued therefore gets one permit in two when a second job waits on the same model,
 * instead of making that job wait behind all of its batches.
 */
export class FairSemaphore {
  /** Waiters by key; Map order is the rotation (a served key moves to the back). */
  private readonly queues = new Map<string, (() => void)[]>();
  private used = 0;
  constructor(private readonly limit: number) {}

  async acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (this.used < this.limit && this.queues.size === 0) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        this.used++;
        resolve();
      };
      const onAbort = () => {
        const q = this.queues.get(key)?.filter((w) => w !== wake) ?? [];
        if (q.length) this.queues.set(key, q);
        else this.queues.delete(key);
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const q = this.queues.get(key);
      if (q) q.push(wake);
      else this.queues.set(key, [wake]);
    });
  }

  release(): void {
    this.used--;
    const first = this.queues.entries().next();
    if (first.done) return;
    const [key, q] = first.value;
    const wake = q.shift()!;
    this.queues.delete(key);
    if (q.length) this.queues.set(key, q);
    wake();
  }

  get inUse(): number {
    return this.used;
  }

  /** Jobs (keys) with at least one waiter. */
  get waitingKeys(): number {
    return this.queues.size;
  }
}

export class PredictLimiter {
  private readonly global: FairSemaphore;
  private readonly perModel = new Map<string, FairSemaphore>();

  constructor(private readonly limits: { maxPredictCalls: number; perModelLimit: number }) {
    this.global = new FairSemaphore(limits.maxPredictCalls);
  }

  /** Waits for a per-model and a global permit for `job`; the returned function gives both back. */
  async acquire(model: string, job: string, signal: AbortSignal | undefined): Promise<() => void> {
    let sem = this.perModel.get(model);
    if (!sem) {
      sem = new FairSemaphore(this.limits.perModelLimit);
      this.perModel.set(model, sem);
    }
    await sem.acquire(job, signal);
    try {
      await this.global.acquire(job, signal);
    } catch (err) {
      sem.release();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.global.release();
      sem.release();
    };
  }

  async run<T>(model: string, job: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(model, job, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** The most Predict calls one model can have in flight on this worker: what one batch may usefully ask for. */
  get modelLimit(): number {
    return Math.min(this.limits.perModelLimit, this.limits.maxPredictCalls);
  }

  inFlight(model?: string): number {
    return model === undefined ? this.global.inUse : (this.perModel.get(model)?.inUse ?? 0);
  }
}
