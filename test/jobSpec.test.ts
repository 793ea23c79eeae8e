import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, parseJobSpec } from '../src/job/spec';
import { boundedFailure, boundedMessage, MAX_CONFIG_BYTES, MAX_ERROR_CODE_CHARS, MAX_ERROR_MESSAGE_CHARS, truncateText, utf8Bytes } from '../src/job/bounds';

const minimal = {
  model: { name: 'recommender' },
  input: { item_list: { items: [{ user_id: 1 }] } },
  output: { s3_path: 's3://nightshift/out' },
};

describe('job spec', () => {
  it('fills every documented default', () => {
    const r = parseJobSpec(minimal);
    assert.ok(r.ok);
    assert.deepEqual(
      { ...r.spec, input: undefined },
      {
        input: undefined,
        model: { name: 'recommender', signature_name: 'serving_default' },
        output: { s3_path: 's3://nightshift/out/', include_input: false, overwrite: false },
        parallelism: 8,
        timeout: '6h',
        batch_timeout: '10m',
        retry: { max_attempts: 5, initial_interval: '1s', max_interval: '1m' },
        max_failure_ratio: 0,
        config: {},
      },
    );
    assert.deepEqual(r.spec.input, { item_list: { items: [{ user_id: 1 }], batch_size: 100 } });
  });

  it('is idempotent: parsing a parsed spec changes nothing (the workflow re-parses its input)', () => {
    const once = parseJobSpec(minimal);
    assert.ok(once.ok);
    const twice = parseJobSpec(once.spec);
    assert.ok(twice.ok);
    assert.deepEqual(twice.spec, once.spec);
  });

  const bad: [string, unknown, string, RegExp][] = [
    ['version and version_label', { ...minimal, model: { name: 'm', version: 1, version_label: 'stable' } }, 'model.version_label', /exclusive/],
    ['two inputs', { ...minimal, input: { item_list: { items: [1] }, delimited_files: { s3_paths: ['s3://b/p/'] } } }, 'input', /exactly one of/],
    ['empty items', { ...minimal, input: { item_list: { items: [] } } }, 'input.item_list.items', /at least one/],
    ['bad s3 path', { ...minimal, input: { delimited_files: { s3_paths: ['/tmp/x'] } } }, 'input.delimited_files.s3_paths[0]', /s3:\/\//],
    ['unknown field', { ...minimal, paralelism: 3 }, 'paralelism', /unknown field/],
    ['parallelism range', { ...minimal, parallelism: 5000 }, 'parallelism', /1000/],
    ['bad duration', { ...minimal, timeout: 'soon' }, 'timeout', /duration/],
    ['missing model name', { ...minimal, model: {} }, 'model.name', /.+/],
    ['ratio above 1', { ...minimal, max_failure_ratio: 2 }, 'max_failure_ratio', /.+/],
  ];
  for (const [name, spec, field, reason] of bad) {
    it(`rejects ${name}, naming ${field}`, () => {
      const r = parseJobSpec(spec);
      assert.ok(!r.ok);
      const issue = r.issues.find((i) => i.field === field);
      assert.ok(issue, `expected an issue for ${field}, got ${JSON.stringify(r.issues)}`);
      assert.match(issue.reason, reason);
    });
  }

  it('parses durations', () => {
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs('10m'), 600_000);
    assert.equal(durationMs('6h'), 21_600_000);
    assert.throws(() => durationMs('6 hours'));
  });
});

describe('payload bounds', () => {
  it('cuts long messages to MAX_ERROR_MESSAGE_CHARS, saying how much was cut', () => {
    const long = 'e'.repeat(10_000);
    const cut = boundedMessage(long);
    assert.ok(cut.length <= MAX_ERROR_MESSAGE_CHARS);
    const m = /^(e+)… \[(\d+) more chars\]$/.exec(cut);
    assert.ok(m, cut.slice(-40));
    assert.equal(m[1]!.length + Number(m[2]), long.length, 'kept + cut = whole');
    assert.equal(boundedMessage('short'), 'short');
    // A surrogate pair is never split into an invalid half.
    const emoji = truncateText('😀'.repeat(100), 21);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(emoji), emoji);
    assert.deepEqual(boundedFailure({ batch: 3, code: 'C'.repeat(500), message: 'ok' }), { batch: 3, code: 'C'.repeat(MAX_ERROR_CODE_CHARS - 18) + '… [' + String(500 - (MAX_ERROR_CODE_CHARS - 18)) + ' more chars]', message: 'ok' });
  });

  it('counts UTF-8 bytes as Buffer does', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é€\u0000']) assert.equal(utf8Bytes(s), Buffer.byteLength(s), s);
  });

  it('bounds config by its JSON size, at the limit accepted', () => {
    const at = { ...minimal, config: { k: 'v'.repeat(MAX_CONFIG_BYTES - JSON.stringify({ k: '' }).length) } };
    assert.ok(parseJobSpec(at).ok);
    const over = parseJobSpec({ ...minimal, config: { k: 'v'.repeat(MAX_CONFIG_BYTES) } });
    assert.ok(!over.ok && over.issues.some((i) => i.field === 'config'));
  });
});
