// Original file: protos/tensorflow/core/framework/types.proto

export const DataType = {
  /**
   * Not a legal value for DataType. Used to indicate a DataType field has not been set.
   */
  DT_INVALID: 'DT_INVALID',
  /**
   * Data types that all computation devices are expected to be capable to support.
   */
  DT_FLOAT: 'DT_FLOAT',
  DT_DOUBLE: 'DT_DOUBLE',
  DT_INT32: 'DT_INT32',
  DT_UINT8: 'DT_UINT8',
  DT_INT16: 'DT_INT16',
  DT_INT8: 'DT_INT8',
  DT_STRING: 'DT_STRING',
  /**
   * Single-precision complex
   */
  DT_COMPLEX64: 'DT_COMPLEX64',
  DT_INT64: 'DT_INT64',
  DT_BOOL: 'DT_BOOL',
  /**
   * Quantized int8
   */
  DT_QINT8: 'DT_QINT8',
  /**
   * Quantized uint8
   */
  DT_QUINT8: 'DT_QUINT8',
  /**
   * Quantized int32
   */
  DT_QINT32: 'DT_QINT32',
  /**
   * Float32 truncated to 16 bits.
   */
  DT_BFLOAT16: 'DT_BFLOAT16',
  /**
   * Quantized int16
   */
  DT_QINT16: 'DT_QINT16',
  /**
   * Quantized uint16
   */
  DT_QUINT16: 'DT_QUINT16',
  DT_UINT16: 'DT_UINT16',
  /**
   * Double-precision complex
   */
  DT_COMPLEX128: 'DT_COMPLEX128',
  DT_HALF: 'DT_HALF',
  DT_RESOURCE: 'DT_RESOURCE',
  /**
   * Arbitrary C++ data types
   */
  DT_VARIANT: 'DT_VARIANT',
  DT_UINT32: 'DT_UINT32',
  DT_UINT64: 'DT_UINT64',
  /**
   * 5 exponent bits, 2 mantissa bits.
   */
  DT_FLOAT8_E5M2: 'DT_FLOAT8_E5M2',
  /**
   * 4 exponent bits, 3 mantissa bits, finite-only, with 2 NaNs (0bS1111111).
   */
  DT_FLOAT8_E4M3FN: 'DT_FLOAT8_E4M3FN',
  DT_INT4: 'DT_INT4',
  DT_UINT4: 'DT_UINT4',
  /**
   * Do not use!  These are only for TF1's obsolete reference Variables.
   * Every enum above should have a corresponding value below (verified by types_test).
   */
  DT_FLOAT_REF: 'DT_FLOAT_REF',
  DT_DOUBLE_REF: 'DT_DOUBLE_REF',
  DT_INT32_REF: 'DT_INT32_REF',
  DT_UINT8_REF: 'DT_UINT8_REF',
  DT_INT16_REF: 'DT_INT16_REF',
  DT_INT8_REF: 'DT_INT8_REF',
  DT_STRING_REF: 'DT_STRING_REF',
  DT_COMPLEX64_REF: 'DT_COMPLEX64_REF',
  DT_INT64_REF: 'DT_INT64_REF',
  DT_BOOL_REF: 'DT_BOOL_REF',
  DT_QINT8_REF: 'DT_QINT8_REF',
  DT_QUINT8_REF: 'DT_QUINT8_REF',
  DT_QINT32_REF: 'DT_QINT32_REF',
  DT_BFLOAT16_REF: 'DT_BFLOAT16_REF',
  DT_QINT16_REF: 'DT_QINT16_REF',
  DT_QUINT16_REF: 'DT_QUINT16_REF',
  DT_UINT16_REF: 'DT_UINT16_REF',
  DT_COMPLEX128_REF: 'DT_COMPLEX128_REF',
  DT_HALF_REF: 'DT_HALF_REF',
  DT_RESOURCE_REF: 'DT_RESOURCE_REF',
  DT_VARIANT_REF: 'DT_VARIANT_REF',
  DT_UINT32_REF: 'DT_UINT32_REF',
  DT_UINT64_REF: 'DT_UINT64_REF',
  DT_FLOAT8_E5M2_REF: 'DT_FLOAT8_E5M2_REF',
  DT_FLOAT8_E4M3FN_REF: 'DT_FLOAT8_E4M3FN_REF',
  DT_INT4_REF: 'DT_INT4_REF',
  DT_UINT4_REF: 'DT_UINT4_REF',
} as const;

