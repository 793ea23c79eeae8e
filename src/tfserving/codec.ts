/**
 * TensorProto ⇄ typed values ⇄ JSON items.
 *
 * Reading accepts both representations TF Serving uses: `tensor_content` (little-endian bytes) and the typed
 * `*_val` fields (what tensorflow_model_server answers with), where a single value fills the whole shape.
 * Writing uses `tensor_content` for every fixed-width dtype (compact, no per-value varints) and `string_val` for
 * STRING; `{ encoding: 'typed_fields' }` writes the `*_val` fields instead (the model server answers that way).
 *
 * Row format (TF Serving REST's "instances"): one JSON item per example, keyed by the signature's input names, or
 * the bare value when the signature has a single input. Items stack along dimension 0. STRING values are JSON
 * strings (UTF-8) or `{"b64": "..."}` for raw bytes. INT64/UINT64 values are safe integers, decimal strings, or
 * bigints (what the lossless line parser, src/batch/jsonLine.ts, makes of integers beyond 2^53), all exact. Outputs split back along dimension 0; INT64/UINT64 values
 * beyond ±2^53 come out as decimal strings, bytes that are not UTF-8 as `{"b64": "..."}`.
 */
import { isUtf8 } from 'node:buffer';
import {
  bfloat16ToFloat,
  dtypeInfo,
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  SUPPORTED_DTYPES,
  type DTypeInfo,
  type DTypeName,
  type ValField,
} from './dtypes';
import type { TensorProto, TensorProto__Output } from './protos';
import type { TensorSpec } from './signature';

export type { DTypeName } from './dtypes';
export type { TensorSpec } from './signature';

/** A value that does not fit a dtype or shape; `field` names the input/output (and index path) it is about. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly field: string,
    readonly reason: string,
    /** Index of the offending item in the list given to itemsToTensors, when one item is to blame. */
    readonly item?: number,
  ) {
    super(field ? `${field}: ${reason}` : reason);
  }
}

/**
 * Element values in row-major order. FLOAT/HALF/BFLOAT16 read as Float32Array (HALF and BFLOAT16 widened),
 * DOUBLE Float64Array, integer dtypes their typed array (INT64/UINT64 BigInt64Array/BigUint64Array), BOOL
 * boolean[], STRING Buffer[].
 */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | boolean[]
  | Buffer[];

export interface DecodedTensor {
  dtype: DTypeName;
  shape: number[];
  values: TensorValues;
}

export interface EncodeOptions {
  /** `tensor_content` (default) or the typed `*_val` fields, which is what TF Serving itself answers with. */
  encoding?: 'tensor_content' | 'typed_fields';
}

const MAX_ELEMENTS = 2 ** 31 - 1;
const VAL_FIELDS: ValField[] = ['float_val', 'double_val', 'int_val', 'int64_val', 'uint32_val', 'uint64_val', 'half_val', 'bool_val', 'string_val'];

function infoOf(dtype: string | number, field: string): DTypeInfo {
  const info = dtypeInfo(dtype);
  if (!info) throw new CodecError(field, `dtype ${dtype} is not supported (supported: ${SUPPORTED_DTYPES.join(', ')})`);
  return info;
}

function elementCount(shape: number[], field: string): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (n > MAX_ELEMENTS) throw new CodecError(field, `shape [${shape.join(',')}] has more than ${MAX_ELEMENTS} elements`);
  return n;
}

const fmtShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

function shapeOf(t: TensorProto__Output, field: string): number[] {
  const s = t.tensor_shape;
  if (s?.unknown_rank) throw new CodecError(field, 'tensor_shape has unknown_rank set; a tensor needs a concrete shape');
  const shape = (s?.dim ?? []).map((d) => Number(d.size));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new CodecError(field, `tensor_shape ${fmtShape(shape)} has a negative or invalid dimension`);
  }
  return shape;
}

