// Confluent's field options on a Protobuf field, read by the decoder and by
// the Kafka Connect view of the schema (protobuf-connect.ts).
import type protobuf from 'protobufjs';

/** params of (confluent.field_meta) on a field, however the option text wrote them. */
export function fieldMetaParams(f: protobuf.Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of f.parsedOptions ?? []) {
    const meta = (o as Record<string, unknown>)['(confluent.field_meta)'] as { params?: unknown } | undefined;
    if (!meta || meta.params === undefined) continue;
    const entries = Array.isArray(meta.params) ? meta.params : [meta.params];
    for (const e of entries as { key?: unknown; value?: unknown }[]) if (e && e.key !== undefined) out[String(e.key)] = String(e.value);
  }
  return out;
}
