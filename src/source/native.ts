// The native source: a librdkafka consumer owned by Sluice's own addon
// (native/). Its consume() runs on a libuv pool thread and copies each record
// straight into the partition's open batch buffer, so nothing per record
// crosses into JS: the main thread only hands out buffers (one per partition,
// on demand), reads back each batch's header, and runs the group's events.
//
// While a consume() is in flight the addon writes into the attached buffers,
// so every intake call that could seal or release one happens between polls
// (this loop), and `writing` tells the engine's timers to keep off.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { KafkaFatalError } from '../errors.js';
import type { BatchWriter } from '../core/batch-layout.js';
import { tpKey, type TopicPartition } from '../core/topic-partition.js';
import type { NativeAddon, NativeConsumer, NativeErrorEvent, NativeEvent } from './native-addon.js';
import {
  connectFailure, consumerProperties, isPermanentKafkaError, subscription, tpDescribe, withStartOffsets,
  type BatchIntake, type PartitionOffset, type Source, type SourceHandlers, type SourceOptions,
} from './source.js';

/** How long one consume() waits for a first record; also the linger check's resolution. */
const POLL_TIMEOUT_MS = 100;

interface Slot {
  readonly topic: string;
  readonly partition: number;
  /** The batch the addon writes into, as the engine handed it. */
  writer: BatchWriter | undefined;
  /** Records and data bytes of that batch when it was last read back. */
  records: number;
  dataBytes: number;
}

export class NativeSource implements Source {
  readonly kind = 'native';
  private readonly consumer: NativeConsumer;
  private readonly slots: (Slot | undefined)[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private running = false;
  private polling = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    addon: NativeAddon,
    private readonly opts: SourceOptions,
    private readonly handlers: SourceHandlers,
    private readonly log: Logger,
  ) {
    const conf: Record<string, string> = {};
    for (const [k, v] of Object.entries(consumerProperties(opts))) conf[k] = String(v);
    try {
      this.consumer = new addon.Consumer(conf);
    } catch (err) {
      throw new KafkaFatalError(`Kafka consumer settings: ${(err as Error).message}`, { cause: err });
    }
  }

  get writing(): boolean {
    return this.polling;
  }

  async connect(): Promise<void> {
    try {
      await this.consumer.connect(30_000);
    } catch (err) {
      throw connectFailure(this.opts, (err as Error).message, err);
    }
    this.consumer.subscribe(subscription(this.opts));
  }

  start(intake: BatchIntake): void {
    this.running = true;
    this.loopDone = (async () => {
      while (this.running) {
        this.handBack(intake);
        this.polling = true;
        let res;
        try {
          res = await this.consumer.consume(this.opts.consumeBatch, POLL_TIMEOUT_MS);
        } catch (err) {
          // The addon rejects only on misuse or a destroyed handle: nothing to retry.
          this.polling = false;
          this.handlers.onError(new KafkaFatalError(`Kafka consume: ${(err as Error).message}`, { cause: err }));
          return;
        } finally {
          this.polling = false;
        }
        const t0 = performance.now();
        for (const slot of res.touched) this.readBack(slot, intake);
        const needs = res.needs;
        for (let i = 0; i < needs.length; i += 2) this.giveBuffer(needs[i]!, needs[i + 1]!, intake);
        intake.polled((performance.now() - t0) * 1000);
        for (const ev of res.events) {
          if (!this.running && ev.type === 'assign') continue;
          await this.onEvent(ev, intake);
        }
      }
    })();
  }

  /** Before a poll: buffers the engine sealed since (linger, capacity, revoke) are no longer written. */
  private handBack(intake: BatchIntake): void {
    for (let slot = 0; slot < this.slots.length; slot++) {
      const s = this.slots[slot];
      if (!s?.writer) continue;
      if (intake.current(s.topic, s.partition) !== s.writer) {
        this.consumer.clearBuffer(slot);
        s.writer = undefined;
      }
    }
  }