/** TensorFlow's string-list tensor_content: all lengths as varints first, then the bytes back to back. */
function decodeStringContent(content: Buffer, n: number, field: string): Buffer[] {
  const lengths: number[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    let len = 0;
    let shift = 0;
    for (;;) {
      if (pos >= content.length) throw new CodecError(field, 'tensor_content ends inside a DT_STRING length');
      const b = content[pos++]!;
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    lengths.push(len);
  }
  const out: Buffer[] = [];
  for (const len of lengths) {
    if (pos + len > content.length) throw new CodecError(field, 'tensor_content is shorter than its DT_STRING lengths say');
    out.push(Buffer.from(content.subarray(pos, pos + len)));
    pos += len;
  }
  if (pos !== content.length) throw new CodecError(field, `tensor_content has ${content.length - pos} bytes after ${n} DT_STRING values`);
  return out;
}

function widenHalf(info: DTypeInfo, bits: Uint16Array): Float32Array {
  const toFloat = info.name === 'DT_HALF' ? halfToFloat : bfloat16ToFloat;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = toFloat(bits[i]!);
  return out;
}

function fromContent(info: DTypeInfo, content: Buffer, n: number, shape: number[], field: string): TensorValues {
  if (info.kind === 'bytes') return decodeStringContent(content, n, field);
  const expected = n * info.bytes;
  if (content.length !== expected) {
    throw new CodecError(field, `tensor_content has ${content.length} bytes; ${info.name} of shape ${fmtShape(shape)} needs ${expected}`);
  }
  // Copy: decoded Buffers are often unaligned slices of the message, and typed arrays need aligned offsets.
  const arr = new info.array!(n);
  new Uint8Array(arr.buffer).set(content);
  if (info.kind === 'half') return widenHalf(info, arr as Uint16Array);
  if (info.kind === 'bool') return Array.from(arr as Uint8Array, (b) => b !== 0);
  return arr;
}

function intFromVal(info: DTypeInfo, v: unknown, field: string): bigint {
  let b: bigint;
  try {
    b = BigInt(v as string | number);
  } catch {
    throw new CodecError(field, `${info.field} holds ${String(v)}, not an integer`);
  }
  if (b < info.min! || b > info.max!) throw new CodecError(field, `${info.field} value ${b} is out of range for ${info.name}`);
  return b;
}

function fromVals(info: DTypeInfo, t: TensorProto__Output, n: number, shape: number[], field: string): TensorValues {
  const src = (t[info.field] ?? []) as unknown[];
  const count = src.length;
  if (count === 0 && n > 0) {
    const other = VAL_FIELDS.find((f) => f !== info.field && ((t[f] ?? []) as unknown[]).length > 0);
    if (other) throw new CodecError(field, `${info.name} carries its values in ${info.field}, but ${other} is set`);
  }
  if (count !== n && count > 1) {
    throw new CodecError(field, `${info.field} holds ${count} values; shape ${fmtShape(shape)} needs ${n} (or one value to fill it)`);
  }
  // TensorFlow's fill rule: one value fills the shape; none means zeros.
  const at = (i: number): unknown => src[count === n ? i : 0];
  if (info.kind === 'bytes') {
    return Array.from({ length: n }, (_, i) => {
      const v = at(i);
      return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array | string);
    });
  }
  if (info.kind === 'bool') return count === 0 ? new Array<boolean>(n).fill(false) : Array.from({ length: n }, (_, i) => Boolean(at(i)));
  const arr = new info.array!(n);
  if (count === 0) return info.kind === 'half' ? new Float32Array(n) : arr;
  if (info.kind === 'bigint') {
    const big = arr as BigInt64Array | BigUint64Array;
    if (count === 1) big.fill(intFromVal(info, src[0], field));
    else for (let i = 0; i < n; i++) big[i] = intFromVal(info, src[i], field);
    return big;
  }
  const num = arr as Exclude<typeof arr, BigInt64Array | BigUint64Array>;
  const conv = (v: unknown): number => {
    if (info.kind === 'half') return Number(v) & 0xffff;
    if (info.kind === 'int') return Number(intFromVal(info, v, field));
    return Number(v);
  };
  if (count === 1) num.fill(conv(src[0]));
  else for (let i = 0; i < n; i++) num[i] = conv(src[i]);
  return info.kind === 'half' ? widenHalf(info, num as Uint16Array) : num;
}

