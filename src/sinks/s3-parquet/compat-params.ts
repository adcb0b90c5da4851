// Schema parameters as Confluent's storage-common compares them (its own
// io.confluent.connect.storage.schema.SchemaProjector.checkMaybeCompatible and
// StorageSchemaCompatibility.checkSchemaParameters, kafka-connect-storage-common
// 11.2.28 / 12.0.4 on): documentation parameters are left out
// (filterMetadataParameters), and an enum's parameters need only be a subset of
// the file's (a file whose enum has more symbols takes the record's), where
// Kafka Connect's own SchemaProjector compared them whole.
import type { CSchema } from './compatibility.js';

/** SchemaProjector.filterMetadataParameters: what never decides compatibility. */
const METADATA = new Set(['connect.record.doc', 'connect.record.aliases', 'connect.record.namespace']);
const FIELD_DOC = 'io.confluent.connect.avro.field.doc.';

/** SchemaProjector.isEnumSchema: AvroData's and ProtobufData's enum markers. */
const ENUM_MARKERS = ['org.apache.kafka.connect.data.Enum', 'io.confluent.connect.avro.Enum', 'io.confluent.connect.protobuf.Enum'];

function filtered(params: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of JSON.parse(params) as [string, string][]) if (!METADATA.has(k) && !k.startsWith(FIELD_DOC)) out.set(k, v);
  return out;
}

// Schemas are few and projection asks per value: answers are kept by the pair of parameter texts.
const answers = new Map<string, boolean>();

/** True when a value of `source` may be projected to `target` as far as parameters go. */
export function paramsCompatible(source: Pick<CSchema, 'params'>, target: Pick<CSchema, 'params'>): boolean {
  if (source.params === target.params) return true;
  const key = `${source.params}\u0000${target.params}`;
  let ok = answers.get(key);
  if (ok === undefined) {
    const s = filtered(source.params);
    const t = filtered(target.params);
    const isEnum = (m: Map<string, string>) => ENUM_MARKERS.some((k) => m.has(k));
    if (isEnum(s) && isEnum(t)) ok = [...s].every(([k, v]) => t.get(k) === v);
    else ok = s.size === t.size && [...s].every(([k, v]) => t.get(k) === v);
    if (answers.size > 10_000) answers.clear();
    answers.set(key, ok);
  }
  return ok;
}
