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
import { dataStreamNameOf, indexNameOf, type OpenSearchMeta, type OpenSearchPlan } from './protocol.js';

/** What a record's (routed) topic decides: where it goes, its id, its document form. */
interface Target {
  index: string;
  keyIgnore: boolean;
  schemaIgnore: boolean;
  /** Position in the batch's meta.indices. */
  slot: number;
  mappingDone: boolean;
}


const utf8 = new TextDecoder();

export class OpenSearchEncoder implements WorkerEncoder<OpenSearchPlan> {
  private readonly writer = new ByteWriter(1 << 20);
  private plan!: OpenSearchPlan;
  private starts: number[] = [];
  private offsets: number[] = [];
  private ops: number[] = [];
  private targets = new Map<string, Target>();
  private indices: { name: string; mapping?: string }[] = [];
  private dropped: { offset: number; reason: string }[] = [];
  private skippedTombstones = 0;
  private docs = new DocumentWriter(true, true);
  private rawDocs = new DocumentWriter(false, true);
  /** Where the record being added started, to take it back out when it fails. */
  private mark = 0;

  needsKeys(plan: OpenSearchPlan): boolean {
    // topic.key.ignore names routed topics: keys are read unless every topic ignores them.
    return !plan.keyIgnore;
  }

  begin(plan: OpenSearchPlan, _topic: string, _partition: number): void {
    this.plan = plan;
    this.writer.reset();
    this.starts = [];
    this.offsets = [];
    this.ops = [];
    this.targets = new Map();
    this.indices = [];
    this.dropped = [];
    this.skippedTombstones = 0;
    this.docs = new DocumentWriter(true, plan.compactMaps);
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    this.guard(ctx, () => {
      const t = this.target(ctx.topic);
      if (!t.mappingDone) {
        // Confluent's sink puts the mapping of the first record an index gets (ElasticsearchSinkTask.checkMapping).
        const m = mappingOf(value.schema);
        if (m) this.indices[t.slot]!.mapping = JSON.stringify(m);
        t.mappingDone = true;
      }
      const p = this.plan;
      const id = t.keyIgnore ? `${ctx.topic}+${ctx.partition}+${ctx.offset}` : documentId(key);
      let doc = (t.schemaIgnore ? this.rawDocs : this.docs).document(value.value, value.schema);
      if (doc.charCodeAt(0) !== 0x7b /* { */) {
        throw new ConvertError(`the record value is ${describeValue(value.value)}, not an object: a document needs an object (a struct) value`);
      }
      if (p.dataStream) doc = withTimestamp(doc, value.value, p.timestampFields, ctx.timestamp);
      const w = this.writer;
      this.begin1(ctx.offset, p.dataStream ? 1 : p.writeMethod === 'upsert' ? 2 : 0);
      if (p.dataStream) {
        w.utf8(`{"create":{"_index":${jsonString(t.index)},"_id":${jsonString(id)}}}\n`);
        w.utf8(doc);
      } else if (p.writeMethod === 'upsert') {
        w.utf8(`{"update":{"_index":${jsonString(t.index)},"_id":${jsonString(id)},"retry_on_conflict":${p.retryOnConflict}}}\n{"doc":`);
        w.utf8(doc);
        w.utf8(',"doc_as_upsert":true}');
      } else {
        w.utf8(`{"index":{"_index":${jsonString(t.index)},"_id":${jsonString(id)}${this.version(ctx)}}}\n`);
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
      const t = this.target(ctx.topic);
      const id = t.keyIgnore ? `${ctx.topic}+${ctx.partition}+${ctx.offset}` : documentId(key);
      this.begin1(ctx.offset, 3);
      // Versioned by offset (not for data streams, nor with key.ignore, as Confluent's sink):
      // a delete replayed after a newer write of the same id is refused as older.
      const version = !p.dataStream && !t.keyIgnore ? this.version(ctx) : '';
      this.writer.utf8(`{"delete":{"_index":${jsonString(t.index)},"_id":${jsonString(id)}${version}}}\n`);
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
      indices: this.indices,
      ...(this.dropped.length > 0 ? { dropped: this.dropped } : {}),
      ...(this.skippedTombstones > 0 ? { skippedTombstones: this.skippedTombstones } : {}),
    };
    if (n === 0) return { output: null, outputBytes: 0, rows: 0, meta };
    const w = this.writer;
    const output = new SharedArrayBuffer(w.pos);
    new Uint8Array(output).set(w.buf.subarray(0, w.pos));
    return { output, outputBytes: w.pos, rows: n, meta };
  }

  /** The index (or data stream) and settings of a record's topic after the transforms. */
  private target(topic: string): Target {
    let t = this.targets.get(topic);
    if (!t) {
      const p = this.plan;
      const ds = p.dataStream;
      const index = ds ? dataStreamNameOf(ds.type, ds.dataset, topic, ds.namespace) : indexNameOf(topic);
      const schemaIgnore = p.schemaIgnore || p.schemaIgnoreTopics.includes(topic);
      let slot = this.indices.findIndex((x) => x.name === index);
      if (slot < 0) slot = this.indices.push({ name: index }) - 1;
      // An index already given a mapping by another topic of the batch keeps it.
      const mappingDone = schemaIgnore || ds !== undefined || this.indices[slot]!.mapping !== undefined;
      t = { index, keyIgnore: p.keyIgnore || p.keyIgnoreTopics.includes(topic), schemaIgnore, slot, mappingDone };
      this.targets.set(topic, t);
    }
    return t;
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
