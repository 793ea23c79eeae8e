import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodecError,
  decodeTensor,
  encodeTensor,
  itemsToTensors,
  tensorsToItems,
  type EncodeOptions,
  type TensorSpec,
} from '../src/tfserving/codec';
import { bfloat16ToFloat, floatToBfloat16, floatToHalf, halfToFloat } from '../src/tfserving/dtypes';
import { messages, type TensorProto, type TensorProto__Output } from '../src/tfserving/protos';

const ENCODINGS: NonNullable<EncodeOptions['encoding']>[] = ['tensor_content', 'typed_fields'];

/** Through real protobuf bytes, the way a tensor reaches the other side. */
function overTheWire(inputs: Record<string, TensorProto>): Record<string, TensorProto__Output> {
  return messages.PredictRequest.deserialize(messages.PredictRequest.serialize({ inputs })).inputs;
}

function tensor(t: TensorProto): TensorProto__Output {
  return overTheWire({ t }).t!;
}

const spec = (dtype: string, shape: number[] | null): Record<string, TensorSpec> => ({ x: { name: 'x', dtype, shape } });

function roundTrip(items: unknown[], inputs: Record<string, TensorSpec>, encoding: EncodeOptions['encoding']): Record<string, unknown>[] {
  return tensorsToItems(overTheWire(itemsToTensors(items, inputs, { encoding })), items.length);
}

function codecError(fn: () => unknown, field: RegExp | string, reason: RegExp, item?: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CodecError, `expected CodecError, got ${String(err)}`);
    if (typeof field === 'string') assert.equal(err.field, field);
    else assert.match(err.field, field);
    assert.match(err.reason, reason);
    if (item !== undefined) assert.equal(err.item, item);
    return true;
  });
}

// Values each dtype must carry unchanged: extremes, signs, zero.
const CASES: { dtype: string; items: unknown[]; expect?: unknown[] }[] = [
  // float32 values come back in their shortest decimal form, as TF Serving's REST API prints them.
  {
    dtype: 'DT_FLOAT',
    items: [[0.1, -2.5], [3.4028234663852886e38, 1.401298464324817e-45]],
    expect: [[0.1, -2.5], [3.4028235e38, 1.4013e-45]],
  },
  { dtype: 'DT_DOUBLE', items: [[0.1, -2.5], [Number.MAX_VALUE, Number.MIN_VALUE]] },
  { dtype: 'DT_HALF', items: [[1.5, -2], [65504, 5.960464477539063e-8]], expect: [[1.5, -2], [65504, 5.9604645e-8]] },
  { dtype: 'DT_BFLOAT16', items: [[1.5, -2], [3.140625, -0.00048828125]] },
  { dtype: 'DT_INT8', items: [[-128, 127], [0, -1]] },
  { dtype: 'DT_UINT8', items: [[0, 255], [1, 128]] },
  { dtype: 'DT_INT16', items: [[-32768, 32767], [0, -1]] },
  { dtype: 'DT_UINT16', items: [[0, 65535], [1, 32768]] },
  { dtype: 'DT_INT32', items: [[-2147483648, 2147483647], [0, -1]] },
  { dtype: 'DT_UINT32', items: [[0, 4294967295], [1, 2147483648]] },
  {
    dtype: 'DT_INT64',
    items: [['-9223372036854775808', '9223372036854775807'], [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]],
  },
  { dtype: 'DT_UINT64', items: [['18446744073709551615', 0], ['9007199254740993', 42]] },
  { dtype: 'DT_BOOL', items: [[true, false], [false, true]] },
  { dtype: 'DT_STRING', items: [['héllo ✓', ''], [{ b64: Buffer.from([0xff, 0x00, 0xfe]).toString('base64') }, 'plain']] },
];

for (const c of CASES) {
  for (const encoding of ENCODINGS) {
    test(`${c.dtype} items survive encoding as ${encoding}, the wire and decoding`, () => {
      const out = roundTrip(c.items, spec(c.dtype, [-1, 2]), encoding);
      assert.deepEqual(out, (c.expect ?? c.items).map((x) => ({ x })));
    });
  }
}

