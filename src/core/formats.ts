// The key/value formats Sluice reads: chosen in config (from the converter
// class), read by the workers' decoders.
export const VALUE_FORMATS = [
  'avro', 'protobuf', 'json-schema', 'json', 'connect-json', 'msgpack', 'string', 'bytes',
  // Apache Kafka's primitive converters (org.apache.kafka.connect.converters.*): the bytes of its
  // LongSerializer, IntegerSerializer, ShortSerializer, FloatSerializer, DoubleSerializer, BooleanSerializer.
  'long', 'integer', 'short', 'float', 'double', 'boolean',
] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];
