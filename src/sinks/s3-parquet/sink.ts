// The S3 Parquet sink, main-thread half. Workers turn each partition batch
// into Arrow chunks grouped by partitioner path (encoding.ts); here the
// chunks are placed into per-partition file sets (rotation.ts), a closed set's
// files are written to Parquet by a task in the engine's worker pool
// (file-task.ts) and uploaded, and a batch's promise resolves only when every
// set holding its rows is in S3 (THE RULE in common/sink.ts). The open sets'
// bytes are the batches' encoded output, which the engine counts against
// inflight.max.bytes until then; this sink closes sets early when they hold
// too much of that budget, so pausing never waits on a file that only more
// data would close.
import { splitRoutedPath } from '../../transforms/routing.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import { SluiceError, errorMessage } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import { tpKey, type EncodedBatch, type Sink, type TopicPartition, type WorkerRunner } from '../common/sink.js';
import type { S3Config } from './config.js';
import type { S3Plan } from './encoding.js';
import type { FileTask, ParquetCodec } from './file-task.js';
import { readRowTable, type S3BatchMeta } from './layout.js';
import { markerKey, recoverPartition, SET_METADATA, setId, type SetMarker } from './markers.js';
import { partitionerSpec, TimeBuckets, type PartitionerSpec } from './partitioner.js';
import { PartitionRotation, type ChunkRef, type CloseReason, type FileSet, type OpenFile, type RotationRules } from './rotation.js';
import { errantReporter } from './errant.js';
import { s3ServiceFor, type S3Service } from './service.js';
import { companionExtension, extensionOf, formatSettings, objectTags, type FormatSettings } from './formats.js';
import type { RecordFileTask } from './record-file-task.js';
import type { CompatFileTask } from './compat-file-task.js';
import type { Compatibility } from './compatibility.js';
import { EMPTY_INFERRED, mergeParquetTypes, typeKey } from './types.js';
import { Waiters } from '../../core/waiters.js';

const FILE_TASK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'file-task.js');
const RECORD_FILE_TASK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'record-file-task.js');
const COMPAT_FILE_TASK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'compat-file-task.js');
const FORMAT_NAMES: Record<FormatSettings['format'], string> = { parquet: 'Parquet', json: 'JSON', avro: 'Avro', bytearray: 'ByteArrayFormat' };

/** Shares of the engine's budgets that open (not yet closed) files may hold; under half, so paused partitions always resume. */
const OPEN_SHARE_OF_BUDGET = 0.4;
const OPEN_SHARE_AFTER_RELIEF = 0.2;
const OPEN_SHARE_OF_PARTITION = 0.4;

interface Ticket {
  resolve: () => void;
  reject: (err: Error) => void;
  /** Sets with this batch's rows not yet uploaded. */
  pending: number;
  /** All of the batch's rows are placed. */
  sealed: boolean;
}

interface PendingFile {
  key: string;
  rows: number;
  /** s3.object.tagging: the object's tags. */
  tags?: string;
  parquet: Promise<Uint8Array>;
}

interface ClosedSet {
  set: FileSet<Ticket>;
  files: PendingFile[];
}

class PartitionWriter {
  readonly rotation: PartitionRotation<Ticket>;
  readonly closed: ClosedSet[] = [];
  running = false;
  failed?: Error;
  dropped = false;
  readonly abort = new AbortController();
  /** Woken each time the writer may have become idle. */
  readonly idleWaiters = new Waiters();

  constructor(
    readonly topic: string,
    readonly partition: number,
    rules: RotationRules,
    sink: S3ParquetSink,
  ) {
    this.rotation = new PartitionRotation<Ticket>(rules, {
      where: `topic ${topic} partition ${partition}`,
      now: () => Date.now(),
      closeAt: (t) => sink.scheduleCloseAt(t),
      joined: (ticket) => ticket.pending++,
      closed: (set) => sink.onSetClosed(this, set),
      rowProjects: (schema, chunk, row) => sink.rowProjects?.(schema, chunk, row),
    });
  }

  get idle(): boolean {
    return !this.running && this.closed.length === 0;
  }

  get openBytes(): number {
    return this.rotation.open?.heldBytes ?? 0;
  }

  notifyIdle(): void {
    this.idleWaiters.wake();
  }