/** TensorProto (as decoded with protos.ts's options) → dtype, shape and values. */
export function decodeTensor(t: TensorProto__Output, field = 'tensor'): DecodedTensor {
  const info = infoOf(t.dtype, field);
  const shape = shapeOf(t, field);
  const n = elementCount(shape, field);
  const content = t.tensor_content;
  const values = content && content.length > 0 ? fromContent(info, content, n, shape, field) : fromVals(info, t, n, shape, field);
  return { dtype: info.name, shape, values };
}

/** Values of whatever array type → the typed array tensor_content is written from. */
function contentArray(info: DTypeInfo, values: ArrayLike<unknown>, field: string): ArrayBufferView {
  if (info.kind === 'half') {
    const toBits = info.name === 'DT_HALF' ? floatToHalf : floatToBfloat16;
    return Uint16Array.from(values as ArrayLike<number>, (v) => toBits(v));
  }
  if (info.kind === 'bool') return Uint8Array.from(values as ArrayLike<boolean>, (v) => (v ? 1 : 0));
  if (values instanceof info.array!) return values as ArrayBufferView;
  if (info.kind === 'bigint') {
    return (info.array as BigInt64ArrayConstructor).from(values as ArrayLike<bigint>, (v) => intFromVal(info, v, field));
  }
  return (info.array as Float64ArrayConstructor).from(values as ArrayLike<number>, (v) => Number(v));
}

function typedFields(info: DTypeInfo, values: ArrayLike<unknown>): Partial<Record<ValField, unknown[]>> {
  const list = Array.from(values);
  switch (info.kind) {
    case 'bigint':
      return { [info.field]: list.map((v) => String(v)) };
    case 'half': {
      const toBits = info.name === 'DT_HALF' ? floatToHalf : floatToBfloat16;
      return { half_val: list.map((v) => toBits(Number(v))) };
    }
    case 'bool':
      return { bool_val: list.map(Boolean) };
    default:
      return { [info.field]: list.map(Number) };
  }
}

/** dtype, shape and values → TensorProto (see EncodeOptions for the representation). */
export function encodeTensor(t: DecodedTensor, opts: EncodeOptions = {}, field = 'tensor'): TensorProto {
  const info = infoOf(t.dtype, field);
  const n = elementCount(t.shape, field);
  if (t.values.length !== n) {
    throw new CodecError(field, `${t.values.length} values do not fill shape ${fmtShape(t.shape)} (${n} elements)`);
  }
  const proto: TensorProto = { dtype: info.name, tensor_shape: { dim: t.shape.map((size) => ({ size })) } };
  if (info.kind === 'bytes') {
    proto.string_val = (t.values as unknown[]).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array | string)));
  } else if (opts.encoding === 'typed_fields') {
    Object.assign(proto, typedFields(info, t.values));
  } else {
    const view = contentArray(info, t.values, field);
    proto.tensor_content = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  }
  return proto;
}

// ---- row format -------------------------------------------------------------------------------------------

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isB64 = (v: unknown): v is { b64: string } =>
  isPlainObject(v) && typeof v.b64 === 'string' && Object.keys(v).length === 1;
