/**
 * Caps Predict calls in flight per worker process: one global cap, and one per model shared by
 * every job on this worker, so many concurrent jobs cannot pile onto one TF Serving model.
 */
export class Semaphore {
  private waiters: (() => void)[] = [];
  private used = 0;
  constructor(private readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.used < this.limit) {
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
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }

  release(): void {
    this.used--;
    this.waiters.shift()?.();
  }

  get inUse(): number {
    return this.used;
  }
}

export class PredictLimiter {
  private readonly global: Semaphore;
  private readonly perModel = new Map<string, Semaphore>();

  constructor(private readonly limits: { maxPredictCalls: number; perModelLimit: number }) {
    this.global = new Semaphore(limits.maxPredictCalls);
  }

  async run<T>(model: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    let sem = this.perModel.get(model);
    if (!sem) {
      sem = new Semaphore(this.limits.perModelLimit);
      this.perModel.set(model, sem);
    }
    await sem.acquire(signal);
    try {
      await this.global.acquire(signal);
      try {
        return await fn();
      } finally {
        this.global.release();
      }
    } finally {
      sem.release();
    }
  }

  inFlight(model?: string): number {
    return model === undefined ? this.global.inUse : (this.perModel.get(model)?.inUse ?? 0);
  }
}
