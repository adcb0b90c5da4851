// Which rows go into which file. Per Kafka partition there is one open file
// set: one file per partitioner path, all closed together (as Confluent's
// sink does), so the set covers a contiguous offset range [start, end] and the
// next set starts at end + 1. Files are lists of slices of the workers' Arrow
// chunks; nothing is copied until a closed file is written to Parquet.
//
// A set closes on flush.size (records across its files), on rotate.interval.ms
// (a record's time too far past the set's first, or a record for another path
// than the record before it), when a path's schema
// changes, when a file reaches file.max.bytes, and from outside: the wall
// clock (rotate.schedule.interval.ms), memory pressure, revoke and shutdown.
// With schema.compatibility BACKWARD/FORWARD/FULL a path's schema change
// closes the set only when compat-check.ts says so; otherwise the rows join
// the file, to be projected to its schema when it is written. A record
// Confluent's TopicPartitionWriter would hand to its errant-record reporter
// (a SchemaProjectorException: "Schema version required") is left out of the
// file and given to `errant` when the sink has one.
import type { Compatibility } from './compatibility.js';
import type { ChunkMeta, RowTable } from './layout.js';
import { requireVersions, VersionRequiredError } from './compat-versions.js';
import { fileSchemaChange } from './compat-check.js';

export interface ChunkRef extends ChunkMeta {
  buffer: SharedArrayBuffer;
  bytesPerRow: number;
}

export interface Piece {
  chunk: ChunkRef;
  rowStart: number;
  rowEnd: number;
  /** schema.compatibility: the rows' Kafka offsets (projection errors name them). */
  offsets?: number[];
}

export class OpenFile {
  readonly pieces: Piece[] = [];
  rows = 0;
  /** Offset of the file's last row (s3.object.tagging's endOffset). */
  lastOffset = -1;
  /** Estimated from the chunks' Arrow bytes. */
  bytes = 0;
  constructor(
    readonly path: string,
    readonly schemaKey: string,
    /** Offset of the file's first row: its object name. */
    readonly firstOffset: number,
    /** schema.compatibility: the version and Avro schema text of the file's first row, which every row is projected to. */
    readonly version?: number,
    readonly schema?: string,
  ) {}

  /** Rows [row, row + count) of the chunk; `offsets`: theirs, kept for schema.compatibility. */
  addRun(chunk: ChunkRef, row: number, count: number, offsets?: ArrayLike<number>): void {
    const last = this.pieces[this.pieces.length - 1];
    if (last && last.chunk === chunk && last.rowEnd === row) {
      last.rowEnd += count;
      if (offsets) for (let i = 0; i < offsets.length; i++) last.offsets!.push(offsets[i]!);
    } else this.pieces.push({ chunk, rowStart: row, rowEnd: row + count, ...(offsets ? { offsets: Array.from(offsets) } : {}) });
    this.rows += count;
    this.bytes += chunk.bytesPerRow * count;
  }
}

export type CloseReason =
  | 'flush.size' | 'rotate.interval.ms' | 'rotate.schedule.interval.ms' | 'file.max.bytes' | 'schema change'
  | 'memory' | 'flush';

export class FileSet<T> {
  readonly files = new Map<string, OpenFile>();
  /** Batches with rows in this set: they are durable when it is uploaded. */
  readonly tickets = new Set<T>();
  rows = 0;
  /** Last offset covered (rows or not). */
  end: number;
  firstTime = Number.NaN;
  /** Path of the last row placed (Confluent's currentEncodedPartition). */
  lastPath?: string;
  /** Encoded bytes of the batches that wait for this set. */
  heldBytes = 0;
  reason?: CloseReason;
  /** Dead letters of records in this set's range: sent before its marker says the range is written. */
  readonly deadLetters: Promise<void>[] = [];

  constructor(
    /** First offset covered: the previous set's end + 1, or where the partition started. */
    readonly start: number,
    readonly openedAt: number,
    /** Wall-clock time the schedule closes it at (Infinity: never). */
    readonly closeAt: number,
  ) {
    this.end = start - 1;
  }
}

export interface RotationRules {
  /** schema.compatibility other than NONE (Avro values, which carry versions). */
  compatibility?: Compatibility;
  flushSize: number;
  /** ≤ 0: off. Only with a time-based partitioner (Confluent ignores it otherwise). */
  rotateIntervalMs: number;
  fileMaxBytes: number;
}

/** Records left out of `set` (by offset), with the reason Confluent's reporter would be given. */
export type Errant<T> = (set: FileSet<T>, ticket: T, offsets: readonly number[], reason: string) => void;

export interface RotationHooks<T> {
  /** "topic T partition P", for errors. */
  where?: string;
  now(): number;
  /** When the schedule should close a set opened at t (Infinity for never). */
  closeAt(openedAt: number): number;
  /** The batch has rows in this set (called once per batch and set). */
  joined(ticket: T, set: FileSet<T>): void;
  closed(set: FileSet<T>): void;
  /**
   * schema.compatibility: whether the chunk's row projects to the file's schema
   * exactly (compat-values.ts); undefined: every row of the chunk does.
   */
  rowProjects?(fileSchema: string, chunk: ChunkRef, row: number): boolean | undefined;
}