const B64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'bigint') return `number ${v}`;
  const s = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${s.length > 40 ? `${s.slice(0, 37)}...` : s}`;
}

/** One JSON leaf → the value stored for `info` (numbers, bigints, booleans or bytes). */
function leafValue(info: DTypeInfo, v: unknown, field: string): number | bigint | boolean | Buffer {
  switch (info.kind) {
    case 'float':
    case 'half':
      if (typeof v === 'number') return v;
      // An integer too large for a safe Number (lossless input lines): a float holds it as closely as it can.
      if (typeof v === 'bigint') return Number(v);
      // TF Serving's REST API reads NaN and Infinity; JSON cannot, so they arrive as strings.
      if (v === 'NaN') return NaN;
      if (v === 'Infinity' || v === '+Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      throw new CodecError(field, `${info.name} needs a number, got ${describe(v)}`);
    case 'int': {
      if (typeof v === 'bigint') throw new CodecError(field, `${v} is out of range for ${info.name}`);
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new CodecError(field, `${info.name} needs an integer, got ${describe(v)}`);
      if (v < Number(info.min) || v > Number(info.max)) throw new CodecError(field, `${v} is out of range for ${info.name}`);
      return v;
    }
    case 'bigint': {
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
      else if (typeof v === 'string' && /^-?\d+$/.test(v)) b = BigInt(v);
      else if (typeof v === 'number' && Number.isInteger(v)) {
        throw new CodecError(field, `${v} is beyond 2^53 and has lost precision in JSON; write ${info.name} values that large as decimal strings`);
      } else throw new CodecError(field, `${info.name} needs an integer (or a decimal string), got ${describe(v)}`);
      if (b < info.min! || b > info.max!) throw new CodecError(field, `${b} is out of range for ${info.name}`);
      return b;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw new CodecError(field, `${info.name} needs true or false, got ${describe(v)}`);
      return v;
    case 'bytes':
      if (typeof v === 'string') return Buffer.from(v, 'utf8');
      if (isB64(v)) {
        if (!B64_RE.test(v.b64)) throw new CodecError(field, '"b64" is not valid base64');
        return Buffer.from(v.b64, 'base64');
      }
      throw new CodecError(field, `${info.name} needs a string or {"b64": "..."}, got ${describe(v)}`);
  }
}

/** The nested-array shape of one item's value, following the first element at each level. */
function jsonShape(v: unknown): number[] {
  const shape: number[] = [];
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

/** Walks a rectangular nested array of the given shape, passing leaves in row-major order. */
function flatten(v: unknown, shape: number[], depth: number, path: string, out: (leaf: unknown, path: string) => void): void {
  if (depth === shape.length) {
    if (Array.isArray(v)) throw new CodecError(path, `has more dimensions than ${fmtShape(shape)}`);
    out(v, path);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) {
    throw new CodecError(path, `is ragged: expected ${shape[depth]} elements at this level (shape ${fmtShape(shape)}), got ${Array.isArray(v) ? v.length : describe(v)}`);
  }
  for (let i = 0; i < v.length; i++) flatten(v[i], shape, depth + 1, `${path}[${i}]`, out);
}

/** Splits each item into its per-input values, by the signature's input names. */
function valuesByInput(items: unknown[], names: string[]): unknown[][] {
  const cols = names.map(() => new Array<unknown>(items.length));
  items.forEach((item, i) => {
    if (names.length === 1 && !(isPlainObject(item) && !isB64(item))) {
      cols[0]![i] = item;
      return;
    }
    if (!isPlainObject(item) || isB64(item)) {
      throw new CodecError('', `an item must be an object keyed by the signature's inputs (${names.join(', ')}), got ${describe(item)}`, i);
    }
    for (const key of Object.keys(item)) {
      if (!names.includes(key)) throw new CodecError(key, `is not an input of the signature (inputs: ${names.join(', ')})`, i);
    }
    names.forEach((name, k) => {
      if (!(name in item)) throw new CodecError(name, 'missing: every item needs a value for each input', i);
      cols[k]![i] = item[name];
    });
  });
  return cols;
}

function stackInput(spec: TensorSpec, info: DTypeInfo, values: unknown[]): DecodedTensor {
  const name = spec.name;
  const want = spec.shape;
  if (want && want.length === 0) {
    throw new CodecError(name, 'the signature gives this input a scalar shape []; the row format needs a batch dimension');
  }
  if (want && want[0]! >= 0 && want[0] !== values.length) {
    throw new CodecError(name, `the signature fixes dimension 0 to ${want[0]}, but ${values.length} items were given`);
  }
  const itemShape = jsonShape(values[0]);
  if (want) {
    const inner = want.slice(1);
    const fits = inner.length === itemShape.length && inner.every((d, k) => d < 0 || d === itemShape[k]);
    if (!fits) {
      throw new CodecError(name, `each item must have shape ${fmtShape(inner.map((d) => (d < 0 ? -1 : d)))} (signature shape ${fmtShape(want)}), got ${fmtShape(itemShape)}`, 0);
    }
  }
  const perItem = elementCount(itemShape, name);
  const n = elementCount([values.length, perItem], name);
  // Typed storage where the values are numbers; a plain array for bigints (copied into BigInt64Array below),
  // booleans and bytes.
  const out: unknown[] | Float32Array | Float64Array =
    info.kind === 'half' ? new Float32Array(n) : info.kind === 'float' || info.kind === 'int' ? new (info.array as Float64ArrayConstructor)(n) : new Array<unknown>(n);
  let k = 0;
  values.forEach((v, i) => {
    try {
      if (i > 0) {
        const s = jsonShape(v);
        if (s.length !== itemShape.length || s.some((d, j) => d !== itemShape[j])) {
          throw new CodecError(name, `shape ${fmtShape(s)} differs from the first item's ${fmtShape(itemShape)}; items of one batch must stack`);
        }
      }
      flatten(v, itemShape, 0, name, (leaf, path) => {
        (out as unknown[])[k++] = leafValue(info, leaf, path);
      });
    } catch (err) {
      if (err instanceof CodecError && err.item === undefined) throw new CodecError(err.field, err.reason, i);
      throw err;
    }
  });
  const typed = info.kind === 'bigint' ? (info.array as BigInt64ArrayConstructor).from(out as bigint[]) : (out as TensorValues);
  return { dtype: info.name, shape: [values.length, ...itemShape], values: typed };
}

