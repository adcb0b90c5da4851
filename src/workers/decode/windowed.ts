// ksqlDB windowed keys. A windowed table's (or stream's) Kafka key is the
// serialized key followed by its window, as Kafka Streams writes it and
// ksqlDB's WindowedSerdes uses: TimeWindowedSerializer (TUMBLING, HOPPING)
// appends the window start, 8 bytes big-endian (WindowKeySchema.toBinary);
// SessionWindowedSerializer appends end then start, 16 bytes
// (SessionKeySchema.toBinary). Kafka Connect's converters know nothing of
// windows: AvroConverter's DatumReader reads the record and ignores what
// follows; JsonSchemaConverter and JsonConverter hand the bytes to Jackson,
// whose readTree stops after the root value (FAIL_ON_TRAILING_TOKENS is off)
// unless that value is a number (a root-level number must be followed by
// whitespace: "Expected space separating root-level values");
// ProtobufConverter parses the window as Protobuf fields and fails (a leading
// 0x00 is the invalid tag zero); StringConverter decodes the window into the
// string (new String(bytes, UTF_8), U+FFFD for what is not UTF-8).
//
// Sluice's rule, keys only: after a complete key, exactly 8 or 16 bytes are a
// window and are ignored where Connect ignores them (Avro, JSON Schema, JSON
// whose root is not a number). Every other trailing length, and the formats
// Connect fails on or would silently change, stay errors, with a hint when
// the key reads completely without the last 8 or 16 bytes. Only decode
// failures and leftover bytes reach this: a normal key costs nothing.

/** TimeWindowedSerializer's window start; SessionWindowedSerializer's end and start. */
export const WINDOW_SUFFIXES = [8, 16] as const;
export type WindowSuffix = (typeof WINDOW_SUFFIXES)[number];

export function isWindowSuffix(n: number): n is WindowSuffix {
  return n === 8 || n === 16;
}

/**
 * `decode` applied to `bytes` less an 8-byte, then a 16-byte, window suffix;
 * the first that decodes, with the suffix's length. `minBody`: the least the
 * key itself must keep (a wire format's 5-byte frame and one byte of body).
 */
export function decodeWithoutWindow<T>(bytes: Uint8Array, minBody: number, decode: (key: Uint8Array) => T): { value: T; suffix: WindowSuffix } | undefined {
  for (const suffix of WINDOW_SUFFIXES) {
    if (bytes.length - suffix < minBody) break;
    try {
      return { value: decode(bytes.subarray(0, bytes.length - suffix)), suffix };
    } catch {
      // not this suffix
    }
  }
  return undefined;
}

/** Whether the JSON text in bytes[start..] is a number (after any leading whitespace). */
export function jsonRootIsNumber(bytes: Uint8Array, start: number): boolean {
  let i = start;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  const c = bytes[i];
  return c !== undefined && (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39));
}

/** What the window suffix is, for messages. */
export function windowWords(suffix: WindowSuffix): string {
  return suffix === 8 ? 'an 8-byte window start (TUMBLING/HOPPING)' : 'a 16-byte window end and start (SESSION)';
}

/**
 * A JSON (JSON Schema or schemaless) key that reads completely without its
 * window: accepted unless its root is a number, which Connect's Jackson
 * refuses when a window byte rather than whitespace follows it.
 */
export function jsonWindowRefusal(format: string, bytes: Uint8Array, start: number, suffix: WindowSuffix): string | undefined {
  if (!jsonRootIsNumber(bytes, start)) return undefined;
  return `${format} key is a number followed by ${suffix} more bytes, which look like ${windowWords(suffix)} ksqlDB appends to a windowed key; ` +
    'Kafka Connect fails on it too (Jackson: "Expected space separating root-level values"), so Sluice does not ignore them';
}
