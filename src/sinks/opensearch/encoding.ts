// Worker side of the Elasticsearch / OpenSearch sink: each record becomes
// one _bulk action (and its document line), written as NDJSON straight into
// the worker's byte buffer and handed to the main thread in a
// SharedArrayBuffer, with where each action starts and its offset, so the
// main thread only slices, sends and reads the per-item results.
import { ByteWriter } from '../../workers/byte-writer.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import { ConvertError } from '../../errors.js';
import { describeValue, isStruct, type EncoderOutput, type RecordContext, type WorkerEncoder } from '../../workers/encoder.js';
import { jsonString } from '../common/connect-json.js';
import { DocumentWriter, mappingOf } from './documents.js';
import type { OpenSearchMeta, OpenSearchPlan } from './protocol.js';


const utf8 = new TextDecoder();

export class OpenSearchEncoder implements WorkerEncoder<OpenSearchPlan> {
  private readonly writer = new ByteWriter(1 << 20);
  private plan!: OpenSearchPlan;
  private starts: number[] = [];
  private offsets: number[] = [];
  private ops: number[] = [];
  private mapping: string | undefined;
  private mappingDone = false;
  private dropped: { offset: number; reason: string }[] = [];
  private skippedTombstones = 0;
  private docs = new DocumentWriter(true, true);
  private rawDocs = new DocumentWriter(false, true);
  /** Where the record being added started, to take it back out when it fails. */
  private mark = 0;

  needsKeys(plan: OpenSearchPlan): boolean {
    return !plan.keyIgnore;
  }

  begin(plan: OpenSearchPlan, _topic: string, _partition: number): void {
    this.plan = plan;
    this.writer.reset();
    this.starts = [];
    this.offsets = [];
    this.ops = [];
    this.mapping = undefined;
    this.mappingDone = plan.schemaIgnore || plan.dataStream;
    this.dropped = [];
    this.skippedTombstones = 0;
    this.docs = new DocumentWriter(true, plan.compactMaps);
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    this.guard(ctx, () => {
      if (!this.mappingDone) {
        const m = mappingOf(value.schema);
        if (m) this.mapping = JSON.stringify(m);
        this.mappingDone = true;
      }
      const p = this.plan;
      const id = p.keyIgnore ? `${ctx.topic}+${ctx.partition}+${ctx.offset}` : documentId(key);
      let doc = (p.schemaIgnore ? this.rawDocs : this.docs).document(value.value, value.schema);
      if (doc.charCodeAt(0) !== 0x7b /* { */) {
        throw new ConvertError(`the record value is ${describeValue(value.value)}, not an object: a document needs an object (a struct) value`);
      }
      if (p.dataStream) doc = withTimestamp(doc, value.value, p.timestampFields, ctx.timestamp);
      const w = this.writer;
      this.begin1(ctx.offset, p.dataStream ? 1 : p.writeMethod === 'upsert' ? 2 : 0);
      if (p.dataStream) {
        w.utf8(`{"create":{"_index":${jsonString(p.index)},"_id":${jsonString(id)}}}\n`);
        w.utf8(doc);
      } else if (p.writeMethod === 'upsert') {
        w.utf8(`{"update":{"_index":${jsonString(p.index)},"_id":${jsonString(id)},"retry_on_conflict":${p.retryOnConflict}}}\n{"doc":`);
        w.utf8(doc);
        w.utf8(',"doc_as_upsert":true}');
      } else {
        w.utf8(`{"index":{"_index":${jsonString(p.index)},"_id":${jsonString(id)}${this.version(ctx)}}}\n`);
        w.utf8(doc);
      }
      w.byte(0x0a);
    });
  }

  tombstone(key: Decoded | undefined, ctx: RecordContext): void {
    const p = this.plan;
    // Confluent's sink skips a tombstone without a key: there is no document to name.
    if (p.nullValues === 'ignore' || (p.nullValues === 'delete' && (key === undefined || key.value === null || key.value === undefined))) {
      this.skippedTombstones++;
      return;
    }
    this.guard(ctx, () => {
      if (p.nullValues === 'fail') {
        throw new ConvertError('the record has a null value (a tombstone) and behavior.on.null.values=fail (ignore skips such records, delete deletes the document the key names)');
      }
      const id = p.keyIgnore ? `${ctx.topic}+${ctx.partition}+${ctx.offset}` : documentId(key);
      this.begin1(ctx.offset, 3);
      // Versioned by offset (not for data streams, nor with key.ignore, as Confluent's sink):
      // a delete replayed after a newer write of the same id is refused as older.
      const version = !p.dataStream && !p.keyIgnore ? this.version(ctx) : '';
      this.writer.utf8(`{"delete":{"_index":${jsonString(p.index)},"_id":${jsonString(id)}${version}}}\n`);
    });
  }