/** Row-format items → one stacked tensor per input (values, before encoding). */
export function itemsToDecoded(items: unknown[], inputs: Record<string, TensorSpec>): Record<string, DecodedTensor> {
  const names = Object.keys(inputs);
  if (items.length === 0) throw new CodecError('', 'no items');
  if (names.length === 0) throw new CodecError('', 'the signature has no inputs');
  const cols = valuesByInput(items, names);
  const out: Record<string, DecodedTensor> = {};
  names.forEach((name, k) => {
    const spec = inputs[name]!;
    out[name] = stackInput({ ...spec, name }, infoOf(spec.dtype, name), cols[k]!);
  });
  return out;
}

/** Row-format items → PredictRequest.inputs. Throws CodecError naming the input, the index path and the item. */
export function itemsToTensors(items: unknown[], inputs: Record<string, TensorSpec>, opts: EncodeOptions = {}): Record<string, TensorProto> {
  const decoded = itemsToDecoded(items, inputs);
  const out: Record<string, TensorProto> = {};
  for (const [name, t] of Object.entries(decoded)) out[name] = encodeTensor(t, opts, name);
  return out;
}

/** The shortest decimal that reads back as the same float32 (for normal values; as TF Serving's REST API prints). */
function float32Json(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let p = 6; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

function jsonLeaf(dtype: DTypeName, v: number | bigint | boolean | Buffer): unknown {
  if (typeof v === 'bigint') return v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return isUtf8(v) ? v.toString('utf8') : { b64: v.toString('base64') };
  if (typeof v === 'number' && (dtype === 'DT_FLOAT' || dtype === 'DT_HALF' || dtype === 'DT_BFLOAT16')) return float32Json(v);
  return v;
}

/** Builds a nested array of `shape` from values[start...]. */
function nest(values: TensorValues, dtype: DTypeName, shape: number[], depth: number, start: number, stride: number[]): unknown {
  if (depth === shape.length) return jsonLeaf(dtype, values[start]!);
  const out = new Array<unknown>(shape[depth]!);
  for (let i = 0; i < shape[depth]!; i++) out[i] = nest(values, dtype, shape, depth + 1, start + i * stride[depth]!, stride);
  return out;
}

/** One output tensor → one JSON value per item (split along dimension 0). */
export function tensorToRows(t: DecodedTensor, count: number, field: string): unknown[] {
  if (t.shape.length === 0 || t.shape[0] !== count) {
    throw new CodecError(field, `has shape ${fmtShape(t.shape)}; expected ${count} rows along dimension 0, one per item`);
  }
  const inner = t.shape.slice(1);
  const stride = inner.map((_, k) => inner.slice(k + 1).reduce((a, b) => a * b, 1));
  const rowSize = inner.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, i) => nest(t.values, t.dtype, inner, 0, i * rowSize, stride));
}

/** PredictResponse.outputs → one object per item, keyed by output name, in item order. */
export function tensorsToItems(outputs: Record<string, TensorProto__Output>, count: number): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = Array.from({ length: count }, () => ({}));
  for (const name of Object.keys(outputs).sort()) {
    const rows = tensorToRows(decodeTensor(outputs[name]!, name), count, name);
    rows.forEach((row, i) => {
      items[i]![name] = row;
    });
  }
  return items;
}
