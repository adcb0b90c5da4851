// Loader and types of the native consumer addon (native/src/addon.c): a
// librdkafka consumer that copies each message straight into Sluice's batch
// buffers (src/core/batch-layout.ts), with no JS object per record.
// Built by `npm run build:native` (scripts/build-native.sh).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeTopicPartition {
  topic: string;
  partition: number;
}

export interface NativeEvent {
  type: 'assign' | 'revoke';
  partitions: NativeTopicPartition[];
  /** Revoke events only: rd_kafka_assignment_lost() when the event was raised. */
  lost?: boolean;
}

export interface NativeErrorEvent {
  type: 'error';
  code: number;
  message: string;
  fatal: boolean;
}

export interface ConsumeResult {
  /** Records copied into buffers in this call. */
  records: number;
  /** Key + value + header name and value bytes copied (as Kafka sizes records). */
  bytes: number;
  /** Slots that received at least one record in this call, each once. */
  touched: number[];
  /**
   * Flat pairs [slot, minDataBytes, ...]: slots holding pending messages because
   * they have no buffer or it is full; minDataBytes is the data-region bytes the
   * first pending record needs (larger than a standard buffer's data region for
   * an oversized record).
   */
  needs: number[];
  /** Messages for partitions with no attached slot (discarded). */
  dropped: number;
  events: (NativeEvent | NativeErrorEvent)[];
}

export interface NativeConsumer {
  /** Metadata round trip on a pool thread; rejects with librdkafka's error text. */
  connect(timeoutMs: number): Promise<void>;
  /** '^regex' topics as librdkafka understands them. */
  subscribe(topics: string[]): void;
  /** Messages for topic/partition go to this slot. */
  attach(slot: number, topic: string, partition: number): void;
  /** Forgets the slot: drops its buffer ref and destroys its pending messages. */
  detach(slot: number): void;
  /** A view over a whole SharedArrayBuffer whose header a BatchWriter initialised. */
  setBuffer(slot: number, view: Uint8Array): void;
  /** Stops writing into the slot's current buffer (JS sealed it); pending messages stay. */
  clearBuffer(slot: number): void;
  consume(maxMessages: number, timeoutMs: number): Promise<ConsumeResult>;
  assign(tps: (NativeTopicPartition & { offset?: number })[], incremental: boolean): void;
  /** incremental=false: rd_kafka_assign(rk, NULL). */
  unassign(tps: NativeTopicPartition[], incremental: boolean): void;
  pause(tps: NativeTopicPartition[]): void;
  resume(tps: NativeTopicPartition[]): void;
  /** Synchronous rd_kafka_commit on a pool thread; rejects with an Error carrying `code`. */
  commit(offsets: (NativeTopicPartition & { offset: number })[]): Promise<void>;
  /** rd_kafka_get_watermark_offsets (cached, non-blocking); -1 when unknown. */
  highWatermark(topic: string, partition: number): number;
  rebalanceProtocol(): 'COOPERATIVE' | 'EAGER' | 'NONE';
  assignmentLost(): boolean;
  /** rd_kafka_consumer_close + rd_kafka_destroy on a pool thread; idempotent. */
  close(): Promise<void>;
}

export interface NativeTestRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  offset: number;
  timestamp: number;
  headers?: { name: string; value: Uint8Array | null }[];
}

export interface NativeAddon {
  /** Every librdkafka property as a string; a bad key or value throws an Error naming the key. */
  Consumer: new (config: Record<string, string>) => NativeConsumer;
  /** Test hook: appends records into a batch buffer with the same C code consume() uses; returns how many fitted. */
  writeTestRecords(view: Uint8Array, records: NativeTestRecord[]): number;
  librdkafkaVersion: string;
  /**
   * Fixes glibc's mmap threshold at its initial 128 KiB, so large blocks (batch
   * outputs) are returned to the system when freed instead of staying resident
   * in a thread's arena (native/src/addon.c); false where it does not apply.
   * Absent from addons built before it.
   */
  mapLargeAllocations?(): boolean;
}

/** The repository root: this file is src/source/native-addon.ts, or dist/src/source/native-addon.js once compiled. */
function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up2 = resolve(here, '..', '..');
  if (existsSync(join(up2, 'package.json'))) return up2;
  return resolve(here, '..', '..', '..');
}

export function nativeAddonPath(): string {
  const fromEnv = process.env.SLUICE_NATIVE_ADDON;
  if (fromEnv) return resolve(fromEnv);
  return join(repoRoot(), 'native', 'build', 'Release', 'sluice_native.node');
}

let cached: { addon: NativeAddon } | { error: string } | undefined;

export function loadNativeAddon(): { addon: NativeAddon } | { error: string } {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    return (cached = {
      error: `native consumer addon not found at ${path}: build it with \`npm run build:native\` (needs @confluentinc/kafka-javascript installed with CKJS_LINKING=dynamic)`,
    });
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    // Once per process, before the engine allocates its buffers.
    addon.mapLargeAllocations?.();
    return (cached = { addon });
  } catch (e) {
    return (cached = {
      error: `cannot load the native consumer addon ${path}: ${(e as Error).message} (rebuild it with \`npm run build:native\`)`,
    });
  }
}
