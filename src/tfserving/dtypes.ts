/**
 * The TensorFlow dtypes the codec handles, with their byte width in `tensor_content` and the typed `*_val`
 * field TensorProto carries them in (tensorflow/core/framework/tensor.proto).
 */
import type { DataType__Output } from './protos';

/** TensorFlow's own names (`DT_FLOAT`), as proto-loader decodes them with `enums: String`. */
export type DTypeName = Extract<DataType__Output, string>;

export type ValField =
  | 'float_val'
  | 'double_val'
  | 'int_val'
  | 'int64_val'
  | 'uint32_val'
  | 'uint64_val'
  | 'half_val'
  | 'bool_val'
  | 'string_val';

type NumericArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Int16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

export interface DTypeInfo {
  name: DTypeName;
  /** Bytes per element in tensor_content; 0 for STRING (no fixed width). */
  bytes: number;
  field: ValField;
  /**
   * How a value reads in JSON: `float` (number), `int` (safe integer), `bigint` (INT64/UINT64: number or decimal
   * string), `half` (HALF/BFLOAT16: number, stored as 16 bits), `bool`, `bytes` (STRING).
   */
  kind: 'float' | 'int' | 'bigint' | 'half' | 'bool' | 'bytes';
  /** The typed array that holds tensor_content (raw bits for HALF/BFLOAT16, 0/1 bytes for BOOL). */
  array?: NumericArrayCtor;
  /** Inclusive range of an integer dtype. */
  min?: bigint;
  max?: bigint;
}

const int = (name: DTypeName, bytes: number, field: ValField, array: NumericArrayCtor, signed: boolean): DTypeInfo => {
  const bits = BigInt(bytes * 8);
  const kind = bytes === 8 ? 'bigint' : 'int';
  return signed
    ? { name, bytes, field, kind, array, min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n }
    : { name, bytes, field, kind, array, min: 0n, max: (1n << bits) - 1n };
};

const TABLE: DTypeInfo[] = [
  { name: 'DT_FLOAT', bytes: 4, field: 'float_val', kind: 'float', array: Float32Array },
  { name: 'DT_DOUBLE', bytes: 8, field: 'double_val', kind: 'float', array: Float64Array },
  { name: 'DT_HALF', bytes: 2, field: 'half_val', kind: 'half', array: Uint16Array },
  { name: 'DT_BFLOAT16', bytes: 2, field: 'half_val', kind: 'half', array: Uint16Array },
  int('DT_INT8', 1, 'int_val', Int8Array, true),
  int('DT_UINT8', 1, 'int_val', Uint8Array, false),
  int('DT_INT16', 2, 'int_val', Int16Array, true),
  // tensor.proto lists UINT16 under int_val (there is no uint16 field).
  int('DT_UINT16', 2, 'int_val', Uint16Array, false),
  int('DT_INT32', 4, 'int_val', Int32Array, true),
  int('DT_UINT32', 4, 'uint32_val', Uint32Array, false),
  int('DT_INT64', 8, 'int64_val', BigInt64Array, true),
  int('DT_UINT64', 8, 'uint64_val', BigUint64Array, false),
  { name: 'DT_BOOL', bytes: 1, field: 'bool_val', kind: 'bool', array: Uint8Array },
  { name: 'DT_STRING', bytes: 0, field: 'string_val', kind: 'bytes' },
];

const BY_NAME = new Map<string, DTypeInfo>(TABLE.map((d) => [d.name, d]));

/** DataType numbers (types.proto) of the supported dtypes, for peers that send numbers. */
const BY_NUMBER = new Map<number, DTypeInfo>(
  (
    [
      [1, 'DT_FLOAT'], [2, 'DT_DOUBLE'], [3, 'DT_INT32'], [4, 'DT_UINT8'], [5, 'DT_INT16'], [6, 'DT_INT8'],
      [7, 'DT_STRING'], [9, 'DT_INT64'], [10, 'DT_BOOL'], [14, 'DT_BFLOAT16'], [17, 'DT_UINT16'], [19, 'DT_HALF'],
      [22, 'DT_UINT32'], [23, 'DT_UINT64'],
    ] as const
  ).map(([n, name]) => [n, BY_NAME.get(name)!]),
);

export const SUPPORTED_DTYPES: readonly DTypeName[] = TABLE.map((d) => d.name);

/** `DT_FLOAT`, `FLOAT`, `float` or 1 → the FLOAT entry; undefined when the codec does not handle the dtype. */
export function dtypeInfo(dtype: string | number): DTypeInfo | undefined {
  if (typeof dtype === 'number') return BY_NUMBER.get(dtype);
  const upper = dtype.toUpperCase();
  return BY_NAME.get(upper.startsWith('DT_') ? upper : `DT_${upper}`);
}

// tensor_content is little-endian; typed arrays use the host's order, so a big-endian host would need swaps.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('the TF Serving tensor codec assumes a little-endian host');
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE 754 binary16 bits, rounding to nearest even (what TensorFlow's Eigen::half does). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++;
  return sign | r;
}

/** bfloat16 bits → number (the upper half of a float32). */
export function bfloat16ToFloat(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** number → bfloat16 bits, rounding to nearest even. */
export function floatToBfloat16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if (Number.isNaN(x)) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
