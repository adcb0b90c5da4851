// Inputs of the micro benchmarks: the reference rows on the wire in every
// format, decoded values, librdkafka-like message objects, packed batches,
// and each sink's real plan (from the sink itself, against the real table).
import { pino } from 'pino';
import { loadConfig, createSink } from '../../src/sinks/index.js';
import { BatchWriter, bufferBytes } from '../../src/core/batch-layout.js';
import type { KafkaMessage } from '../../src/source/consumer.js';
import { AvroDecoder, createDecoder, type Decoded, type Decoder } from '../../src/workers/decode/decoders.js';
import type { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import type { SinkPlan } from '../../src/workers/protocol.js';
import { encodeOrder, orders, type WireFormat } from '../../test/helpers/orders.js';
import type { Shape } from '../lib/shapes/index.js';
import type { StackEndpoints } from '../lib/stack.js';
import { connectorFor } from '../e2e/sluice-run.js';
import type { BenchContext, Dataset } from '../e2e/context.js';
import type { Target } from '../lib/options.js';

/** An in-memory schema source for decoding in the benchmark's own thread (no HTTP in the timed loop). */
export function localRegistry(schemas: Map<number, object>): SchemaRegistryClient {
  return { schemaById: async (id: number) => JSON.stringify(schemas.get(id)) } as unknown as SchemaRegistryClient;
}

export function decoderFor(format: WireFormat, schemaId: number, schema: object | undefined): Decoder {
  if (format === 'avro') return new AvroDecoder(localRegistry(new Map([[schemaId, schema!]])));
  return createDecoder(format, {});
}

export function orderValues(format: WireFormat, count: number, schemaId: number, seed = 7): Buffer[] {
  return [...orders(count, seed)].map((o) => encodeOrder(format, o, schemaId));
}

export function shapeValues(shape: Shape, count: number, schemaId: number, seed = 7): Buffer[] {
  return [...shape.rows(count, seed)].map((r) => shape.encode(r, schemaId));
}

export async function decodeAll(decoder: Decoder, values: Buffer[]): Promise<Decoded[]> {
  await decoder.prepare(values);
  return values.map((v) => decoder.decode(v));
}

/** Message objects shaped like the ones librdkafka's binding hands Sluice. */
export function kafkaMessages(topic: string, values: Buffer[]): KafkaMessage[] {
  return values.map((value, i) => ({
    topic, partition: 0, offset: i, timestamp: 1_767_225_600_000 + i, key: Buffer.from(String(i + 1)), value, size: value.length,
  }));
}

/** A sealed batch buffer holding these messages, as the engine hands it to a worker. */
export function packedBatch(messages: KafkaMessage[]): SharedArrayBuffer {
  let data = 0;
  for (const m of messages) data += BatchWriter.sizeOf(m);
  const buffer = new SharedArrayBuffer(bufferBytes(messages.length, data));
  const w = new BatchWriter(buffer, messages.length, 0);
  for (const m of messages) if (!w.tryAppend(m)) throw new Error('packed batch too small');
  w.seal();
  return buffer;
}

/**
 * The plan a sink gives its workers for a topic, from the real sink (the
 * PostgreSQL sink reads the table's catalog). Undefined with the reason when
 * the sink cannot plan (not built yet).
 */
export async function sinkPlan(
  ctx: BenchContext, ds: Dataset, target: Target, where: string,
): Promise<{ plan: SinkPlan; close: () => Promise<void> } | { error: string }> {
  try {
    const config = loadConfig({ json: { name: 'bench-micro', config: connectorFor(ctx, ds, target, where) }, env: {} });
    const sink = await createSink(config, pino({ level: 'silent' }));
    const plan = await sink.plan(ds.topic);
    return { plan, close: () => sink.close() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export type { StackEndpoints };
