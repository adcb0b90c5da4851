// Fakes for the engine's parts: a source the test drives (records, polls,
// rebalances), a worker pool that reads each batch in-process and answers
// as told, and a sink whose writes become durable when the test says.
import pino from 'pino';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { loadConfig } from '../../../src/sinks/index.js';
import { BatchReader, BatchWriter } from '../../../src/core/batch-layout.js';
import type { DeadLetterSink } from '../../../src/pipeline/dead-letter-handoff.js';
import { Engine, type StopReason } from '../../../src/pipeline/engine.js';
import { MemoryBudget } from '../../../src/pipeline/memory-budget.js';
import type { WorkerPool } from '../../../src/pipeline/worker-pool.js';
import type { EncodedBatch, RejectedRecord, Sink, TopicPartition } from '../../../src/sinks/common/sink.js';
import type { BatchIntake, PartitionOffset, Source, SourceHandlers, SourceOptions } from '../../../src/source/source.js';
import type { EncodeResult, EncodeTask, RecordFailure, SinkPlan } from '../../../src/workers/protocol.js';

export const silent = pino({ level: 'silent' });

/** A PostgreSQL connector config with small batches and the given overrides. */
export function engineConfig(overrides: Record<string, string> = {}): ResolvedConfig {
  return loadConfig({
    json: {
      name: 'engine-unit',
      config: {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        topics: 't',
        'bootstrap.servers': '127.0.0.1:9092',
        'connection.url': 'jdbc:postgresql://127.0.0.1:5432/db',
        'batch.max.records': '4',
        'batch.max.bytes': String(64 * 1024),
        'batch.linger.ms': '600000',
        'offset.flush.interval.ms': '0',
        'worker.threads': '1',
        ...overrides,
      },
    },
    env: {},
  });
}

/** A source the test drives: deliver() writes records as a consumer would, rebalances call the engine's handlers. */
export class FakeSource implements Source {
  readonly kind = 'binding' as const;
  writing = false;
  intake?: BatchIntake;
  readonly paused = new Set<string>();
  readonly pauses: TopicPartition[][] = [];
  readonly resumes: TopicPartition[][] = [];
  readonly commits: PartitionOffset[][] = [];
  /** Called on each commit, before it succeeds: a test's check of what a commit may say. */
  onCommit?: (offsets: PartitionOffset[]) => void;
  failCommits = false;
  readonly calls: string[] = [];
  private nextOffset = new Map<string, number>();

  constructor(
    readonly opts: SourceOptions,
    readonly handlers: SourceHandlers,
  ) {}

  async connect(): Promise<void> {
    this.calls.push('connect');
  }
  start(intake: BatchIntake): void {
    this.intake = intake;
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
  }
  pause(tps: TopicPartition[]): void {
    this.pauses.push(tps);
    for (const tp of tps) this.paused.add(`${tp.topic}/${tp.partition}`);
  }
  resume(tps: TopicPartition[]): void {
    this.resumes.push(tps);
    for (const tp of tps) this.paused.delete(`${tp.topic}/${tp.partition}`);
  }
  async commit(offsets: PartitionOffset[]): Promise<void> {
    this.onCommit?.(offsets);
    if (this.failCommits) throw new Error('commit refused');
    this.commits.push(offsets);
    this.calls.push(`commit ${offsets.map((o) => `${o.topic}/${o.partition}@${o.offset}`).join(' ')}`);
  }
  highWatermark(): number | undefined {
    return undefined;
  }
  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }

  /** The last committed next-offset of a partition, or undefined. */
  committed(topic: string, partition: number): number | undefined {
    let out: number | undefined;
    for (const c of this.commits) for (const o of c) if (o.topic === topic && o.partition === partition) out = o.offset;
    return out;
  }

  /** Appends `count` records (values of `size` bytes) to the partition, as one poll; returns the writers used. */
  deliver(topic: string, partition: number, count: number, size = 10): BatchWriter[] {
    const intake = this.intake!;
    const key = `${topic}/${partition}`;
    const used: BatchWriter[] = [];
    for (let i = 0; i < count; i++) {
      const offset = this.nextOffset.get(key) ?? 0;
      const msg = { value: Buffer.alloc(size, 0x61), key: null, offset, timestamp: 1_700_000_000_000 };
      const min = BatchWriter.sizeOf(msg);
      let w = intake.current(topic, partition) ?? intake.open(topic, partition, min);
      if (!w) return used;
      if (!w.tryAppend(msg)) {
        w = intake.rollover(topic, partition, min)!;
        w.tryAppend(msg);
      }
      if (!used.includes(w)) used.push(w);
      this.nextOffset.set(key, offset + 1);
      intake.appended(topic, partition, 1, size);
    }
    intake.polled(0);
    return used;
  }

  poll(): void {
    this.intake!.polled(0);
  }
}

/** Per batch, what the fake worker answers. */
export interface FakeAnswer {
  outputBytes?: number;
  /** Offsets whose records fail to decode. */
  failOffsets?: number[];
}

/** A worker pool that reads each batch in place, on this thread. */
export class FakePool implements WorkerPool {
  readonly tasks: { buffer: SharedArrayBuffer; topic: string; count: number; first: number; last: number }[] = [];
  answer: (reader: BatchReader, topic: string) => FakeAnswer = () => ({});
  /** Set: encode rejects with this error (once each time it is set). */
  rejectNext?: Error;
  closed = 0;

