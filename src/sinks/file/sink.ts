// The file sink, main-thread half: appends each batch's lines (made by the
// workers, encoding.ts) to the file, fsyncs, and only then records the file's
// length and each partition's next offset in <file>.sluice-state (written to
// a temporary file, fsynced, renamed over the old one). A batch is durable
// (THE RULE, common/sink.ts) once that record is. On start, whatever the file
// holds past the recorded length was written after the last record (a crash
// in between) and is cut off; reading resumes from the recorded offsets
// (storedPositions), so a kill -9 neither loses nor repeats a line.
// Without `file` the lines go to standard output, as in Kafka Connect: nothing
// to fsync or cut back, so a crash may repeat what was printed since the last
// Kafka commit.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import { tpKey, type TopicPartition } from '../../core/topic-partition.js';
import { SluiceError, errorMessage } from '../../errors.js';
import type { SinkPlan } from '../../workers/protocol.js';
import type { EncodedBatch, Sink } from '../common/sink.js';
import type { FileConfig } from './config.js';

/** What <file>.sluice-state holds. */
interface FileState {
  /** Length of the file when the offsets below were recorded. */
  bytes: number;
  /** topic → partition → next offset to read. */
  next: Record<string, Record<string, number>>;
}

interface Pending {
  batch: EncodedBatch;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class FileSink implements Sink {
  private readonly file?: string;
  private readonly statePath?: string;
  private opened?: Promise<{ fd: fs.FileHandle; state: FileState }>;
  private queue: Pending[] = [];
  private draining?: Promise<void>;
  private closed = false;
  /** A failed write leaves the file and its record apart: nothing more is written (the restart puts them together). */
  private failed?: Error;
  closedWithPendingWrites = false;

  constructor(
    config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    const file = (config.options as FileConfig).file;
    if (file !== undefined) {
      this.file = path.resolve(file);
      this.statePath = `${this.file}.sluice-state`;
    }
  }

  async plan(): Promise<SinkPlan> {
    return { sink: 'file', plan: {} };
  }

  async storedPositions(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!this.file) return out;
    const { state } = await this.open();
    for (const tp of partitions) {
      const next = state.next[tp.topic]?.[String(tp.partition)];
      if (next !== undefined) out.set(tpKey(tp.topic, tp.partition), next);
    }
    return out;
  }

  submit(batch: EncodedBatch): Promise<void> {
    if (this.closed) return Promise.reject(new SluiceError('the file sink is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  drop(): void {
    // Nothing is held per partition: what was submitted is written and recorded.
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closedWithPendingWrites = this.queue.length > 0 || this.draining !== undefined;
    await this.flush().catch(() => undefined);
    if (this.opened) await (await this.opened.catch(() => undefined))?.fd.close();
  }

  /** Writes what is queued, all batches at once: one write, one fsync, one state record per round. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        if (this.failed) throw this.failed;
        if (this.file) await this.append(group.map((p) => p.batch));
        else await this.print(group.map((p) => p.batch));
        for (const p of group) p.resolve();
      } catch (err) {
        this.failed ??= new SluiceError(`file sink: cannot write ${this.file ?? 'to standard output'}: ${errorMessage(err)}`, { cause: err });
        for (const p of group) p.reject(this.failed);
      }
    }
  }

  private async append(batches: EncodedBatch[]): Promise<void> {
    const { fd, state } = await this.open();
    const buffers = batches.filter((b) => b.output).map((b) => new Uint8Array(b.output!, 0, b.outputBytes));
    let bytes = buffers.reduce((n, b) => n + b.length, 0);
    let written = 0;
    while (written < bytes) {
      // The file was opened for appending: every write lands at its end.
      const { bytesWritten } = await fd.writev(skip(buffers, written));
      written += bytesWritten;
    }
    await fd.datasync();
    const next = { ...state.next };
    for (const b of batches) next[b.topic] = { ...next[b.topic], [String(b.partition)]: b.lastOffset + 1 };
    bytes += state.bytes;
    await this.record({ bytes, next });
    state.bytes = bytes;
    state.next = next;
  }

  private async print(batches: EncodedBatch[]): Promise<void> {
    for (const b of batches) {
      if (!b.output) continue;
      const data = Buffer.from(b.output, 0, b.outputBytes);
      await new Promise<void>((resolve, reject) => process.stdout.write(data, (err) => (err ? reject(err) : resolve())));
    }
  }

  private open(): Promise<{ fd: fs.FileHandle; state: FileState }> {
    this.opened ??= this.openFile();
    return this.opened;
  }

  /** Opens the file for appending, with any tail past the recorded length cut off. */
  private async openFile(): Promise<{ fd: fs.FileHandle; state: FileState }> {
    const file = this.file!;
    let state: FileState | undefined;
    try {
      state = JSON.parse(await fs.readFile(this.statePath!, 'utf8')) as FileState;
      if (!Number.isSafeInteger(state.bytes) || typeof state.next !== 'object' || state.next === null) throw new Error('not a file sink state');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SluiceError(`file sink: ${this.statePath} is unreadable (${errorMessage(err)}); remove it to start over from the Kafka offsets`);
      state = undefined;
    }
    let fd: fs.FileHandle;
    try {
      fd = await fs.open(file, 'a');
    } catch (err) {
      throw new SluiceError(`file sink: cannot find or create ${file} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`, { cause: err });
    }
    const { size } = await fd.stat();
    if (!state) {
      // No record yet: what the file holds is not ours; append after it, as Kafka Connect does.
      state = { bytes: size, next: {} };
    } else if (size > state.bytes) {
      await fd.truncate(state.bytes);
      await fd.datasync();
      this.log.warn({ file, cut: size - state.bytes }, `file sink: cut ${size - state.bytes} bytes written after the last recorded position (a crash); they are written again from the recorded offsets`);
    } else if (size < state.bytes) {
      this.log.warn({ file, size, recorded: state.bytes }, 'file sink: the file is shorter than recorded (truncated or replaced outside Sluice); appending after what it holds');
      state.bytes = size;
    }
    return { fd, state };
  }

  /** Writes the state where a crash leaves either the old record or the new one, never half of one. */
  private async record(state: FileState): Promise<void> {
    const tmp = `${this.statePath}.tmp`;
    const h = await fs.open(tmp, 'w');
    try {
      await h.writeFile(JSON.stringify(state));
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, this.statePath!);
    const dir = await fs.open(path.dirname(this.statePath!), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** The buffers from byte `from` on (after a short write). */
function skip(buffers: Uint8Array[], from: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let left = from;
  for (const b of buffers) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}
