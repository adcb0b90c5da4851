// The key/value formats Sluice reads: chosen in config (from the converter
// class), read by the workers' decoders.
export const VALUE_FORMATS = ['avro', 'protobuf', 'json-schema', 'json', 'connect-json', 'msgpack', 'string', 'bytes'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];