test('numeric tensors are written as tensor_content unless typed fields are asked for', () => {
  const content = itemsToTensors([1, 2], spec('DT_INT64', [-1])).x!;
  assert.equal(content.tensor_content?.length, 16);
  assert.equal(content.int64_val, undefined);
  const typed = itemsToTensors([1, 2], spec('DT_INT64', [-1]), { encoding: 'typed_fields' }).x!;
  assert.deepEqual(typed.int64_val, ['1', '2']);
  assert.equal(typed.tensor_content, undefined);
  const strings = itemsToTensors(['a'], spec('DT_STRING', [-1])).x!;
  assert.deepEqual(strings.string_val, [Buffer.from('a')]);
});

test('INT64 beyond 2^53 comes out as a decimal string; within it, as a number', () => {
  const items = ['9007199254740991', '9007199254740992', '-9007199254740993', 5];
  assert.deepEqual(
    roundTrip(items, spec('DT_INT64', [-1]), 'tensor_content').map((o) => o.x),
    [9007199254740991, '9007199254740992', '-9007199254740993', 5],
  );
});

test('an INT64 JSON number that has already lost precision is refused, not rounded', () => {
  codecError(() => itemsToTensors([2 ** 60], spec('DT_INT64', [-1])), 'x', /beyond 2\^53.*decimal strings/, 0);
  codecError(() => itemsToTensors(['9223372036854775808'], spec('DT_INT64', [-1])), 'x', /out of range for DT_INT64/);
  codecError(() => itemsToTensors(['-1'], spec('DT_UINT64', [-1])), 'x', /out of range for DT_UINT64/);
});

test('arbitrary bytes go out as {"b64"} and UTF-8 text as a string', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const out = roundTrip([{ b64: all.toString('base64') }, 'ünïcode ✓', { b64: '' }], spec('DT_STRING', [-1]), 'tensor_content');
  assert.deepEqual(out, [{ x: { b64: all.toString('base64') } }, { x: 'ünïcode ✓' }, { x: '' }]);
  codecError(() => itemsToTensors([{ b64: 'not base64!' }], spec('DT_STRING', [-1])), 'x', /not valid base64/);
});

