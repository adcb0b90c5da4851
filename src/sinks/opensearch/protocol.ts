// What the two halves of the Elasticsearch / OpenSearch sink share: the plan
// the main thread hands the workers, and what comes back beside the NDJSON body.

export interface OpenSearchPlan {
  /** The index, or the data stream, this batch's records go to. */
  index: string;
  dataStream: boolean;
  keyIgnore: boolean;
  schemaIgnore: boolean;
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
  /** The mapping derived from the batch's value schema (schema.ignore=false), as JSON text. */
  mapping?: string;
  /** Records skipped by drop.invalid.message: offset and why. */
  dropped?: { offset: number; reason: string }[];
  /** Tombstones skipped (behavior.on.null.values=ignore, or delete without a key). */
  skippedTombstones?: number;
}

export const OP_NAMES = ['index', 'create', 'update', 'delete'] as const;
