// What the two halves of the Elasticsearch / OpenSearch sink share: the plan
// the main thread hands the workers, and what comes back beside the NDJSON body.

export interface OpenSearchPlan {
  /**
   * Data streams <type>-<dataset>-<namespace> instead of indices; absent: each
   * record goes to the index named after its topic. Both are named after the
   * record's topic after the transforms (RegexRouter, TimestampRouter…), as
   * Confluent's sink names them from SinkRecord.topic().
   */
  dataStream?: { type: string; dataset: string; namespace: string };
  /** key.ignore; keyIgnoreTopics: topic.key.ignore (routed topics, as Confluent's shouldIgnoreKey(record.topic())). */
  keyIgnore: boolean;
  keyIgnoreTopics: readonly string[];
  schemaIgnore: boolean;
  schemaIgnoreTopics: readonly string[];
  compactMaps: boolean;
  nullValues: 'ignore' | 'delete' | 'fail';
  writeMethod: 'insert' | 'upsert';
  /** update's retry_on_conflict (Confluent: min(max.in.flight.requests, 5)). */
  retryOnConflict: number;
  versionHeader?: string;
  timestampFields: readonly string[];
  dropInvalid: boolean;
}

/** What the main thread needs besides the NDJSON body. */
export interface OpenSearchMeta {
  /** Byte position where each action starts (its document line follows it); the body ends at outputBytes. */
  starts: Uint32Array;
  /** Kafka offset of each action. */
  offsets: Float64Array;
  /** Bulk operation of each action: 0 index, 1 create, 2 update, 3 delete. */
  ops: Uint8Array;
  /** The indices (or data streams) the batch writes to, each with the mapping derived from its first value's schema (schema.ignore=false), as JSON text. */
  indices: { name: string; mapping?: string }[];
  /** Records skipped by drop.invalid.message: offset and why. */
  dropped?: { offset: number; reason: string }[];
  /** Tombstones skipped (behavior.on.null.values=ignore, or delete without a key). */
  skippedTombstones?: number;
}

export const OP_NAMES = ['index', 'create', 'update', 'delete'] as const;

/** The index Confluent's sink writes a topic to: lower case, at most 255 bytes, no leading - or _, not . or .. */
export function indexNameOf(topic: string): string {
  let index = topic.toLowerCase();
  if (index.length > 255) index = index.slice(0, 255);
  if (index.startsWith('-') || index.startsWith('_')) index = index.slice(1);
  if (index === '.' || index === '..') index = index.replace(/\./g, 'dot');
  return index;
}

/** <type>-<dataset>-<topic>, the topic lower case and at most 100 characters. */
export function dataStreamNameOf(type: string, dataset: string, topic: string, namespace = '${topic}'): string {
  // Confluent's data.stream.namespace: ${topic} is the topic in lower case; at most 100 characters.
  return `${type}-${dataset}-${namespace.replace('${topic}', topic.toLowerCase()).slice(0, 100)}`;
}