export type DataType =
  /**
   * Not a legal value for DataType. Used to indicate a DataType field has not been set.
   */
  | 'DT_INVALID'
  | 0
  /**
   * Data types that all computation devices are expected to be capable to support.
   */
  | 'DT_FLOAT'
  | 1
  | 'DT_DOUBLE'
  | 2
  | 'DT_INT32'
  | 3
  | 'DT_UINT8'
  | 4
  | 'DT_INT16'
  | 5
  | 'DT_INT8'
  | 6
  | 'DT_STRING'
  | 7
  /**
   * Single-precision complex
   */
  | 'DT_COMPLEX64'
  | 8
  | 'DT_INT64'
  | 9
  | 'DT_BOOL'
  | 10
  /**
   * Quantized int8
   */
  | 'DT_QINT8'
  | 11
  /**
   * Quantized uint8
   */
  | 'DT_QUINT8'
  | 12
  /**
   * Quantized int32
   */
  | 'DT_QINT32'
  | 13
  /**
   * Float32 truncated to 16 bits.
   */
  | 'DT_BFLOAT16'
  | 14
  /**
   * Quantized int16
   */
  | 'DT_QINT16'
  | 15
  /**
   * Quantized uint16
   */
  | 'DT_QUINT16'
  | 16
  | 'DT_UINT16'
  | 17
  /**
   * Double-precision complex
   */
  | 'DT_COMPLEX128'
  | 18
  | 'DT_HALF'
  | 19
  | 'DT_RESOURCE'
  | 20
  /**
   * Arbitrary C++ data types
   */
  | 'DT_VARIANT'
  | 21
  | 'DT_UINT32'
  | 22
  | 'DT_UINT64'
  | 23
  /**
   * 5 exponent bits, 2 mantissa bits.
   */
  | 'DT_FLOAT8_E5M2'
  | 24
  /**
   * 4 exponent bits, 3 mantissa bits, finite-only, with 2 NaNs (0bS1111111).
   */
  | 'DT_FLOAT8_E4M3FN'
  | 25
  | 'DT_INT4'
  | 29
  | 'DT_UINT4'
  | 30
  /**
   * Do not use!  These are only for TF1's obsolete reference Variables.
   * Every enum above should have a corresponding value below (verified by types_test).
   */
  | 'DT_FLOAT_REF'
  | 101
  | 'DT_DOUBLE_REF'
  | 102
  | 'DT_INT32_REF'
  | 103
  | 'DT_UINT8_REF'
  | 104
  | 'DT_INT16_REF'
  | 105
  | 'DT_INT8_REF'
  | 106
  | 'DT_STRING_REF'
  | 107
  | 'DT_COMPLEX64_REF'
  | 108
  | 'DT_INT64_REF'
  | 109
  | 'DT_BOOL_REF'
  | 110
  | 'DT_QINT8_REF'
  | 111
  | 'DT_QUINT8_REF'
  | 112
  | 'DT_QINT32_REF'
  | 113
  | 'DT_BFLOAT16_REF'
  | 114
  | 'DT_QINT16_REF'
  | 115
  | 'DT_QUINT16_REF'
  | 116
  | 'DT_UINT16_REF'
  | 117
  | 'DT_COMPLEX128_REF'
  | 118
  | 'DT_HALF_REF'
  | 119
  | 'DT_RESOURCE_REF'
  | 120
  | 'DT_VARIANT_REF'
  | 121
  | 'DT_UINT32_REF'
  | 122
  | 'DT_UINT64_REF'
  | 123
  | 'DT_FLOAT8_E5M2_REF'
  | 124
  | 'DT_FLOAT8_E4M3FN_REF'
  | 125
  | 'DT_INT4_REF'
  | 129
  | 'DT_UINT4_REF'
  | 130

export type DataType__Output = typeof DataType[keyof typeof DataType]
