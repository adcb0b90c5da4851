// Confluent's ByteArrayFormat (values with format.class, keys with
// keys.format.class): each record's bytes as ByteArrayConverter.fromConnectData
// gives them, then format.bytearray.separator. That converter takes a bytes
// schema (or none) and a byte array; anything else is its DataException, here
// a record error naming the converter to use.
import type { Decoded } from '../../workers/decode/decoders.js';
import { ConvertError } from '../../errors.js';

/** The raw bytes of a key or value for ByteArrayFormat; a ConvertError when it is not bytes. */
export function byteArrayOf(d: Decoded, role: 'key' | 'value'): Uint8Array {
  const f = d.schema.fields;
  if ((f && !(d.schema.scalar && f[0]!.type.kind === 'bytes')) || !(d.value instanceof Uint8Array)) {
    const setting = role === 'key' ? 'keys.format.class' : 'format.class';
    throw new ConvertError(
      `the record ${role} is not bytes; ${setting}=ByteArrayFormat writes raw ${role} bytes (${role}.converter=org.apache.kafka.connect.converters.ByteArrayConverter)`,
    );
  }
  return d.value;
}

/** The separator's bytes, as Confluent encodes format.bytearray.separator (UTF-8). */
export function separatorBytes(separator: string | undefined): Uint8Array {
  return Buffer.from(separator ?? '\n', 'utf8');
}

/**
 * format.class=ByteArrayFormat needs bytes values: with these value formats
 * no record can be bytes (StringConverter gives strings, schemaless JSON never
 * has bytes, the primitive converters numbers), so every record would fail.
 */
export const NEVER_BYTES_VALUE_FORMATS: readonly string[] = ['string', 'json', 'long', 'integer', 'short', 'float', 'double', 'boolean'];
