/**
 * The process drills at small size (drill/processDrill.ts): a worker killed twice, one of two workers
 * killed, the Temporal server restarted on its database, the S3 server down and back. Each runs a
 * real job on a private stack of its own and must report no problem: the expected status, every item
 * exactly once in S3, and no more predictions at the model server than the retried attempts explain.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Drill } from '../drill/drill';
import { drill as killWorker } from '../drill/killWorker';
import { drill as twoWorkers } from '../drill/twoWorkers';
import { drill as temporalRestart } from '../drill/temporalRestart';
import { drill as s3Outage } from '../drill/s3Outage';

const DRILLS: readonly Drill[] = [killWorker, twoWorkers, temporalRestart, s3Outage];

describe('process drills (small)', () => {
  for (const drill of DRILLS) {
    it(drill.description, { timeout: 300_000 }, async () => {
      const lines: string[] = [];
      const report = await drill.run({ size: 'small', log: (l) => lines.push(l) });
      assert.deepEqual(report.problems, [], `${drill.name}:\n${lines.join('\n')}\n${JSON.stringify(report, null, 2)}`);
    });
  }
});
