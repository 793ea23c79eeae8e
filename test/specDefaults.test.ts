/**
 * Defaults are resolved once, at the edge: a spec the gateway parsed is a fixed point of the
 * parser (so the workflow's own parse derives nothing), and a schedule's runs take the defaults
 * the gateway resolved when the schedule was made, not whatever the schema says on the day.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobSpec, type JobSpec } from '../src/job/spec';
import { resolveScheduledRun, templateDefaults } from '../src/schedule/scheduledRun';

const parse = (v: unknown): JobSpec => {
  const r = parseJobSpec(v);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
};

const specs: Record<string, unknown>[] = [
  { model: { name: 'm' }, input: { item_list: { items: [1, 2] } }, output: { s3_path: 's3://bucket/out' } },
  { model: { name: 'm', version: 3 }, input: { delimited_files: { s3_paths: ['s3://bucket/in/'] } }, output: { s3_path: 's3://bucket/out/', latest_pointer: 's3://bucket/latest.json' }, retry: { max_attempts: 2 } },
  { job_id: 'j-1', model: { name: 'm', version_label: 'stable' }, input: { file_path_lister: { s3_paths: ['s3://bucket/img/'], excludes: ['*.txt'] } }, output: { s3_path: 's3://bucket/o' }, on_complete: { webhook: 'w' } },
];

test('a spec resolved at the edge parses to itself: the workflow re-derives nothing from it', () => {
  for (const s of specs) {
    const resolved = parse(s);
    assert.deepEqual(parse(resolved), resolved);
    assert.deepEqual(parse(JSON.parse(JSON.stringify(resolved))), resolved, 'also after the trip through a Temporal payload');
  }
});

test('templateDefaults holds exactly what the template leaves out, at any depth', () => {
  const template = { model: { name: 'm' }, input: { delimited_files: { s3_paths: ['s3://bucket/in/'], batch_size: 7 } }, output: { s3_path: 's3://bucket/{{schedule_id}}/' }, parallelism: 2 };
  const defaults = templateDefaults(template, parse(template));
  assert.deepEqual(defaults, {
    model: { signature_name: 'serving_default' },
    input: { delimited_files: { includes: ['**'], excludes: [] } },
    output: { include_input: false, overwrite: false },
    timeout: '6h',
    batch_timeout: '10m',
    retry: { max_attempts: 5, initial_interval: '1s', max_interval: '1m' },
    max_failure_ratio: 0,
    config: {},
  });
});

test('a scheduled run takes the defaults resolved with its schedule, not the schema of the day', () => {
  const template = { model: { name: 'm' }, input: { item_list: { items: [1] } }, output: { s3_path: 's3://bucket/{{schedule_id}}/' } };
  const defaults = { ...templateDefaults(template, parse(template)), parallelism: 3, timeout: '2h' };
  const at = new Date('2026-11-30T01:00:00Z');
  const run = resolveScheduledRun({ scheduled_run: { schedule_id: 's', timezone: 'UTC' }, template, defaults }, at);
  assert.ok(run.ok);
  const spec = parse(run.spec);
  assert.deepEqual([spec.parallelism, spec.timeout, spec.output.s3_path], [3, '2h', 's3://bucket/s/']);
  // A schedule made before defaults were stored: its runs default on parsing, as they always did.
  const legacy = resolveScheduledRun({ scheduled_run: { schedule_id: 's', timezone: 'UTC' }, template }, at);
  assert.ok(legacy.ok);
  assert.equal(parse(legacy.spec).parallelism, 8);
});
