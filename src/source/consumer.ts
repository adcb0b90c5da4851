// The binding source (the fallback when the native addon is not built): a
// librdkafka consumer through @confluentinc/kafka-javascript, in a group with
// cooperative-sticky assignment, offsets stored and committed by Sluice only.
// Each message arrives as a JS object, which the main thread copies into the
// partition's batch. Rebalance events are handed to the engine, which decides
// when to let go.
import { performance } from 'node:perf_hooks';
import Kafka from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { KafkaFatalError } from '../errors.js';
import type { TopicPartition } from '../core/topic-partition.js';
import { BatchWriter, type SourceMessage } from '../core/batch-layout.js';
import {
  connectFailure, consumerProperties, isPermanentKafkaError, subscription, tpDescribe, withStartOffsets,
  type BatchIntake, type PartitionOffset, type Source, type SourceHandlers, type SourceOptions,
} from './source.js';

export { CONSUME_BATCH, CONSUMER_DEFAULTS } from './source.js';

const { KafkaConsumer } = Kafka;

/** The part of the binding's KafkaConsumer Sluice uses (its typings lack some). */
interface RdConsumer {
  connect(opts: { timeout: number }, cb: (err: Error | null) => void): void;
  disconnect(cb: () => void): void;
  isConnected(): boolean;
  subscribe(topics: (string | RegExp)[]): void;
  consume(n: number, cb: (err: Error | null, messages: unknown[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void;
  rebalanceProtocol(): 'COOPERATIVE' | 'EAGER' | 'NONE';
  assignmentLost(): boolean;
  assign(tps: (TopicPartition & { offset?: number })[]): void;
  unassign(): void;
  incrementalAssign(tps: (TopicPartition & { offset?: number })[]): void;
  incrementalUnassign(tps: TopicPartition[]): void;
  pause(tps: TopicPartition[]): void;
  resume(tps: TopicPartition[]): void;
  commitCb(offsets: PartitionOffset[], cb: (err: Error | null) => void): void;
  getWatermarkOffsets(topic: string, partition: number): { highOffset: number; lowOffset: number };
  on(event: 'event.error', cb: (err: Error & { code?: number; isFatal?: boolean }) => void): void;
}

export interface KafkaMessage extends SourceMessage {
  topic: string;
  partition: number;
  size: number;
}

const ERR_ASSIGN = -175;
const ERR_REVOKE = -174;

export class BindingSource implements Source {
  readonly kind = 'binding';
  readonly writing = false;
  private readonly consumer: RdConsumer;
  private rebalance: Promise<void> = Promise.resolve();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  readonly assigned = new Set<string>();
  /** The last error event while connecting: the binding's connect() itself says only "broker transport failure". */
  private connectError: (Error & { code?: number }) | undefined;
  private connected = false;

  constructor(
    private readonly opts: SourceOptions,
    private readonly handlers: SourceHandlers,
    private readonly log: Logger,
  ) {
    const conf: Record<string, unknown> = {
      ...consumerProperties(opts),
      rebalance_cb: (err: { code: number }, assignment: TopicPartition[]) => this.onRebalance(err, assignment),
      offset_commit_cb: true,
    };
    // auto.offset.reset is a topic-level property: an empty topic config would
    // silently override it with librdkafka's default (latest).
    const topicConf = { 'auto.offset.reset': conf['auto.offset.reset'] };
    delete conf['auto.offset.reset'];
    this.consumer = new KafkaConsumer(conf as never, topicConf as never) as unknown as RdConsumer;
    this.consumer.setDefaultConsumeTimeout(100);
    // Wait only for the first message of a consume(n) call, not for each one.
    this.consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.consumer.on('event.error', (err: Error & { code?: number; isFatal?: boolean }) => {
      if (!this.connected && !/all broker connections are down/i.test(err.message)) this.connectError = err;
      if (this.connected && isPermanentKafkaError(err.code ?? 0, err.message)) handlers.onError(connectFailure(opts, err.message, err, err.code));
      else if (err.isFatal) handlers.onError(new KafkaFatalError(`Kafka: ${err.message}`, { cause: err }));
      else log.warn({ code: err.code }, `kafka: ${err.message}`);
    });
  }

  private onRebalance(err: { code: number }, assignment: TopicPartition[]): void {
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    const cooperative = this.consumer.rebalanceProtocol() === 'COOPERATIVE';
    const work = async (): Promise<void> => {
      if (err.code === ERR_ASSIGN) {
        const positions = await this.handlers.onAssign(tps);
        const withOffsets = withStartOffsets(tps, positions);
        for (const tp of tps) this.assigned.add(`${tp.topic}\u0000${tp.partition}`);
        if (cooperative) this.consumer.incrementalAssign(withOffsets);
        else this.consumer.assign(withOffsets);
        this.log.info({ partitions: tps.length }, `assigned ${tpDescribe(tps)}`);
      } else if (err.code === ERR_REVOKE) {
        const lost = this.consumer.assignmentLost();
        for (const tp of tps) this.assigned.delete(`${tp.topic}\u0000${tp.partition}`);
        if (lost) this.handlers.onLost(tps);
        else await this.handlers.onRevoke(tps);
        if (cooperative) this.consumer.incrementalUnassign(tps);
        else this.consumer.unassign();
        this.log.info({ partitions: tps.length, lost }, `${lost ? 'lost' : 'revoked'} ${tpDescribe(tps)}`);
      } else {
        this.log.warn({ code: err.code }, 'unexpected rebalance event');
      }
    };
    this.rebalance = this.rebalance.then(work).catch((e: Error) => {
      if (this.consumer.isConnected()) this.handlers.onError(e);
    });
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.consumer.connect({ timeout: 30_000 }, (err) => {
        if (!err) return resolve();
        const last = this.connectError;
        reject(connectFailure(this.opts, last ? `${err.message} (last error: ${last.message})` : err.message, err, last?.code));
      });
    });
    this.connected = true;
    this.consumer.subscribe(subscription(this.opts));
  }

  /** Copies each consume result into the intake's batches until stop(). */
  start(intake: BatchIntake): void {
    this.running = true;
    this.loopDone = (async () => {
      while (this.running) {
        await this.rebalance;
        if (!this.running) break;
        const msgs = await new Promise<KafkaMessage[]>((resolve) => {
          this.consumer.consume(this.opts.consumeBatch, (err, messages) => {
            if (err) {
              this.log.warn({ code: (err as { code?: number }).code }, `kafka consume: ${err.message}`);
              resolve([]);
            } else resolve((messages ?? []) as unknown as KafkaMessage[]);
          });
        });
        const t0 = performance.now();
        if (msgs.length > 0 && this.running) deliver(msgs, intake);
        intake.polled((performance.now() - t0) * 1000);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loopDone;
    await this.rebalance;
  }

  pause(tps: TopicPartition[]): void {
    if (tps.length > 0) this.consumer.pause(tps);
  }

  resume(tps: TopicPartition[]): void {
    if (tps.length > 0) this.consumer.resume(tps);
  }

  /** Commits the given next-offsets; resolves when the broker has them. */
  commit(offsets: PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.consumer.commitCb(offsets, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The last high watermark librdkafka saw for a partition (from fetch responses), or undefined. */
  highWatermark(topic: string, partition: number): number | undefined {
    try {
      const w = this.consumer.getWatermarkOffsets(topic, partition);
      return w.highOffset >= 0 ? w.highOffset : undefined;
    } catch {
      return undefined;
    }
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => {
      if (!this.consumer.isConnected()) return resolve();
      this.consumer.disconnect(() => resolve());
    });
  }
}

/** Copies messages into their partitions' batches; a run of one partition is reported at once. */
function deliver(msgs: KafkaMessage[], intake: BatchIntake): void {
  let topic = '';
  let partition = -1;
  let writer: BatchWriter | undefined;
  let notOurs = false;
  let records = 0;
  let bytes = 0;
  const report = () => {
    if (records > 0) intake.appended(topic, partition, records, bytes);
    records = 0;
    bytes = 0;
  };
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (m.partition !== partition || m.topic !== topic) {
      report();
      topic = m.topic;
      partition = m.partition;
      writer = undefined;
      notOurs = false;
    }
    // Not ours (any more): whoever owns it now reads it again.
    if (notOurs) continue;
    if (!writer) {
      writer = intake.open(topic, partition, BatchWriter.sizeOf(m));
      if (!writer) {
        notOurs = true;
        continue;
      }
    }
    if (!writer.tryAppend(m)) {
      report();
      writer = intake.rollover(topic, partition, BatchWriter.sizeOf(m));
      if (!writer) {
        notOurs = true;
        continue;
      }
      writer.tryAppend(m);
    }
    records++;
    bytes += m.size;
  }
  report();
}
