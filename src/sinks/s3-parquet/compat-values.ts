// schema.compatibility: the one projection a schema check cannot vouch for.
// Kafka Connect widens an int32/int64 into a float32, or an int64 into a
// float64, with Java's casts, which round; Sluice never writes a different
// value (compatibility.ts refuses it). So where a record's schema would be
// projected to its file's through such a widening, each row is decoded here,
// on the main thread as it is placed, and a row whose number has no exact
// value in the wider type closes the set like a schema change (compat-check.ts)
// instead of stopping Sluice when the file is written: it starts a file of
// its own schema and keeps its exact value. Rows of every other pair are
// never decoded here. Loaded by the sink only with compatibility on (it
// brings the Avro decoder to the main thread).
import { avroType } from '../../workers/decode/decoders.js';
import { project, ProjectionError, type CSchema } from './compatibility.js';
import { connectSchemaOfText } from './compat-check.js';
import { decodeConnectRow, isConnectSchemaText } from './compat-connect.js';
import { align8, type ChunkMeta } from './layout.js';

/** Whether projecting `s` onto `t` widens an integer into a floating type that cannot hold every value of it. */
export function widensInexactly(s: CSchema, t: CSchema): boolean {
  if (s.type !== t.type) {
    return (t.type === 'float32' && (s.type === 'int32' || s.type === 'int64')) || (t.type === 'float64' && s.type === 'int64');
  }
  switch (s.type) {
    case 'struct':
      return (s.fields ?? []).some((f) => {
        const tf = t.fields?.find((x) => x.name === f.name);
        return tf !== undefined && widensInexactly(f.schema, tf.schema);
      });
    case 'array':
      return widensInexactly(s.items!, t.items!);
    case 'map':
      return (s.keys !== undefined && t.keys !== undefined && widensInexactly(s.keys, t.keys)) || widensInexactly(s.values!, t.values!);
    default:
      return false;
  }
}

const pairs = new Map<string, boolean>();
let last: { file: string; text: string; lossy: boolean } | undefined;
const decoders = new Map<string, (b: Uint8Array) => unknown>();

function decoderOf(text: string): (b: Uint8Array) => unknown {
  let d = decoders.get(text);
  if (!d) {
    if (isConnectSchemaText(text)) d = decodeConnectRow;
    else {
      const type = avroType(JSON.parse(text));
      d = (b) => type.fromBuffer(Buffer.from(b.buffer, b.byteOffset, b.byteLength)) as unknown;
    }
    if (decoders.size > 1000) decoders.clear();
    decoders.set(text, d);
  }
  return d;
}

/**
 * For rotation.ts: undefined when every value of `chunk`'s schema projects to
 * the file's schema `fileText` (no value need be looked at); otherwise
 * whether the chunk's row `row` does.
 */
export function rowProjects(fileText: string, chunk: Pick<ChunkMeta, 'schema' | 'byteOffset' | 'rows'> & { buffer: SharedArrayBuffer }, row: number): boolean | undefined {
  const text = chunk.schema;
  if (text === undefined || text === fileText) return undefined;
  let lossy = last && last.file === fileText && last.text === text ? last.lossy : pairs.get(`${fileText}\u0000${text}`);
  if (lossy === undefined) {
    const key = `${fileText}\u0000${text}`;
    try {
      lossy = widensInexactly(connectSchemaOfText(text), connectSchemaOfText(fileText));
    } catch {
      lossy = false; // a schema Sluice cannot view: compat-check.ts has rotated already
    }
    if (pairs.size > 10_000) pairs.clear();
    pairs.set(key, lossy);
  }
  last = { file: fileText, text, lossy };
  if (!lossy) return undefined;
  const ends = new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.rows);
  const from = row === 0 ? 0 : ends[row - 1]!;
  const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset + align8(4 * chunk.rows) + from, ends[row]! - from);
  try {
    project(connectSchemaOfText(text), decoderOf(text)(bytes), connectSchemaOfText(fileText));
    return true;
  } catch (err) {
    if (err instanceof ProjectionError) return false;
    throw err;
  }
}
