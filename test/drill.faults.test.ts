/**
 * The model server, S3 and per-model cap drills (drill/), each at small size on its own private
 * stack: a real job through real faults, its output checked item by item and the counts taken at
 * the model server. A drill passes when its report lists no problem; on failure the report is
 * printed whole, so the figures show what the fault did.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Drill } from '../drill/drill';
import { drill as modelServerFaults } from '../drill/modelServerFaults';
import { drill as s3DeniedPrefix } from '../drill/s3DeniedPrefix';
import { drill as modelCap } from '../drill/modelCap';

const drills: Drill[] = [modelServerFaults, s3DeniedPrefix, modelCap];

describe('fault drills: model server, S3, per-model cap (small)', { timeout: 30 * 60_000 }, () => {
  for (const d of drills) {
    it(`${d.name}: ${d.description}`, async (t) => {
      const lines: string[] = [];
      const report = await d.run({ size: 'small', log: (l) => lines.push(l) });
      assert.deepEqual(report.problems, [], `drill ${d.name} found problems:\n${JSON.stringify(report, null, 2)}\n--- drill log ---\n${lines.join('\n')}`);
      // Holds only because the checks above found nothing missing: the drill read the job's output back.
      t.diagnostic(`${d.name}: ${report.status} in ${report.wall_s} s; ${JSON.stringify(report.figures)}`);
      assert.ok(report.output.items > 0 && report.output.manifest, `drill ${d.name} checked no output: ${JSON.stringify(report.output)}`);
    });
  }
});