test('a bare value is the item when the signature has one input; otherwise items are keyed by input', () => {
  const one = spec('DT_INT32', [-1]);
  assert.deepEqual(itemsToTensors([7], one), itemsToTensors([{ x: 7 }], one));
  const two: Record<string, TensorSpec> = {
    a: { name: 'a', dtype: 'DT_INT32', shape: [-1] },
    b: { name: 'b', dtype: 'DT_STRING', shape: [-1, 2] },
  };
  const t = overTheWire(itemsToTensors([{ a: 1, b: ['p', 'q'] }, { a: 2, b: ['r', 's'] }], two));
  assert.deepEqual(decodeTensor(t.b!).shape, [2, 2]);
  codecError(() => itemsToTensors([{ a: 1 }], two), 'b', /missing/, 0);
  codecError(() => itemsToTensors([{ a: 1, b: ['p', 'q'], c: 3 }], two), 'c', /not an input of the signature \(inputs: a, b\)/, 0);
  codecError(() => itemsToTensors([5], two), '', /keyed by the signature's inputs/, 0);
  codecError(() => itemsToTensors([{ y: 1 }], one), 'y', /not an input/);
});

test('a {"b64"} item is a bare value, not an item keyed "b64"', () => {
  const t = overTheWire(itemsToTensors([{ b64: 'AAE=' }], spec('DT_STRING', [-1])));
  assert.deepEqual(decodeTensor(t.x!).values, [Buffer.from([0, 1])]);
});

test('shape errors name the input, the index path and the item', () => {
  codecError(() => itemsToTensors([[1, 2], [3]], spec('DT_FLOAT', [-1, -1])), 'x', /differs from the first item's \[2\]/, 1);
  codecError(() => itemsToTensors([[1, 2, 3]], spec('DT_FLOAT', [-1, 2])), 'x', /must have shape \[2\].*got \[3\]/, 0);
  codecError(() => itemsToTensors([[[1], [2, 3]]], spec('DT_FLOAT', [-1, 2, -1])), 'x[1]', /ragged/, 0);
  codecError(() => itemsToTensors([[1, [2]]], spec('DT_FLOAT', null)), 'x[1]', /more dimensions/, 0);
  codecError(() => itemsToTensors([1], spec('DT_FLOAT', [])), 'x', /scalar shape/);
  codecError(() => itemsToTensors([1, 2, 3], spec('DT_FLOAT', [2])), 'x', /fixes dimension 0 to 2/);
  codecError(() => itemsToTensors([], spec('DT_FLOAT', [-1])), '', /no items/);
});

test('dtype errors say what was expected and what came', () => {
  codecError(() => itemsToTensors([1, 'two'], spec('DT_FLOAT', [-1])), 'x', /DT_FLOAT needs a number, got string "two"/, 1);
  codecError(() => itemsToTensors([1.5], spec('DT_INT32', [-1])), 'x', /needs an integer/);
  codecError(() => itemsToTensors([128], spec('DT_INT8', [-1])), 'x', /out of range for DT_INT8/);
  codecError(() => itemsToTensors([[true, 1]], spec('DT_BOOL', [-1, 2])), 'x[1]', /needs true or false, got number 1/);
  codecError(() => itemsToTensors([3], spec('DT_STRING', [-1])), 'x', /needs a string or \{"b64"/);
  codecError(() => itemsToTensors([[1, 2]], spec('DT_COMPLEX64', [-1, 2])), 'x', /DT_COMPLEX64 is not supported/);
});

test('NaN and ±Infinity are accepted as strings for floating dtypes', () => {
  const t = overTheWire(itemsToTensors([['NaN', 'Infinity', '-Infinity']], spec('DT_FLOAT', [-1, 3])));
  assert.deepEqual(Array.from(decodeTensor(t.x!).values as Float32Array), [NaN, Infinity, -Infinity]);
});

test('one *_val value fills the whole shape, for every field', () => {
  const shape = { dim: [{ size: 2 }, { size: 3 }] };
  const cases: [TensorProto, unknown][] = [
    [{ dtype: 'DT_FLOAT', tensor_shape: shape, float_val: [0.5] }, 0.5],
    [{ dtype: 'DT_DOUBLE', tensor_shape: shape, double_val: [0.25] }, 0.25],
    [{ dtype: 'DT_INT32', tensor_shape: shape, int_val: [-7] }, -7],
    [{ dtype: 'DT_INT64', tensor_shape: shape, int64_val: ['9223372036854775807'] }, '9223372036854775807'],
    [{ dtype: 'DT_UINT32', tensor_shape: shape, uint32_val: [4294967295] }, 4294967295],
    [{ dtype: 'DT_UINT64', tensor_shape: shape, uint64_val: ['18446744073709551615'] }, '18446744073709551615'],
    [{ dtype: 'DT_HALF', tensor_shape: shape, half_val: [floatToHalf(1.5)] }, 1.5],
    [{ dtype: 'DT_BFLOAT16', tensor_shape: shape, half_val: [floatToBfloat16(-2)] }, -2],
    [{ dtype: 'DT_BOOL', tensor_shape: shape, bool_val: [true] }, true],
    [{ dtype: 'DT_STRING', tensor_shape: shape, string_val: [Buffer.from('s')] }, 's'],
  ];
  for (const [t, v] of cases) {
    assert.deepEqual(tensorsToItems({ t: tensor(t) }, 2), [{ t: [v, v, v] }, { t: [v, v, v] }], String(t.dtype));
  }
});

test('no values at all read as zeros; a count that neither fills nor matches is an error', () => {
  assert.deepEqual(decodeTensor(tensor({ dtype: 'DT_INT32', tensor_shape: { dim: [{ size: 3 }] } })).values, new Int32Array(3));
  codecError(
    () => decodeTensor(tensor({ dtype: 'DT_INT32', tensor_shape: { dim: [{ size: 3 }] }, int_val: [1, 2] }), 'out'),
    'out',
    /int_val holds 2 values; shape \[3\] needs 3/,
  );
  codecError(
    () => decodeTensor(tensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 2 }] }, int_val: [1, 2] }), 'out'),
    'out',
    /DT_FLOAT carries its values in float_val, but int_val is set/,
  );
});

test('tensor_content of the wrong length is an error naming the tensor', () => {
  codecError(
    () => decodeTensor(tensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 3 }] }, tensor_content: Buffer.alloc(8) }), 'scores'),
    'scores',
    /tensor_content has 8 bytes; DT_FLOAT of shape \[3\] needs 12/,
  );
  codecError(() => decodeTensor(tensor({ dtype: 'DT_FLOAT', tensor_shape: { unknown_rank: true } })), 'tensor', /unknown_rank/);
  codecError(() => decodeTensor(tensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: -1 }] } })), 'tensor', /negative/);
});

