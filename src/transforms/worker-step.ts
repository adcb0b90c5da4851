// The worker's side of the chain: one reused record object per batch, filled
// from the decoded key and value, and read back after the chain ran. Only
// taken when transforms are configured (the worker's path without them is
// unchanged).
import type { RecordContext } from '../workers/encoder.js';
import type { Decoded } from '../workers/decode/decoders.js';
import { SCHEMALESS } from '../workers/schema.js';
import type { TransformChain } from './chain.js';
import type { Header, TransformError, TRecord } from './record.js';

export function newTransformRecord(topic: string, partition: number, readHeaders: () => Header[]): TRecord {
  return {
    topic, partition, offset: 0, timestamp: 0, key: null, keySchema: undefined, value: null, valueSchema: undefined,
    headers: undefined, readHeaders,
  };
}

/**
 * Runs the chain on one record. Returns the record's new key and value
 * (value undefined: a tombstone), undefined when a transform dropped it, or
 * the failure (its reason and the transform's class). Sets ctx.topic to the (possibly routed) topic.
 */
export function runChain(
  chain: TransformChain, r: TRecord, ctx: RecordContext, key: Decoded | undefined, value: Decoded | undefined, topic: string,
): { key: Decoded | undefined; value: Decoded | undefined } | { reason: string; transform?: string } | undefined {
  r.topic = ctx.topic = topic;
  r.offset = ctx.offset;
  r.timestamp = ctx.timestamp;
  r.key = key === undefined ? null : key.value;
  r.keySchema = key?.schema;
  r.value = value === undefined ? null : value.value;
  r.valueSchema = value?.schema;
  r.headers = undefined;
  try {
    if (!chain.apply(r)) {
      ctx.topic = topic;
      return undefined;
    }
  } catch (err) {
    ctx.topic = topic;
    return { reason: (err as Error).message, transform: (err as TransformError).transformClass };
  }
  ctx.topic = r.topic;
  const k = r.key === key?.value && r.keySchema === key?.schema ? key
    : r.key === null || r.key === undefined ? undefined : { value: r.key, schema: r.keySchema ?? SCHEMALESS };
  const v = r.value === value?.value && r.valueSchema === value?.schema ? value
    : r.value === null || r.value === undefined ? undefined : { value: r.value, schema: r.valueSchema ?? SCHEMALESS };
  return { key: k, value: v };
}