  discardCurrent(): void {
    if (this.starts.length > 0 && this.starts[this.starts.length - 1] === this.mark && this.writer.pos >= this.mark) {
      this.starts.pop();
      this.offsets.pop();
      this.ops.pop();
    }
    this.writer.pos = this.mark;
  }

  finish(): EncoderOutput {
    const n = this.starts.length;
    const meta: OpenSearchMeta = {
      starts: Uint32Array.from(this.starts),
      offsets: Float64Array.from(this.offsets),
      ops: Uint8Array.from(this.ops),
      ...(this.mapping ? { mapping: this.mapping } : {}),
      ...(this.dropped.length > 0 ? { dropped: this.dropped } : {}),
      ...(this.skippedTombstones > 0 ? { skippedTombstones: this.skippedTombstones } : {}),
    };
    if (n === 0) return { output: null, outputBytes: 0, rows: 0, meta };
    const w = this.writer;
    const output = new SharedArrayBuffer(w.pos);
    new Uint8Array(output).set(w.buf.subarray(0, w.pos));
    return { output, outputBytes: w.pos, rows: n, meta };
  }

  /** Runs one record's encoding; with drop.invalid.message a ConvertError skips the record instead of failing it. */
  private guard(ctx: RecordContext, fn: () => void): void {
    this.mark = this.writer.pos;
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ConvertError) || !this.plan.dropInvalid) throw err;
      this.discardCurrent();
      this.dropped.push({ offset: ctx.offset, reason: err.message });
    }
  }

  private begin1(offset: number, op: number): void {
    this.starts.push(this.writer.pos);
    this.offsets.push(offset);
    this.ops.push(op);
  }

  /** external versioning: the offset, or the version header's value. */
  private version(ctx: RecordContext): string {
    const header = this.plan.versionHeader;
    let v: string = String(ctx.offset);
    if (header) {
      const h = ctx.headers().filter((x) => x.name === header).pop();
      const text = h?.value ? utf8.decode(h.value).trim() : undefined;
      if (text === undefined || !/^-?\d+$/.test(text)) {
        throw new ConvertError(`external.version.header: the record's header ${JSON.stringify(header)} ${text === undefined ? 'is missing' : `is ${JSON.stringify(text)}, not an integer`}`);
      }
      v = text;
    }
    return `,"version":${v},"version_type":"external"`;
  }
}

/** The record key as a document id: a string or an integer, as Confluent's sink takes it. */
function documentId(key: Decoded | undefined): string {
  const k = key?.value;
  if (k === null || k === undefined) throw new ConvertError('key: the record has no key, which is the document id with key.ignore=false (set key.ignore=true for topic+partition+offset ids)');
  if (typeof k === 'string') {
    if (k.length === 0) throw new ConvertError('key: the key is empty, and it is the document id with key.ignore=false');
    return k;
  }
  if (typeof k === 'bigint' || (typeof k === 'number' && Number.isInteger(k))) return String(k);
  throw new ConvertError(`key: the key is ${describeValue(k)}; a document id must be a string or an integer key (or set key.ignore=true)`);
}

/** The document with @timestamp set (data streams): a value field's text, or the record timestamp in ms. */
function withTimestamp(doc: string, value: unknown, fields: readonly string[], timestamp: number): string {
  let ts: string | undefined;
  if (fields.length > 0) {
    const o = isStruct(value) ? value : {};
    for (const f of fields) {
      const v = o[f];
      if (v === undefined || v === null) continue;
      ts = jsonString(v instanceof Date ? String(v.getTime()) : typeof v === 'object' ? JSON.stringify(v) : String(v));
      break;
    }
    if (ts === undefined) throw new ConvertError(`none of data.stream.timestamp.field (${fields.join(', ')}) is in the value, and a data stream document needs @timestamp`);
  } else ts = String(timestamp);
  if (isStruct(value) && Object.hasOwn(value, '@timestamp')) {
    const o = JSON.parse(doc) as Record<string, unknown>;
    o['@timestamp'] = JSON.parse(ts);
    return JSON.stringify(o);
  }
  return doc === '{}' ? `{"@timestamp":${ts}}` : `${doc.slice(0, -1)},"@timestamp":${ts}}`;
}
