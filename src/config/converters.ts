// The Kafka Connect converter classes Sluice reads, and the key/value format
// each one means. One table: config resolution, the "not a converter" message
// and the Connect REST plugin list all come from it.
import type { ValueFormat } from '../core/formats.js';

/** Converter class → format; JsonConverter's depends on schemas.enable (connect-json when true). */
export const CONVERTER_FORMATS: readonly (readonly [string, ValueFormat | 'json-or-connect-json'])[] = [
  ['org.apache.kafka.connect.json.JsonConverter', 'json-or-connect-json'],
  ['io.confluent.connect.avro.AvroConverter', 'avro'],
  // Apicurio Registry's: its own framing and API (config/apicurio.ts), the same Avro.
  ['io.apicurio.registry.utils.converter.AvroConverter', 'avro'],
  // Its JSON converter: a Connect schema in the registry, each record {"schemaId", "payload"} (decode/apicurio-ext-json.ts).
  ['io.apicurio.registry.utils.converter.ExtJsonConverter', 'connect-json'],
  ['io.confluent.connect.protobuf.ProtobufConverter', 'protobuf'],
  ['io.confluent.connect.json.JsonSchemaConverter', 'json-schema'],
  ['org.apache.kafka.connect.storage.StringConverter', 'string'],
  ['org.apache.kafka.connect.converters.ByteArrayConverter', 'bytes'],
  ['org.apache.kafka.connect.converters.LongConverter', 'long'],
  ['org.apache.kafka.connect.converters.IntegerConverter', 'integer'],
  ['org.apache.kafka.connect.converters.ShortConverter', 'short'],
  ['org.apache.kafka.connect.converters.FloatConverter', 'float'],
  ['org.apache.kafka.connect.converters.DoubleConverter', 'double'],
  ['org.apache.kafka.connect.converters.BooleanConverter', 'boolean'],
];

export const CONVERTER_CLASSES: readonly string[] = CONVERTER_FORMATS.map(([c]) => c);

/** Simple class name (lower case) → format. */
const BY_SIMPLE_NAME = new Map(CONVERTER_FORMATS.map(([c, f]) => [c.slice(c.lastIndexOf('.') + 1).toLowerCase(), f] as const));

/**
 * The format a converter class means; undefined when Sluice does not read it.
 * Matched on the simple class name, as before (some configs carry a shaded
 * or repackaged package name); msgpack has no Connect converter of its own.
 */
export function formatOfConverter(converter: string, schemasEnable: boolean): ValueFormat | undefined {
  const c = converter.trim().toLowerCase();
  const simple = c.slice(c.lastIndexOf('.') + 1);
  const exact = BY_SIMPLE_NAME.get(simple);
  if (exact) return exact === 'json-or-connect-json' ? (schemasEnable ? 'connect-json' : 'json') : exact;
  // Names matched loosely before this table existed (a subclass or wrapper named after the converter).
  if (c.includes('avroconverter')) return 'avro';
  if (c.includes('protobufconverter')) return 'protobuf';
  if (c.includes('jsonschemaconverter')) return 'json-schema';
  if (c.includes('jsonconverter')) return schemasEnable ? 'connect-json' : 'json';
  if (c.includes('stringconverter')) return 'string';
  if (c.includes('bytearrayconverter')) return 'bytes';
  if (c.includes('msgpack')) return 'msgpack';
  return undefined;
}

/** The refusal of a converter Sluice does not read, naming the ones it does. */
export function unknownConverterMessage(role: 'key' | 'value', converter: string): string {
  return `${role}.converter: "${converter}" is not a converter Sluice reads; it reads ${CONVERTER_CLASSES.join(', ')} ` +
    `(or set ${role}.format to one of the formats it reads)`;
}
