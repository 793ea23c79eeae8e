/**
 * `GET /readyz`: can this gateway do its work right now? Temporal, the S3 bucket and every TF
 * Serving target a job may use are asked in parallel, each with its own deadline, so one dead
 * dependency answers in ~2 s and is named, instead of hanging the probe.
 */
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { TfServingError } from '../tfserving/errors';
import type { TfServingClients } from '../tfserving/clients';
import { HttpError } from './errors';

export interface ReadinessDeps {
  temporal: Client;
  s3: S3Client;
  config: Pick<Config, 'temporal' | 's3' | 'tfserving'>;
  tfserving: TfServingClients;
  /** Deadline of each check. Default 2000 ms. */
  timeoutMs?: number;
}

export interface ReadinessCheck {
  /** `temporal`, `s3`, `tfserving` (the default target) or `tfserving:<model>` (a model's own target). */
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

/**
 * Asked of the default target. No model is loaded under this name, so the answer is NOT_FOUND,
 * which proves the server is there and speaks TF Serving's ModelService.
 */
const PROBE_MODEL = 'nightshift-readiness-probe';

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // The AWS SDK's errors for a bare HTTP status (HeadBucket has no body) carry only a name.
  const msg = err.message && err.message !== 'UnknownError' ? err.message : '';
  return msg ? (err.name && err.name !== 'Error' && !msg.includes(err.name) ? `${err.name}: ${msg}` : msg) : err.name || 'unknown error';
}

async function timed(name: string, timeoutMs: number, check: (signal: AbortSignal) => Promise<void>): Promise<ReadinessCheck> {
  const t0 = Date.now();
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // The clients have deadlines of their own; this bound holds even where one is ignored or retried.
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([check(ac.signal), deadline]);
    return { name, ok: true, ms: Date.now() - t0 };
  } catch (err) {
    return { name, ok: false, ms: Date.now() - t0, error: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Each distinct target once: the default one, then each model target not equal to it (models sharing a target are named together). */
function tfservingProbes(cfg: Config['tfserving']): { name: string; target: string; model: string }[] {
  const byTarget = new Map<string, string[]>();
  for (const [model, target] of Object.entries(cfg.modelTargets)) {
    if (target === cfg.target) continue;
    byTarget.set(target, [...(byTarget.get(target) ?? []), model]);
  }
  return [
    { name: 'tfserving', target: cfg.target, model: PROBE_MODEL },
    ...[...byTarget].map(([target, models]) => ({ name: `tfserving:${models.join(',')}`, target, model: models[0]! })),
  ];
}

export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  const { config } = deps;
  const checks = await Promise.all([
    timed('temporal', timeoutMs, async () => {
      await deps.temporal.withDeadline(Date.now() + timeoutMs, () => deps.temporal.workflowService.getSystemInfo({}));
    }),
    timed('s3', timeoutMs, async (abortSignal) => {
      try {
        await deps.s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket }), { abortSignal });
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) throw new Error(`bucket "${config.s3.bucket}" does not exist`);
        if (status === 403) throw new Error(`no access to bucket "${config.s3.bucket}"`);
        throw err;
      }
    }),
    ...tfservingProbes(config.tfserving).map((p) =>
      timed(p.name, timeoutMs, async (signal) => {
        const client = deps.tfserving.forModel(p.model);
        try {
          await client.getModelStatus({ name: p.model }, { deadlineMs: timeoutMs, signal });
        } catch (err) {
          // The server answered: it is there. A model that is not loaded is the pre-flight's to report, per job.
          if (err instanceof TfServingError && err.codeName === 'NOT_FOUND') return;
          throw new Error(`${p.target}: ${describeError(err)}`);
        }
      }),
    ),
  ]);
  return { ready: checks.every((c) => c.ok), checks };
}

/** `GET /readyz`: 200 `{ready: true, checks}`, else 503 with the gateway's error body naming what failed, plus `checks`. */
export function readyzHandler(deps: ReadinessDeps): RequestHandler {
  return async (_req, res) => {
    const readiness = await checkReadiness(deps);
    if (readiness.ready) {
      res.json(readiness);
      return;
    }
    const failed = readiness.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.error ?? 'failed'})`);
    const err = new HttpError('unavailable', `not ready: ${failed.join('; ')}`);
    res.status(err.status).json({ ...err.toBody(res.locals.requestId), checks: readiness.checks });
  };
}