  /** Resolves once nothing is running or waiting to be uploaded. */
  whenIdle(): Promise<boolean> {
    return this.idleWaiters.until(() => this.idle);
  }
}

/** Limits how many objects are in flight at once. */
class Semaphore {
  private queue: (() => void)[] = [];
  private active = 0;
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class S3ParquetSink implements Sink {
  readonly routesPerRecord = true;
  /** schema.compatibility: a record Confluent reports as errant is found while submit() places rows (errant.ts). */
  readonly refusesOnSubmit = true;
  private readonly cfg: S3Config;
  private readonly service: S3Service;
  private readonly partitioner: PartitionerSpec;
  private readonly rules: RotationRules;
  private readonly topicsDir: string;
  private readonly writers = new Map<string, PartitionWriter>();
  private readonly plans = new Map<string, S3Plan>();
  private readonly uploads: Semaphore;
  private readonly clock: TimeBuckets;
  private readonly budgetCap: number;
  private readonly budgetRelief: number;
  private readonly partitionCap: number;
  private scheduleTimer?: NodeJS.Timeout;
  private runWorker?: WorkerRunner;
  private planVersion = 0;
  private readonly format: FormatSettings;
  private readonly extension: string;
  /** schema.compatibility other than NONE, for Avro, Protobuf, JSON Schema and Connect JSON values (the ones with versions). */
  private readonly compatibility?: Compatibility;
  /** Kafka Connect gives a sink task an errant-record reporter only with a dead-letter topic or errors.log.enable=true. */
  private readonly hasReporter: boolean;
  /** schema.compatibility: compat-values.ts's check, loaded by the first plan() (before any batch). */
  rowProjects?: typeof import('./compat-values.js').rowProjects;

  constructor(
    config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    this.cfg = config.options as S3Config;
    const c = this.cfg;
    this.partitioner = partitionerSpec({
      'partitioner.class': c['partitioner.class'], 'partition.field.name': c['partition.field.name'], 'path.format': c['path.format'],
      'partition.duration.ms': c['partition.duration.ms'], 'timestamp.extractor': c['timestamp.extractor'], 'timestamp.field': c['timestamp.field'],
      timezone: c.timezone, locale: c.locale,
    });
    this.format = formatSettings(c);
    this.extension = extensionOf(this.format, this.cfg['parquet.codec']);
    this.topicsDir = c['topics.dir'].replace(/^\/+|\/+$/g, '');
    const compat = c['schema.compatibility'];
    // ByteArrayFormat writes bytes values as they are: nothing to project (a bytes schema stays bytes).
    if (compat !== 'none' && ['avro', 'protobuf', 'json-schema', 'connect-json'].includes(config.valueFormat) && this.format.format !== 'bytearray') this.compatibility = compat;
    // Confluent ignores rotate.interval.ms unless the partitioner is time-based (TopicPartitionWriter: no timestamp extractor).
    this.rules = { flushSize: c['flush.size'], rotateIntervalMs: this.partitioner.kind === 'time' ? c['rotate.interval.ms'] : -1, fileMaxBytes: c['file.max.bytes'], ...(this.compatibility ? { compatibility: this.compatibility } : {}) };
    const common = config.common;
    this.hasReporter = common['errors.deadletterqueue.topic.name'] !== undefined || common['errors.log.enable'];
    this.budgetCap = common['inflight.max.bytes'] * OPEN_SHARE_OF_BUDGET;
    this.budgetRelief = common['inflight.max.bytes'] * OPEN_SHARE_AFTER_RELIEF;
    this.partitionCap = Math.min(common['partition.max.bytes'], common['inflight.max.bytes']) * OPEN_SHARE_OF_PARTITION;
    this.clock = new TimeBuckets("'x'", 1, c.timezone, 'en-US');
    const concurrency = c['s3.upload.concurrency'];
    this.uploads = new Semaphore(concurrency);
    this.service = s3ServiceFor(c, common, log, 4);
    const schedule = c['rotate.schedule.interval.ms'];
    if (schedule > 0) {
      this.scheduleTimer = setInterval(() => this.closeScheduled(), Math.max(50, Math.min(1000, schedule / 10)));
      this.scheduleTimer.unref();
    }
  }

  workerTaskFiles(): readonly string[] {
    const f = this.format;
    const formats = [f.format, f.keyFiles, f.headerFiles];
    const files: string[] = [];
    if (this.compatibility) files.push(COMPAT_FILE_TASK);
    if (formats.includes('parquet')) files.push(FILE_TASK);
    if (formats.some((x) => x === 'json' || x === 'avro' || x === 'bytearray')) files.push(RECORD_FILE_TASK);
    return files;
  }

  useWorkers(run: WorkerRunner): void {
    this.runWorker = run;
  }

  // ---------------- plans ----------------

  async plan(topic: string): Promise<SinkPlan> {
    if (this.compatibility && !this.rowProjects) this.rowProjects = (await import('./compat-values.js')).rowProjects;
    let p = this.plans.get(topic);
    if (!p) {
      p = {
        key: `${topic}#${++this.planVersion}`,
        partitioner: this.partitioner,
        storeKey: this.cfg['store.kafka.key.column'],
        storeHeaders: this.cfg['store.kafka.headers.column'],
        storeMetadata: this.cfg['store.kafka.metadata'],
        nullValues: this.cfg['behavior.on.null.values'],
        ...(this.format.keyFiles ? { keyFiles: this.format.keyFiles } : {}),
        ...(this.format.headerFiles ? { headerFiles: this.format.headerFiles } : {}),
        ...(this.format.tombstonePath !== undefined ? { tombstonePath: this.format.tombstonePath } : {}),
        ...(this.format.byteArray ? { byteArraySeparator: this.format.byteArray.separator } : {}),
        inferred: EMPTY_INFERRED,
        format: this.format.format,
        decimalFormat: this.format.decimalFormat,
        ...(this.compatibility ? { compatibility: this.compatibility } : {}),
      };
      this.plans.set(topic, p);
    }
    return { sink: 's3', plan: p };
  }

  /** A schemaless batch needed a wider schema: later batches start from it, so files stop rotating on schema changes. */
  private widen(topic: string, wider: S3BatchMeta['widened']): void {
    const p = this.plans.get(topic);
    if (!p || !wider) return;
    const merged = mergeParquetTypes(p.inferred, wider);
    if (typeKey(merged) === typeKey(p.inferred)) return;
    this.plans.set(topic, { ...p, key: `${topic}#${++this.planVersion}`, inferred: merged });
  }

  // ---------------- positions (exactly-once) ----------------

  async storedPositions(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    await Promise.all(partitions.map(async ({ topic, partition }) => {
      // Assigned again after a revoke whose uploads outlived the grace period:
      // let them finish before reading the marker they write.
      const old = this.writers.get(tpKey(topic, partition));
      if (old && !old.dropped) await old.whenIdle();
      const w = new PartitionWriter(topic, partition, this.rules, this);
      this.writers.set(tpKey(topic, partition), w);
      const r = await recoverPartition(this.service, this.topicsDir, topic, partition);
      if (r.position === undefined) return;
      w.rotation.nextStart = r.position;
      out.set(tpKey(topic, partition), r.position);
      if (r.complete) {
        this.log.info({ topic, partition, offset: r.position }, `resuming ${topic}[${partition}] at offset ${r.position}, after the last set in S3 (offsets ${r.marker!.start}-${r.marker!.end})`);
      } else {
        this.log.warn({ topic, partition, offset: r.position, deleted: r.deleted.length },
          `the last set of ${topic}[${partition}] (offsets ${r.marker!.start}-${r.marker!.end}) was not fully uploaded: deleted its ${r.deleted.length} object(s), writing it again from offset ${r.position}`);
      }
    }));
    return out;
  }

  private writer(topic: string, partition: number): PartitionWriter {
    const key = tpKey(topic, partition);
    let w = this.writers.get(key);
    if (!w || w.dropped) {
      w = new PartitionWriter(topic, partition, this.rules, this);
      this.writers.set(key, w);
    }
    return w;
  }

  // ---------------- intake ----------------

  submit(batch: EncodedBatch): Promise<void> {
    const meta = batch.meta as S3BatchMeta | undefined;
    if (meta?.widened) this.widen(batch.topic, meta.widened);
    const w = this.writer(batch.topic, batch.partition);
    if (w.failed) return Promise.reject(w.failed);
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { resolve, reject, pending: 0, sealed: false };
      if (meta && meta.rows > 0 && batch.output) {
        const table = readRowTable(batch.output, meta.rows);
        const chunks: ChunkRef[] = meta.groups.map((g) => ({ ...g, buffer: batch.output!, bytesPerRow: g.byteLength / Math.max(1, g.rows) }));
        w.rotation.addBatch(ticket, batch.outputBytes, table, chunks, batch.firstOffset, batch.lastOffset, errantReporter(batch, ticket, this.hasReporter));
      } else {
        w.rotation.extend(batch.lastOffset);
      }
      ticket.sealed = true;
      if (ticket.pending === 0) resolve();
      this.relieve(w);
    });
  }

  /** Closes open sets that hold too much of the engine's budget (see OPEN_SHARE_*). */
  private relieve(w: PartitionWriter): void {
    if (w.openBytes > this.partitionCap) this.closeEarly(w, 'memory');
    let total = 0;
    for (const x of this.writers.values()) total += x.openBytes;
    if (total <= this.budgetCap) return;
    const fullest = [...this.writers.values()].filter((x) => x.openBytes > 0).sort((a, b) => b.openBytes - a.openBytes);
    for (const x of fullest) {
      if (total <= this.budgetRelief) break;
      total -= x.openBytes;
      this.closeEarly(x, 'memory');
    }
  }

  private closeEarly(w: PartitionWriter, reason: CloseReason): void {
    w.rotation.close(reason);
  }

  private closeScheduled(): void {
    const now = Date.now();
    for (const w of this.writers.values()) {
      const open = w.rotation.open;
      if (open && open.rows > 0 && now >= open.closeAt) w.rotation.close('rotate.schedule.interval.ms');
    }
  }

  /** rotate.schedule.interval.ms: the next multiple of the interval (in `timezone`) after t. */
  scheduleCloseAt(t: number): number {
    const interval = this.cfg['rotate.schedule.interval.ms'];
    return interval > 0 ? this.clock.nextBoundary(t, interval) : Number.POSITIVE_INFINITY;
  }

  // ---------------- closing and uploading ----------------

  objectKey(sourceTopic: string, partition: number, groupPath: string, firstOffset: number, extension = this.extension): string {
    const { topic, path: filePath } = splitRoutedPath(sourceTopic, groupPath);
    return `${this.topicsDir}/${topic}/${filePath}/${topic}+${partition}+${String(firstOffset).padStart(this.cfg['filename.offset.zero.pad.width'], '0')}${extension}`;
  }

  onSetClosed(w: PartitionWriter, set: FileSet<Ticket>): void {
    const id = setId(set.start, set.end);
    const files: PendingFile[] = [];
    for (const f of set.files.values()) {
      const pieces = f.pieces.map((p) => ({
        buffer: p.chunk.buffer, byteOffset: p.chunk.byteOffset, byteLength: p.chunk.byteLength, rowStart: p.rowStart, rowEnd: p.rowEnd, rows: p.chunk.rows,
      }));
      // behavior.on.null.values=write: a file of tombstones has key (and header) files only.
      if (!f.pieces[0]?.chunk.valueless) {
        const parquet = this.compatibility
          ? this.compatFile(w, id, f.firstOffset, f.schema!, f.pieces.map((p, i) => ({ ...pieces[i]!, schema: p.chunk.schema!, offsets: p.offsets! })))
          : this.format.format === 'parquet' ? this.parquetFile(w, id, f.firstOffset, pieces) : this.recordFile(pieces, f.pieces[0]?.chunk.schema);
        // Failures surface in the uploader; don't let an early one go unhandled.
        parquet.catch(() => {});
        const tags = this.cfg['s3.object.tagging'] ? objectTags(this.cfg['s3.object.tagging.key.value.pairs'], f.firstOffset, f.lastOffset, f.rows) : undefined;
        files.push({ key: this.objectKey(w.topic, w.partition, f.path, f.firstOffset), rows: f.rows, parquet, tags });
      }
      files.push(...this.companionFiles(w, id, f));
    }
    this.log.debug({ topic: w.topic, partition: w.partition, start: set.start, end: set.end, rows: set.rows, files: files.length, reason: set.reason }, 'closing file set');
    w.closed.push({ set, files });
    void this.upload(w);
  }

  /**
   * store.kafka.keys / store.kafka.headers: Confluent's <name>.keys<ext> and
   * <name>.headers<ext> beside the value file, the same rows (companions.ts).
   * They belong to the set like its value files: listed in its marker and
   * uploaded before its offsets count as written.
   */
  private companionFiles(w: PartitionWriter, id: string, f: OpenFile): PendingFile[] {
    const out: PendingFile[] = [];
    for (const kind of ['keys', 'headers'] as const) {
      const format = kind === 'keys' ? this.format.keyFiles : this.format.headerFiles;
      const first = f.pieces[0]?.chunk[kind];
      if (!format || !first) continue;
      const pieces = f.pieces.map((p) => {
        const part = p.chunk[kind];
        if (!part) throw new SluiceError(`internal: a chunk of ${f.path} has no ${kind} rows`);
        return { buffer: p.chunk.buffer, byteOffset: part.byteOffset, byteLength: part.byteLength, rowStart: p.rowStart, rowEnd: p.rowEnd, rows: p.chunk.rows };
      });
      const body = format === 'parquet' ? this.parquetFile(w, id, f.firstOffset, pieces) : this.recordFile(pieces, first.schema, format);
      body.catch(() => {});
      const extension = companionExtension(this.format, format, this.cfg['s3.compression.type'] === 'gzip', this.cfg['parquet.codec']);
      out.push({ key: this.objectKey(w.topic, w.partition, f.path, f.firstOffset, `.${kind}${extension}`), rows: f.rows, parquet: body });
    }
    return out;
  }

  private parquetFile(w: PartitionWriter, id: string, firstOffset: number, pieces: FileTask['pieces']): Promise<Uint8Array> {
    const task: FileTask = {
      pieces,
      codec: this.cfg['parquet.codec'] as ParquetCodec,
      rowGroupBytes: this.cfg['parquet.row.group.bytes'],
      metadata: { 'sluice.topic': w.topic, 'sluice.partition': String(w.partition), 'sluice.set': id, 'sluice.first.offset': String(firstOffset) },
    };
    // Without the engine's pool (tests), on this thread; loaded only then, so
    // the main thread does not carry Arrow and the WebAssembly writer.
    return this.runWorker ? this.runWorker<FileTask, Uint8Array>(FILE_TASK, task) : import('./file-task.js').then((m) => m.default(task));
  }

  private recordFile(pieces: FileTask['pieces'], schema: string | undefined, format = this.format.format): Promise<Uint8Array> {
    const f = this.format;
    const gzip = (format === 'json' || format === 'bytearray') && this.cfg['s3.compression.type'] === 'gzip';
    // ByteArrayFormat rows are the value (or key) bytes and separator: a file is their concatenation, as JSON lines are.
    const task: RecordFileTask = { format: format === 'bytearray' ? 'json' : format as 'json' | 'avro', pieces, gzip, gzipLevel: f.gzipLevel, avroCodec: f.avroCodec, schema };
    return this.runWorker ? this.runWorker<RecordFileTask, Uint8Array>(RECORD_FILE_TASK, task) : import('./record-file-task.js').then((m) => m.default(task));
  }

  /** schema.compatibility: the file's rows projected to its schema, in the output format. */
  private compatFile(w: PartitionWriter, id: string, firstOffset: number, schema: string, pieces: CompatFileTask['pieces']): Promise<Uint8Array> {
    const f = this.format;
    const task: CompatFileTask = {
      format: f.format as CompatFileTask['format'], schema, pieces, topic: w.topic, partition: w.partition, compatibility: this.compatibility!.toUpperCase(),
      codec: this.cfg['parquet.codec'] as ParquetCodec,
      rowGroupBytes: this.cfg['parquet.row.group.bytes'],
      metadata: { 'sluice.topic': w.topic, 'sluice.partition': String(w.partition), 'sluice.set': id, 'sluice.first.offset': String(firstOffset) },
      decimalFormat: f.decimalFormat, gzip: f.gzip, gzipLevel: f.gzipLevel, avroCodec: f.avroCodec,
    };
    return this.runWorker ? this.runWorker<CompatFileTask, Uint8Array>(COMPAT_FILE_TASK, task) : import('./compat-file-task.js').then((m) => m.default(task));
  }

  /** Uploads a partition's closed sets in order: marker first, then the set's objects, then its batches are durable. */
  private async upload(w: PartitionWriter): Promise<void> {
    if (w.running) return;
    w.running = true;
    try {
      while (w.closed.length > 0 && !w.dropped && !w.failed) {
        const c = w.closed[0]!;
        const { set } = c;
        const id = setId(set.start, set.end);
        await Promise.all(set.deadLetters);
        const bodies = await Promise.all(c.files.map((f) => f.parquet)).catch((err: unknown) => {
          throw new SluiceError(`writing ${FORMAT_NAMES[this.format.format]} for topic ${w.topic} partition ${w.partition} offsets ${set.start}-${set.end}: ${errorMessage(err)}`, { cause: err });
        });
        const marker: SetMarker = {
          version: 1, topic: w.topic, partition: w.partition, start: set.start, end: set.end,
          keys: c.files.map((f) => f.key), writtenAt: new Date().toISOString(),
        };
        const markerBody = Buffer.from(JSON.stringify(marker));
        await this.uploads.run(() => this.service.put(markerKey(this.topicsDir, w.topic, w.partition), markerBody, {}, w.abort.signal));
        this.log.debug({ topic: w.topic, partition: w.partition, start: set.start, end: set.end }, 'set marker written');
        await Promise.all(c.files.map((f, i) => this.uploads.run(() => this.putObject(w, f, bodies[i]!, id))));
        if (w.dropped) return;
        w.closed.shift();
        this.log.debug({ topic: w.topic, partition: w.partition, start: set.start, end: set.end, files: c.files.length }, 'file set uploaded');
        for (const t of set.tickets) {
          t.pending--;
          if (t.sealed && t.pending === 0) t.resolve();
        }
      }
    } catch (err) {
      if (w.dropped) return;
      const e = err instanceof Error ? err : new SluiceError(String(err));
      w.failed = e;
      for (const c of w.closed) for (const t of c.set.tickets) t.reject(e);
      for (const t of w.rotation.open?.tickets ?? []) t.reject(e);
      w.closed.length = 0;
    } finally {
      w.running = false;
      w.notifyIdle();
    }
  }

  /**
   * One data object. Its tags go with the PUT; when the store refuses them
   * (no s3:PutObjectTagging) and s3.object.behavior.on.tagging.error=ignore,
   * as in Confluent's sink the object is written untagged and a warning says so.
   */
  private async putObject(w: PartitionWriter, f: PendingFile, body: Uint8Array, id: string): Promise<void> {
    try {
      await this.service.put(f.key, body, { [SET_METADATA]: id }, w.abort.signal, f.tags);
    } catch (err) {
      if (!f.tags || this.cfg['s3.object.behavior.on.tagging.error'] !== 'ignore' || !isAccessDenied(err)) throw err;
      this.log.warn({ topic: w.topic, partition: w.partition, key: f.key }, `the store refused the tags of ${f.key} (${errorMessage(err)}); writing it untagged (s3.object.behavior.on.tagging.error=ignore)`);
      await this.service.put(f.key, body, { [SET_METADATA]: id }, w.abort.signal);
    }
  }

  // ---------------- revoke, loss, shutdown ----------------

  /** Closes the partitions' open sets and waits until every closed set is uploaded (or failed). */
  async flush(partitions: readonly TopicPartition[]): Promise<void> {
    const ws = partitions.map((tp) => this.writers.get(tpKey(tp.topic, tp.partition))).filter((w): w is PartitionWriter => !!w && !w.dropped);
    for (const w of ws) if (!w.failed) w.rotation.close('flush');
    await Promise.all(ws.map((w) => w.whenIdle()));
  }

  drop(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition);
      const w = this.writers.get(key);
      if (!w) continue;
      w.dropped = true;
      w.abort.abort();
      w.closed.length = 0;
      w.notifyIdle();
      this.writers.delete(key);
    }
  }

  /** Gives up uploads still in flight or waiting to retry (their offsets stay uncommitted), then closes the client. */
  closedWithPendingWrites = false;

  async close(): Promise<void> {
    this.closedWithPendingWrites = [...this.writers.values()].some((w) => !w.dropped && (!w.idle || (w.rotation.open?.tickets.size ?? 0) > 0));
    clearInterval(this.scheduleTimer);
    for (const w of this.writers.values()) w.abort.abort();
    this.service.close();
  }
}

/** A 403 / AccessDenied answer (what a missing s3:PutObjectTagging permission gives a tagged PUT). */
export function isAccessDenied(err: unknown): boolean {
  type SdkError = { name?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  for (let e = err as SdkError | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) return true;
  }
  return false;
}