  async encode(task: Omit<EncodeTask, 'connector'>): Promise<EncodeResult> {
    await Promise.resolve();
    if (this.rejectNext) {
      const err = this.rejectNext;
      this.rejectNext = undefined;
      throw err;
    }
    const reader = new BatchReader(task.batch);
    this.tasks.push({ buffer: task.batch, topic: task.topic, count: reader.count, first: reader.offset(0), last: reader.offset(reader.count - 1) });
    const a = this.answer(reader, task.topic);
    const failures: RecordFailure[] = [];
    for (let i = 0; i < reader.count; i++) {
      if (a.failOffsets?.includes(reader.offset(i))) failures.push({ index: i, offset: reader.offset(i), stage: 'decode', part: 'value', reason: `bad record at ${reader.offset(i)}` });
    }
    return { output: null, outputBytes: a.outputBytes ?? 0, rows: reader.count - failures.length, tombstones: 0, failures, workerMicros: 1 };
  }
  run<R>(): Promise<R> {
    return Promise.reject(new Error('not used'));
  }
  /** What the engine asked the threads to load (warm). */
  readonly warmed: { sink: string; modules: readonly string[] }[] = [];
  async warm(sink: string, modules: readonly string[]): Promise<void> {
    this.warmed.push({ sink, modules });
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

export interface Submitted {
  batch: EncodedBatch;
  resolve(): void;
  reject(err: Error): void;
  settled: boolean;
}

/** A sink whose writes stay pending until the test resolves them (or at once with autoDurable). */
export class FakeSink implements Sink {
  refusesRows?: boolean;
  autoDurable = false;
  readonly submitted: Submitted[] = [];
  readonly flushes: TopicPartition[][] = [];
  readonly drops: TopicPartition[][] = [];
  readonly calls: string[] = [];
  closed = 0;
  /** Batches' [first, last] offsets made durable, per partition key. */
  readonly durable = new Map<string, [number, number][]>();

  async plan(): Promise<SinkPlan> {
    return { sink: 'drop' };
  }
  submit(batch: EncodedBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const s: Submitted = {
        batch,
        settled: false,
        resolve: () => {
          if (s.settled) return;
          s.settled = true;
          const key = `${batch.topic}/${batch.partition}`;
          this.durable.set(key, [...(this.durable.get(key) ?? []), [batch.firstOffset, batch.lastOffset]]);
          this.calls.push(`durable ${key}@${batch.firstOffset}-${batch.lastOffset}`);
          resolve();
        },
        reject: (err) => {
          if (s.settled) return;
          s.settled = true;
          reject(err);
        },
      };
      this.submitted.push(s);
      if (this.autoDurable) s.resolve();
    });
  }
  /** Refuses these offsets of a submitted batch through its dead-letter hook, then makes it durable. */
  async refuse(s: Submitted, offsets: number[]): Promise<void> {
    const rejected: RejectedRecord[] = offsets.map((offset) => ({ offset, reason: 'refused' }));
    await s.batch.deadLetter!(rejected);
    s.resolve();
  }
  async flush(partitions: readonly TopicPartition[]): Promise<void> {
    this.flushes.push([...partitions]);
    this.calls.push(`flush ${partitions.map((p) => `${p.topic}/${p.partition}`).join(' ')}`);
  }
  drop(partitions: readonly TopicPartition[]): void {
    this.drops.push([...partitions]);
  }
  async close(): Promise<void> {
    this.closed++;
  }
  pending(): Submitted[] {
    return this.submitted.filter((s) => !s.settled);
  }

  /** Next offset after the contiguous durable batches of a partition from offset 0. */
  durablePrefix(topic: string, partition: number): number {
    const spans = [...(this.durable.get(`${topic}/${partition}`) ?? [])].sort((a, b) => a[0] - b[0]);
    let next = 0;
    for (const [first, last] of spans) {
      if (first > next) break;
      next = Math.max(next, last + 1);
    }
    return next;
  }
}

export class FakeDeadLetters implements DeadLetterSink {
  readonly sent: { topic: string; partition: number; offsets: number[]; values: (string | null)[] }[] = [];
  closed = 0;
  async send(topic: string, reader: BatchReader, failures: readonly RecordFailure[]): Promise<void> {
    this.sent.push({
      topic, partition: reader.partition, offsets: failures.map((f) => f.offset),
      values: failures.map((f) => {
        const v = reader.value(f.index);
        return v ? Buffer.from(v).toString() : null;
      }),
    });
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

export interface Harness {
  engine: Engine;
  source: FakeSource;
  pool: FakePool;
  sink: FakeSink;
  budget: MemoryBudget;
  deadLetters?: FakeDeadLetters;
  done: Promise<StopReason>;
}

/** An engine on fakes, running, with `assigned` partitions of topic t assigned. */
export async function startEngine(opts: {
  config?: Record<string, string>;
  budget?: MemoryBudget;
  deadLetters?: boolean;
  assigned?: number[];
  sink?: FakeSink;
  pool?: FakePool;
} = {}): Promise<Harness> {
  const config = engineConfig(opts.config);
  const sink = opts.sink ?? new FakeSink();
  const pool = opts.pool ?? new FakePool();
  const budget = opts.budget ?? new MemoryBudget(config.common['inflight.max.bytes']);
  const deadLetters = opts.deadLetters ? new FakeDeadLetters() : undefined;
  let source!: FakeSource;
  const engine = new Engine({
    config, sink, log: silent, pool, budget,
    source: (o, h) => (source = new FakeSource(o, h)),
    ...(deadLetters ? { deadLetters } : {}),
  });
  const done = engine.run();
  await until(() => source.intake !== undefined, 'the engine to start the source');
  await source.handlers.onAssign((opts.assigned ?? [0]).map((partition) => ({ topic: 't', partition })));
  return { engine, source, pool, sink, budget, done, ...(deadLetters ? { deadLetters } : {}) };
}

/** Waits until `check` holds (each turn of the event loop); fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