test('DT_STRING tensor_content in TensorFlow’s layout (lengths first, then bytes) is read', () => {
  const content = Buffer.concat([Buffer.from([2, 0, 200, 1]), Buffer.from('ab'), Buffer.alloc(200, 0x78)]);
  const t = decodeTensor(tensor({ dtype: 'DT_STRING', tensor_shape: { dim: [{ size: 3 }] }, tensor_content: content }));
  assert.deepEqual(t.values, [Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(200, 0x78)]);
});

test('tensor_content is little-endian, as TensorFlow writes it', () => {
  const t = encodeTensor({ dtype: 'DT_INT32', shape: [2], values: new Int32Array([1, -2]) });
  assert.equal(Buffer.from(t.tensor_content as Buffer).toString('hex'), '01000000feffffff');
  const d = decodeTensor(tensor({ dtype: 'DT_DOUBLE', tensor_shape: { dim: [{ size: 1 }] }, tensor_content: Buffer.from('000000000000f03f', 'hex') }));
  assert.deepEqual(Array.from(d.values as Float64Array), [1]);
});

test('outputs split along dimension 0, and a row count that does not match the items is an error', () => {
  const t = tensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 2 }, { size: 2 }, { size: 1 }] }, float_val: [1, 2, 3, 4] });
  assert.deepEqual(tensorsToItems({ y: t }, 2), [{ y: [[1], [2]] }, { y: [[3], [4]] }]);
  codecError(() => tensorsToItems({ y: t }, 3), 'y', /expected 3 rows along dimension 0/);
  const scalar = tensor({ dtype: 'DT_FLOAT', tensor_shape: {}, float_val: [1] });
  codecError(() => tensorsToItems({ s: scalar }, 1), 's', /has shape \[\]/);
});

test('float32 values are written with the fewest digits that read back the same', () => {
  const out = roundTrip([[0.1, 1 / 3, 16777217]], spec('DT_FLOAT', [-1, 3]), 'typed_fields');
  assert.deepEqual(out, [{ x: [0.1, 0.33333334, 16777216] }]);
});

test('HALF and BFLOAT16 conversions are exact for every 16-bit pattern', () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    const h = halfToFloat(bits);
    if (!Number.isNaN(h)) assert.equal(floatToHalf(h), bits, `half ${bits.toString(16)}`);
    const b = bfloat16ToFloat(bits);
    if (!Number.isNaN(b)) assert.equal(floatToBfloat16(b), bits, `bfloat16 ${bits.toString(16)}`);
  }
  assert.equal(floatToHalf(1 + 2 ** -11), floatToHalf(1), 'ties round to even');
  assert.equal(floatToHalf(1e6), 0x7c00, 'overflow is infinity');
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
});

test('a bigint from a lossless input line reaches INT64/UINT64 exactly, in both encodings, through real protobuf bytes', () => {
  const big = 9007199254740993n; // 2^53 + 1: JSON.parse would read 9007199254740992
  for (const encoding of ENCODINGS) {
    const wire = overTheWire(itemsToTensors([{ x: big }, { x: -big }, { x: 7 }], spec('DT_INT64', [-1]), { encoding }));
    assert.deepEqual(Array.from(decodeTensor(wire.x!, 'x').values as BigInt64Array), [big, -big, 7n], encoding);
    if (encoding === 'typed_fields') assert.deepEqual(wire.x!.int64_val, ['9007199254740993', '-9007199254740993', '7']);
    const u = overTheWire(itemsToTensors([18446744073709551615n], spec('DT_UINT64', [-1]), { encoding }));
    assert.deepEqual(Array.from(decodeTensor(u.x!, 'x').values as BigUint64Array), [18446744073709551615n], encoding);
  }
  codecError(() => itemsToTensors([2n ** 63n], spec('DT_INT64', [-1])), 'x', /9223372036854775808 is out of range for DT_INT64/, 0);
  codecError(() => itemsToTensors([big], spec('DT_INT32', [-1])), 'x', /9007199254740993 is out of range for DT_INT32/, 0);
  codecError(() => itemsToTensors([big], spec('DT_STRING', [-1])), 'x', /needs a string .* got number 9007199254740993/, 0);
  // A float input takes a big integer as closely as the float can hold it; plain numbers are unchanged.
  assert.deepEqual(roundTrip([{ x: big }, { x: 1.5 }], spec('DT_DOUBLE', [-1]), 'tensor_content'), [{ x: 9007199254740992 }, { x: 1.5 }]);
  assert.deepEqual(roundTrip([{ x: [1, -2] }], spec('DT_INT32', [-1, 2]), 'typed_fields'), [{ x: [1, -2] }]);
});