export class PartitionRotation<T> {
  open: FileSet<T> | null = null;
  /** Where the next set starts; undefined until known (then: the first batch's first offset). */
  nextStart: number | undefined;

  constructor(
    private readonly rules: RotationRules,
    private readonly hooks: RotationHooks<T>,
  ) {}

  /**
   * Places a batch's rows (in offset order) into sets, closing sets where the
   * rules say. `errant`: where records go that Confluent reports as errant
   * (absent: they stop Sluice); they stay in the set's offset range.
   */
  addBatch(ticket: T, ticketBytes: number, table: RowTable, chunks: readonly ChunkRef[], firstOffset: number, lastOffset: number, errant?: Errant<T>): void {
    const { flushSize, rotateIntervalMs, fileMaxBytes, compatibility } = this.rules;
    const { offsets, times, groups } = table;
    const n = table.rows;
    const cursor = new Int32Array(chunks.length);
    let set = this.open;
    for (let r = 0; r < n; ) {
      const g = groups[r]!;
      const chunk = chunks[g]!;
      // Confluent's TopicPartitionWriter.rotateOnTime: with rotate.interval.ms, a record also
      // rotates when its encoded partition is not the one the record before it went to.
      if (set && rotateIntervalMs > 0 && (times[r]! - set.firstTime >= rotateIntervalMs || (set.lastPath !== undefined && chunk.path !== set.lastPath))) {
        this.close('rotate.interval.ms');
        set = null;
      }
      let file = set?.files.get(chunk.path);
      const changed = file && (file.schemaKey !== chunk.schemaKey || (compatibility !== undefined && file.version !== chunk.version));
      let schemalessSwitch = false;
      try {
        schemalessSwitch = compatibility !== undefined && file !== undefined && !!changed &&
          requireVersions(compatibility, file, chunk, offsets[r]!, this.hooks.where);
      } catch (err) {
        if (!errant || !(err instanceof VersionRequiredError) || !set) throw err;
        // The run of this group's rows that meets the same file: each would fail the same way.
        let end = r + 1;
        const until = rotateIntervalMs > 0 ? set.firstTime + rotateIntervalMs : Number.POSITIVE_INFINITY;
        while (end < n && groups[end] === g && times[end]! < until) end++;
        errant(set, ticket, Array.from(offsets.subarray(r, end)), err.detail);
        cursor[g] += end - r;
        set.end = offsets[end - 1]!;
        r = end;
        continue;
      }
      // Key and header files are never projected: another key schema closes the set whatever the value's version says.
      let rotate = file !== undefined && changed && (!compatibility || schemalessSwitch || file.pieces[0]?.chunk.companionKey !== chunk.companionKey ||
        fileSchemaChange(compatibility, file, chunk) !== undefined);
      // A number with no exact value in the file's wider type: a file of its own schema keeps it (compat-values.ts); such rows are checked one by one.
      const exact = !rotate && changed && file?.schema !== undefined ? this.hooks.rowProjects?.(file.schema, chunk, cursor[g]!) : undefined;
      if (exact === false) rotate = true;
      if (set && file && rotate) {
        this.close('schema change');
        set = null;
        file = undefined;
      }
      if (!set) {
        const now = this.hooks.now();
        set = new FileSet<T>(this.nextStart ?? firstOffset, now, this.hooks.closeAt(now));
        set.firstTime = times[r]!;
        this.open = set;
      }
      if (!set.tickets.has(ticket)) {
        set.tickets.add(ticket);
        set.heldBytes += ticketBytes;
        this.hooks.joined(ticket, set);
      }
      if (!file) {
        file = new OpenFile(chunk.path, chunk.schemaKey, offsets[r]!, chunk.version, chunk.schema);
        set.files.set(chunk.path, file);
      }
      // A run of rows of the same group that no rule cuts: placed at once.
      const byBytes = Math.max(1, Math.ceil((fileMaxBytes - file.bytes) / chunk.bytesPerRow));
      const limit = exact === true ? r + 1 : Math.min(n, r + Math.min(flushSize - set.rows, byBytes));
      let end = r + 1;
      if (rotateIntervalMs > 0) {
        const until = set.firstTime + rotateIntervalMs;
        while (end < limit && groups[end] === g && times[end]! < until) end++;
      } else {
        while (end < limit && groups[end] === g) end++;
      }
      file.addRun(chunk, cursor[g]!, end - r, compatibility ? offsets.subarray(r, end) : undefined);
      cursor[g] += end - r;
      set.rows += end - r;
      set.end = offsets[end - 1]!;
      set.lastPath = chunk.path;
      file.lastOffset = set.end;
      r = end;
      if (set.rows >= flushSize) {
        this.close('flush.size');
        set = null;
      } else if (file.bytes >= fileMaxBytes) {
        this.close('file.max.bytes');
        set = null;
      }
    }
    this.extend(lastOffset);
  }

  /** Records without rows (tombstones) up to lastOffset belong to the open set's range. */
  extend(lastOffset: number): void {
    if (this.open && this.open.end < lastOffset) this.open.end = lastOffset;
  }

  /** Closes the open set if it has rows; returns it. */
  close(reason: CloseReason): FileSet<T> | null {
    const set = this.open;
    if (!set || set.rows === 0) return null;
    this.open = null;
    set.reason = reason;
    this.nextStart = set.end + 1;
    this.hooks.closed(set);
    return set;
  }
}
