// Baseline (d): single-thread Parquet encode of the same rows. Rows become
// Arrow columns (apache-arrow), then one Parquet file per `rowsPerFile` rows
// (parquet-wasm, the writer the S3 sink uses), snappy by default. This is
// what one thread can do with no Kafka, no decode and no upload.
import { Bool, Decimal, Field, Float64, Int32, Int64, List, makeData, makeVector, Table, tableToIPC, TimestampMillisecond, Utf8, type Vector } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import type { Row, Shape, ShapeColumn } from './shapes/shape.js';

const DICTIONARY_PAGE_BYTES = 64 * 1024;

const CODECS: Record<string, Compression> = {
  snappy: Compression.SNAPPY, zstd: Compression.ZSTD, gzip: Compression.GZIP, none: Compression.UNCOMPRESSED, uncompressed: Compression.UNCOMPRESSED,
};

const utf8 = new TextEncoder();

/** Validity bitmap (1 = present), or undefined when nothing is null. */
function validity(values: readonly unknown[]): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v == null) nullCount++;
  if (nullCount === 0) return { bitmap: undefined, nullCount };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] != null) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nullCount };
}

// Columns are built straight into Arrow's buffers: the baseline should be as
// fast as one thread can go, not as fast as a generic builder goes.
function column(c: ShapeColumn, values: unknown[]): Vector {
  const n = values.length;
  const { bitmap: nullBitmap, nullCount } = validity(values);
  switch (c.parquet) {
    case 'int64':
    case 'timestamp-ms': {
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) if (values[i] != null) data[i] = BigInt(values[i] as number);
      const type = c.parquet === 'int64' ? new Int64() : new TimestampMillisecond('UTC');
      return makeVector(makeData({ type: type as Int64, length: n, nullCount, nullBitmap, data }));
    }
    case 'int32': {
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = (values[i] as number) ?? 0;
      return makeVector(makeData({ type: new Int32(), length: n, nullCount, nullBitmap, data }));
    }
    case 'float64': {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = (values[i] as number) ?? 0;
      return makeVector(makeData({ type: new Float64(), length: n, nullCount, nullBitmap, data }));
    }
    case 'bool': {
      const data = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
      return makeVector(makeData({ type: new Bool(), length: n, nullCount, nullBitmap, data }));
    }
    case 'utf8': {
      const { valueOffsets, data } = utf8Buffers(values as (string | null)[]);
      return makeVector(makeData({ type: new Utf8(), length: n, nullCount, nullBitmap, valueOffsets, data }));
    }
    case 'utf8-list': {
      const lists = values as (string[] | null)[];
      const valueOffsets = new Int32Array(n + 1);
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        for (const s of lists[i] ?? []) items.push(s);
        valueOffsets[i + 1] = items.length;
      }
      const child = utf8Buffers(items);
      const childData = makeData({ type: new Utf8(), length: items.length, nullCount: 0, valueOffsets: child.valueOffsets, data: child.data });
      return makeVector(makeData({ type: new List(new Field('item', new Utf8(), true)), length: n, nullCount, nullBitmap, valueOffsets, child: childData }));
    }
    case 'decimal': return decimalVector(values as bigint[], c.precision ?? 38, c.scale ?? 0);
  }
}

function utf8Buffers(values: readonly (string | null)[]): { valueOffsets: Int32Array; data: Uint8Array } {
  const n = values.length;
  let max = 0;
  for (const s of values) if (s != null) max += s.length * 3;
  const data = new Uint8Array(max);
  const valueOffsets = new Int32Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s != null) pos += utf8.encodeInto(s, data.subarray(pos)).written;
    valueOffsets[i + 1] = pos;
  }
  return { valueOffsets, data: data.subarray(0, pos) };
}

/** Decimal128 as four little-endian 32-bit words per value (what Arrow stores). */
function decimalVector(values: bigint[], precision: number, scale: number): Vector {
  const words = new Uint32Array(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    let v = BigInt.asUintN(128, values[i]!);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(v & 0xffffffffn);
      v >>= 32n;
    }
  }
  const type = new Decimal(scale, precision, 128);
  return makeVector(makeData({ type, length: values.length, nullCount: 0, data: words }));
}

/** Rows → one Parquet file's bytes. */
export function encodeParquetFile(shape: Shape, rows: readonly Row[], codec = 'snappy', dictionary = true): Uint8Array {
  const cols: Record<string, unknown[]> = {};
  for (const c of shape.columns) cols[c.name] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = shape.columnar(rows[i]!);
    for (const c of shape.columns) cols[c.name]![i] = r[c.name] ?? null;
  }
  const vectors: Record<string, Vector> = {};
  for (const c of shape.columns) vectors[c.name] = column(c, cols[c.name]!);
  const table = new Table(vectors);
  const wasm = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
  // The writer settings the S3 sink uses (src/sinks/s3-parquet/file-task.ts):
  // the baseline is the best one thread does with the same writer.
  const props = new WriterPropertiesBuilder()
    .setCompression(CODECS[codec.toLowerCase()] ?? Compression.SNAPPY)
    .setDictionaryEnabled(dictionary)
    .setDictionaryPageSizeLimit(DICTIONARY_PAGE_BYTES)
    .build();
  return writeParquet(wasm, props);
}
