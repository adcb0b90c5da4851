// A Piscina task (run in the engine's pool with `filename` set to this
// module): the Arrow chunks of one file → one Parquet file. Chunks are read in
// place from the batches' SharedArrayBuffers and streamed through
// parquet-wasm's writer one record batch at a time, so a worker's WebAssembly
// memory holds about one row group (parquet.row.group.bytes) and one chunk,
// never the whole file.
import { Compression, Table, transformParquetStream, WriterPropertiesBuilder, type RecordBatch } from 'parquet-wasm';
import { isWorkerThread, move } from 'piscina';

export interface FilePiece {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
  /** Rows [rowStart, rowEnd) of the chunk belong to this file. */
  rowStart: number;
  rowEnd: number;
  /** Rows in the whole chunk. */
  rows: number;
}

export type ParquetCodec = 'snappy' | 'zstd' | 'gzip' | 'brotli' | 'lz4' | 'lz4_raw' | 'none' | 'uncompressed';

export interface FileTask {
  pieces: FilePiece[];
  codec: ParquetCodec;
  rowGroupBytes: number;
  /** Parquet key-value metadata (offset range, topic, partition). */
  metadata: Record<string, string>;
}

const SLICES_PER_ROW_GROUP = 16;
const DICTIONARY_PAGE_BYTES = 64 * 1024;

const CODECS: Record<ParquetCodec, Compression> = {
  snappy: Compression.SNAPPY,
  zstd: Compression.ZSTD,
  gzip: Compression.GZIP,
  brotli: Compression.BROTLI,
  lz4: Compression.LZ4,
  lz4_raw: Compression.LZ4_RAW,
  none: Compression.UNCOMPRESSED,
  uncompressed: Compression.UNCOMPRESSED,
};

/** Returns the Parquet bytes (moved, not copied, to the main thread). */
export default async function writeParquetFile(task: FileTask): Promise<Uint8Array> {
  const parquet = await parquetBytes(task);
  return isWorkerThread ? (move(parquet) as unknown as Uint8Array) : parquet;
}

/** The Parquet file of the task's pieces. */
export async function parquetBytes(task: FileTask): Promise<Uint8Array> {
  let next = 0;
  let rows = 0;
  const batches = new ReadableStream<RecordBatch>({
    pull(controller) {
      if (next >= task.pieces.length) {
        controller.close();
        return;
      }
      const p = task.pieces[next++]!;
      const table = Table.fromIPCStream(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
      // The writer checks the row group size after each batch it is given:
      // small slices make row groups close to parquet.row.group.bytes.
      const step = Math.max(1, Math.floor(task.rowGroupBytes / SLICES_PER_ROW_GROUP / Math.max(1, p.byteLength / Math.max(1, p.rows))));
      let seen = 0;
      for (const b of table.recordBatches()) {
        const n = b.numRows;
        const from = Math.max(p.rowStart - seen, 0);
        const to = Math.min(p.rowEnd - seen, n);
        for (let at = from; at < to; at += step) {
          const len = Math.min(step, to - at);
          controller.enqueue(b.slice(at, len));
          rows += len;
        }
        b.free();
        seen += n;
      }
      table.free();
    },
  });
  const props = new WriterPropertiesBuilder()
    .setCompression(CODECS[task.codec])
    // Dictionaries pay off for low-cardinality columns; a small page limit
    // makes high-cardinality ones fall back to plain early instead of
    // building a big dictionary first (3× faster, smaller files, measured).
    .setDictionaryPageSizeLimit(DICTIONARY_PAGE_BYTES)
    .setMaxRowGroupBytes(task.rowGroupBytes)
    .setCreatedBy('sluice (parquet-wasm)')
    .setKeyValueMetadata(new Map(Object.entries(task.metadata)))
    .build();
  const out = await transformParquetStream(batches, props);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of out as unknown as AsyncIterable<Uint8Array>) {
    parts.push(chunk);
    size += chunk.length;
  }
  const parquet = new Uint8Array(size);
  let at = 0;
  for (const c of parts) {
    parquet.set(c, at);
    at += c.length;
  }
  if (rows !== expectedRows(task)) throw new Error(`Parquet file has ${rows} rows, expected ${expectedRows(task)}`);
  return parquet;
}

function expectedRows(task: FileTask): number {
  let n = 0;
  for (const p of task.pieces) n += p.rowEnd - p.rowStart;
  return n;
}
