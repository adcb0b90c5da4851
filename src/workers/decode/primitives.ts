// Apache Kafka's primitive converters (org.apache.kafka.connect.converters.
// LongConverter, IntegerConverter, ShortConverter, FloatConverter,
// DoubleConverter, BooleanConverter): each reads exactly the bytes of the
// matching Kafka serializer (big-endian, IEEE 754 for floats) into an
// optional Connect primitive. A null key or value never reaches a decoder
// (it stays null, as the deserializers return null); any other length is
// the deserializer's SerializationException, here a decode error of that record.
import { intType, type FieldType, type RecordSchema } from '../schema.js';
import type { Decoder } from './decoders.js';

export type PrimitiveFormat = 'long' | 'integer' | 'short' | 'float' | 'double' | 'boolean';

interface Spec {
  size: number;
  converter: string;
  deserializer: string;
  schema: RecordSchema;
  read(b: DataView): unknown;
}

// ShortConverter's value is a Connect INT16: an int32 of width 16 (smallint in PostgreSQL, as Connect's JDBC sink makes it).
const schemaOf = (id: string, type: FieldType): RecordSchema => ({
  id: `primitive:${id}`, fields: [{ name: 'value', type, optional: true }], scalar: true,
});

const SAFE_HI = 0x200000; // |hi| below 2^21: the 64-bit value fits a double exactly

const SPECS: Record<PrimitiveFormat, Spec> = {
  long: {
    size: 8, converter: 'LongConverter', deserializer: 'LongDeserializer', schema: schemaOf('int64', { kind: 'int64' }),
    // A safe integer as a number (the common case), anything wider as a BigInt: never rounded.
    read: (b) => {
      const hi = b.getInt32(0);
      return hi >= -SAFE_HI && hi < SAFE_HI ? hi * 4294967296 + b.getUint32(4) : b.getBigInt64(0);
    },
  },
  integer: { size: 4, converter: 'IntegerConverter', deserializer: 'IntegerDeserializer', schema: schemaOf('int32', intType()), read: (b) => b.getInt32(0) },
  short: { size: 2, converter: 'ShortConverter', deserializer: 'ShortDeserializer', schema: schemaOf('int16', intType(16)), read: (b) => b.getInt16(0) },
  float: { size: 4, converter: 'FloatConverter', deserializer: 'FloatDeserializer', schema: schemaOf('float32', { kind: 'float32' }), read: (b) => b.getFloat32(0) },
  double: { size: 8, converter: 'DoubleConverter', deserializer: 'DoubleDeserializer', schema: schemaOf('float64', { kind: 'float64' }), read: (b) => b.getFloat64(0) },
  boolean: {
    size: 1, converter: 'BooleanConverter', deserializer: 'BooleanDeserializer', schema: schemaOf('boolean', { kind: 'boolean' }),
    read: (b) => {
      const x = b.getInt8(0);
      if (x === 1) return true;
      if (x === 0) return false;
      throw new Error(`BooleanConverter: byte ${x} is neither 0 (false) nor 1 (true) (Unexpected byte received by BooleanDeserializer: ${x})`);
    },
  },
};

export function primitiveDecoder(format: PrimitiveFormat): Decoder {
  const s = SPECS[format];
  return {
    prepare: async () => {},
    decode: (bytes) => {
      if (bytes.length !== s.size) {
        throw new Error(`${s.converter}: ${bytes.length} byte${bytes.length === 1 ? '' : 's'}, but its serializer writes exactly ${s.size} ` +
          `(Size of data received by ${s.deserializer} is not ${s.size})`);
      }
      return { value: s.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.length)), schema: s.schema };
    },
  };
}