  /** After a poll: tells the engine what the addon appended to a partition's batch. */
  private readBack(slot: number, intake: BatchIntake): void {
    const s = this.slots[slot];
    if (!s?.writer) return;
    s.writer.syncFromHeader();
    const records = s.writer.records - s.records;
    const bytes = s.writer.dataBytes - s.dataBytes;
    s.records = s.writer.records;
    s.dataBytes = s.writer.dataBytes;
    // The engine may seal it here (capacity); handBack notices before the next poll.
    if (records > 0) intake.appended(s.topic, s.partition, records, bytes);
  }

  /** A partition holds records the addon could not place: a new batch, sized for the first of them. */
  private giveBuffer(slot: number, minData: number, intake: BatchIntake): void {
    const s = this.slots[slot];
    if (!s) return;
    const writer = s.writer ? intake.rollover(s.topic, s.partition, minData) : intake.open(s.topic, s.partition, minData);
    if (!writer) {
      // Not ours any more: its records are dropped and read again by the owner.
      this.detach(tpKey(s.topic, s.partition));
      return;
    }
    this.consumer.setBuffer(slot, new Uint8Array(writer.buffer));
    s.writer = writer;
    s.records = writer.records;
    s.dataBytes = writer.dataBytes;
  }

  private attach(tp: TopicPartition): void {
    const key = tpKey(tp.topic, tp.partition);
    if (this.slotOf.has(key)) return;
    const slot = this.freeSlots.pop() ?? this.slots.length;
    this.slots[slot] = { topic: tp.topic, partition: tp.partition, writer: undefined, records: 0, dataBytes: 0 };
    this.slotOf.set(key, slot);
    this.consumer.attach(slot, tp.topic, tp.partition);
  }

  private detach(key: string): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    this.consumer.detach(slot);
    this.slots[slot] = undefined;
    this.slotOf.delete(key);
    this.freeSlots.push(slot);
  }

  private async onEvent(ev: NativeEvent | NativeErrorEvent, intake: BatchIntake): Promise<void> {
    if (ev.type === 'error') {
      if (isPermanentKafkaError(ev.code, ev.message)) this.handlers.onError(connectFailure(this.opts, ev.message, undefined, ev.code));
      else if (ev.fatal) this.handlers.onError(new KafkaFatalError(`Kafka: ${ev.message}`));
      else this.log.warn({ code: ev.code }, `kafka: ${ev.message}`);
      return;
    }
    const tps = ev.partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    // Known once the group has joined, so asked per event (an eager assignor such as range is allowed).
    const cooperative = this.consumer.rebalanceProtocol() !== 'EAGER';
    try {
      if (ev.type === 'assign') {
        const positions = await this.handlers.onAssign(tps);
        for (const tp of tps) this.attach(tp);
        this.consumer.assign(withStartOffsets(tps, positions), cooperative);
        this.log.info({ partitions: tps.length }, `assigned ${tpDescribe(tps)}`);
      } else {
        const lost = ev.lost ?? this.consumer.assignmentLost();
        if (lost) this.handlers.onLost(tps);
        else await this.handlers.onRevoke(tps);
        // The engine sealed (or dropped) their batches: the addon lets go of them and of what it held back.
        for (const tp of tps) this.detach(tpKey(tp.topic, tp.partition));
        this.consumer.unassign(tps, cooperative);
        this.log.info({ partitions: tps.length, lost }, `${lost ? 'lost' : 'revoked'} ${tpDescribe(tps)}`);
      }
    } catch (err) {
      this.handlers.onError(err as Error);
    }
    intake.polled(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loopDone;
  }

  pause(tps: TopicPartition[]): void {
    if (tps.length > 0) this.consumer.pause(tps);
  }

  resume(tps: TopicPartition[]): void {
    if (tps.length > 0) this.consumer.resume(tps);
  }

  commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    return this.consumer.commit(offsets);
  }

  highWatermark(topic: string, partition: number): number | undefined {
    const high = this.consumer.highWatermark(topic, partition);
    return high >= 0 ? high : undefined;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    for (const key of [...this.slotOf.keys()]) this.detach(key);
    await this.consumer.close();
  }
}
