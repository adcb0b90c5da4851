// A Piscina task (run in the engine's pool with `filename` set to this
// module): the record chunks of one JsonFormat or AvroFormat file → the
// object's bytes. JSON: the rows' lines, gzipped with
// s3.compression.type=gzip. Avro: an object container file, the schema of
// the file's chunks in its header, blocks of about 64 KB compressed with
// avro.codec. Rows are read in place from the batches' SharedArrayBuffers.
import { isWorkerThread, move } from 'piscina';
import { gzipSync } from 'node:zlib';
import { BLOCK_BYTES, containerBlock, containerHeader, newSyncMarker } from './avro-format.js';
import { align8 } from './layout.js';
import type { FilePiece } from './file-task.js';
import type { AvroCodec } from './formats.js';

export interface RecordFileTask {
  format: 'json' | 'avro';
  pieces: FilePiece[];
  gzip?: boolean;
  gzipLevel?: number;
  avroCodec?: AvroCodec;
  /** AvroFormat: the file's schema (every piece has it). */
  schema?: string;
}

/** Bytes [from, to) of the piece's rows, and each row's end within them. */
function rowsOf(p: FilePiece): { bytes: Uint8Array; ends: Uint32Array; base: number } {
  const ends = new Uint32Array(p.buffer, p.byteOffset, p.rows);
  const dataAt = p.byteOffset + align8(4 * p.rows);
  const from = p.rowStart === 0 ? 0 : ends[p.rowStart - 1]!;
  const to = p.rowEnd === 0 ? 0 : ends[p.rowEnd - 1]!;
  return { bytes: new Uint8Array(p.buffer, dataAt + from, to - from), ends, base: from };
}

export default async function writeRecordFile(task: RecordFileTask): Promise<Uint8Array> {
  const out = task.format === 'json' ? jsonFile(task) : await avroFile(task);
  return isWorkerThread ? (move(out) as unknown as Uint8Array) : out;
}

function jsonFile(task: RecordFileTask): Uint8Array {
  const parts = task.pieces.map((p) => rowsOf(p).bytes);
  const body = Buffer.concat(parts);
  if (!task.gzip) return new Uint8Array(body.buffer, body.byteOffset, body.length);
  const z = gzipSync(body, { level: task.gzipLevel ?? -1 });
  return new Uint8Array(z.buffer, z.byteOffset, z.length);
}

export async function avroFile(task: RecordFileTask): Promise<Uint8Array> {
  const codec = task.avroCodec ?? 'null';
  const sync = newSyncMarker();
  const out: Buffer[] = [containerHeader(task.schema!, codec, sync)];
  let block: Buffer[] = [];
  let blockBytes = 0;
  let count = 0;
  const flush = async () => {
    if (count === 0) return;
    out.push(await containerBlock(Buffer.concat(block, blockBytes), count, codec, sync));
    block = [];
    blockBytes = 0;
    count = 0;
  };
  for (const p of task.pieces) {
    const { bytes, ends, base } = rowsOf(p);
    // Whole rows into blocks of about BLOCK_BYTES, as Avro's DataFileWriter cuts them.
    let start = 0;
    for (let r = p.rowStart; r < p.rowEnd; r++) {
      const end = ends[r]! - base;
      count++;
      if (blockBytes + end - start >= BLOCK_BYTES || r === p.rowEnd - 1) {
        const slice = bytes.subarray(start, end);
        block.push(Buffer.from(slice.buffer, slice.byteOffset, slice.length));
        blockBytes += slice.length;
        start = end;
        if (blockBytes >= BLOCK_BYTES) await flush();
      }
    }
  }
  await flush();
  const file = Buffer.concat(out);
  return new Uint8Array(file.buffer, file.byteOffset, file.length);
}
