import { isFinal } from '../job/messages';
import type { JobView } from '../gateway/jobView';
import { GatewayError, type GatewayClient } from './gatewayClient';

export interface FollowOptions {
  intervalMs?: number;
  /** A gateway restart must not end the wait; being unreachable longer than this does. */
  unreachableForMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Polls a job until its status is final, calling `onProgress` with every view; returns the last one. */
export async function followJob(
  client: GatewayClient,
  jobId: string,
  onProgress: (view: JobView) => void,
  { intervalMs = 1000, unreachableForMs = 60_000, signal }: FollowOptions = {},
): Promise<JobView> {
  let unreachableSince: number | undefined;
  for (;;) {
    try {
      const view = await client.job(jobId);
      unreachableSince = undefined;
      onProgress(view);
      if (isFinal(view.status)) return view;
    } catch (err) {
      if (!(err instanceof GatewayError) || (err.status !== 0 && err.status < 500)) throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > unreachableForMs) throw err;
    }
    if (signal?.aborted) throw new Error(`stopped following job ${jobId}`);
    await sleep(intervalMs, signal);
  }
}
