// schema.compatibility: when a record closes its file (Confluent's
// StorageSchemaCompatibility.shouldChangeSchema since CC-38689, case by case
// as its StorageSchemaCompatibilityTest has them), how parameters compare
// (its SchemaProjector: docs left out, enum symbols a subset), and the records
// its TopicPartitionWriter hands to the errant-record reporter ("Schema
// version required"): left out of the file, sent to the dead-letter path with
// errors.tolerance=all, or stopping Sluice.
import { describe, expect, it } from 'vitest';
import { connectSchemaOf, project, type CSchema } from '../../src/sinks/s3-parquet/compatibility.js';
import { fileSchemaChange, schemaChange, structuralChange } from '../../src/sinks/s3-parquet/compat-check.js';
import { paramsCompatible } from '../../src/sinks/s3-parquet/compat-params.js';
import { PartitionRotation, type ChunkRef, type FileSet } from '../../src/sinks/s3-parquet/rotation.js';
import { errantReporter, type ErrantTicket } from '../../src/sinks/s3-parquet/errant.js';
import type { EncodedBatch, RejectedRecord } from '../../src/sinks/common/sink.js';
import { SluiceError } from '../../src/errors.js';
import { rowProjects, widensInexactly } from '../../src/sinks/s3-parquet/compat-values.js';
import writeCompatFile from '../../src/sinks/s3-parquet/compat-file-task.js';
import type { S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import { S3FormatEncoder } from '../../src/sinks/s3-parquet/format-encoder.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { recordSchemaFromAvro, setRegistryVersion, type RecordSchema } from '../../src/workers/schema.js';

const rec = (fields: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'record', name: 'Order', namespace: 'shop', fields, ...extra });
const c = (avro: unknown) => connectSchemaOf(avro);
const prim = (type: CSchema['type'], more: Partial<CSchema> = {}): CSchema => ({ type, optional: false, params: '[]', ...more });
const params = (o: Record<string, string>) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
const avroEnum = (symbols: string[]) => ({ type: 'enum', name: 'Color', namespace: 'shop', symbols });
/** A Protobuf enum as ProtobufData gives it: a string with io.confluent.connect.protobuf.Enum parameters. */
const pbEnum = (symbols: string[]) => prim('string', {
  name: 'Color',
  params: params(Object.fromEntries([['io.confluent.connect.protobuf.Enum', 'Color'], ...symbols.map((s, i) => [`io.confluent.connect.protobuf.Enum.${s}`, String(i)])])),
});

describe('structural checks (checkSchemaCompatibility): what projection cannot bridge rotates, at any depth', () => {
  it('equal and projectable schemas do not rotate: extra record fields, a file field with a default or optional, numeric widening', () => {
    const file = c(rec([{ name: 'id', type: 'long' }, { name: 'note', type: ['null', 'string'], default: null }, { name: 's', type: 'string', default: 'x' }, { name: 'n', type: 'double' }]));
    const record = c(rec([{ name: 'id', type: 'int' }, { name: 'n', type: 'float' }, { name: 'gone', type: 'string' }]));
    expect(structuralChange(record, file)).toBeUndefined();
    expect(structuralChange(file, file)).toBeUndefined();
  });

  it('a different top-level name, type or parameters rotates (CC-5963), whatever the versions say', () => {
    const a = c(rec([{ name: 'id', type: 'long' }]));
    const renamed = c({ ...rec([{ name: 'id', type: 'long' }]), name: 'Purchase' });
    expect(structuralChange(renamed, a)).toEqual({ type: 'DIFFERENT_NAME', path: '' });
    for (const compat of ['backward', 'forward', 'full'] as const) {
      expect(schemaChange(compat, renamed, 1, a, 2)?.type).toBe('DIFFERENT_NAME');
      expect(schemaChange(compat, renamed, 2, a, 1)?.type).toBe('DIFFERENT_NAME');
    }
    expect(structuralChange(prim('string'), prim('int32'))).toEqual({ type: 'DIFFERENT_TYPE', path: '' });
    expect(structuralChange(prim('int64'), prim('int32'))).toEqual({ type: 'DIFFERENT_TYPE', path: '' });
    expect(structuralChange(prim('int32'), prim('int64'))).toBeUndefined();
    const withParams = c(rec([{ name: 'id', type: 'long' }], { 'connect.parameters': { owner: 'sales' } }));
    expect(structuralChange(withParams, a)).toEqual({ type: 'DIFFERENT_PARAMS', path: '' });
  });

  it('nested differences rotate too (CC-38689), naming where: a struct field\'s type, a decimal\'s scale, an enum in an array or a map', () => {
    const line = (qty: unknown) => ({ type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: qty }] });
    const file = c(rec([{ name: 'line', type: line('int') }]));
    expect(structuralChange(c(rec([{ name: 'line', type: line('string') }])), file)).toEqual({ type: 'DIFFERENT_TYPE', path: 'line.qty' });
    expect(structuralChange(c(rec([{ name: 'line', type: line('int') }])), file)).toBeUndefined();
    const dec = (scale: number) => c(rec([{ name: 'x', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale } }]));
    expect(structuralChange(dec(2), dec(3))).toEqual({ type: 'DIFFERENT_PARAMS', path: 'x' });
    const inArray = (symbols: string[]) => c(rec([{ name: 'colors', type: { type: 'array', items: avroEnum(symbols) } }]));
    expect(structuralChange(inArray(['RED', 'BLUE']), inArray(['RED']))).toEqual({ type: 'DIFFERENT_PARAMS', path: 'colors[]' });
    const inMap = (symbols: string[]) => c(rec([{ name: 'm', type: { type: 'map', values: avroEnum(symbols) } }]));
    expect(structuralChange(inMap(['RED', 'BLUE']), inMap(['RED']))).toEqual({ type: 'DIFFERENT_PARAMS', path: 'm{}' });
    const mapOf = (keys: CSchema, values: CSchema): CSchema => prim('map', { keys, values });
    expect(structuralChange(mapOf(prim('string'), prim('int32')), mapOf(prim('int32'), prim('int32')))).toEqual({ type: 'DIFFERENT_TYPE', path: '{key}' });
  });

  it('enums: symbols added to the record\'s enum rotate; symbols removed do not (Avro and Protobuf, top level and nested)', () => {
    const e = (symbols: string[]) => c(avroEnum(symbols));
    expect(structuralChange(e(['RED', 'GREEN', 'BLUE']), e(['RED', 'GREEN']))).toEqual({ type: 'DIFFERENT_PARAMS', path: '' });
    expect(structuralChange(e(['RED', 'GREEN']), e(['RED', 'GREEN', 'BLUE']))).toBeUndefined();
    expect(structuralChange(pbEnum(['RED', 'GREEN', 'BLUE']), pbEnum(['RED', 'GREEN']))).toEqual({ type: 'DIFFERENT_PARAMS', path: '' });
    expect(structuralChange(pbEnum(['RED', 'GREEN']), pbEnum(['RED', 'GREEN', 'BLUE']))).toBeUndefined();
    const nested = (symbols: string[]) => c(rec([{ name: 'color', type: avroEnum(symbols) }]));
    expect(structuralChange(nested(['RED', 'BLUE']), nested(['RED']))).toEqual({ type: 'DIFFERENT_PARAMS', path: 'color' });
    expect(structuralChange(nested(['RED']), nested(['RED', 'BLUE']))).toBeUndefined();
    // And projection agrees: the record's symbols are the file's.
    expect(project(nested(['RED']), { color: 'RED' }, nested(['RED', 'BLUE']))).toEqual({ color: 'RED' });
  });

  it('docs do not count (filterMetadataParameters): a record or field doc changed neither rotates nor fails projection', () => {
    const plain = c(rec([{ name: 'id', type: 'long' }]));
    const documented = c(rec([{ name: 'id', type: 'long', doc: 'the id' }], { doc: 'an order' }));
    expect(structuralChange(documented, plain)).toBeUndefined();
    expect(structuralChange(plain, documented)).toBeUndefined();
    expect(project(documented, { id: 1 }, plain)).toEqual({ id: 1 });
    expect(paramsCompatible({ params: params({ 'connect.record.doc': 'a', k: 'v' }) }, { params: params({ k: 'v' }) })).toBe(true);
    expect(paramsCompatible({ params: params({ k: 'v' }) }, { params: params({ k: 'w' }) })).toBe(false);
    // Other parameters still count: a default added to a field is AvroData's io.confluent.connect.avro.field.default.
    expect(structuralChange(c(rec([{ name: 'a', type: 'int' }])), c(rec([{ name: 'a', type: 'int', default: 0 }])))).toEqual({ type: 'DIFFERENT_PARAMS', path: 'a' });
  });

  it('optionality: an optional record field against a required file field rotates without a default, not with one', () => {
    expect(structuralChange(prim('int32', { optional: true }), prim('int32'))).toEqual({ type: 'INCOMPATIBLE_OPTIONALITY', path: '' });
    expect(structuralChange(prim('int32', { optional: true }), prim('int32', { default: 0 }))).toBeUndefined();
    expect(structuralChange(prim('int32'), prim('int32', { optional: true }))).toBeUndefined();
    const file = prim('struct', { fields: [{ name: 'a', schema: prim('int32') }] });
    const record = prim('struct', { fields: [{ name: 'a', schema: prim('int32', { optional: true }) }] });
    expect(structuralChange(record, file)).toEqual({ type: 'INCOMPATIBLE_OPTIONALITY', path: 'a' });
  });

  it('a required file field without default that the record lacks rotates (MISSING_REQUIRED_FIELD); with a default or optional it does not', () => {
    const v1 = c(rec([{ name: 'id', type: 'long' }]));
    expect(structuralChange(v1, c(rec([{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }])))).toEqual({ type: 'MISSING_REQUIRED_FIELD', path: 'sku' });
    expect(structuralChange(v1, c(rec([{ name: 'id', type: 'long' }, { name: 'sku', type: 'string', default: '' }])))).toBeUndefined();
    expect(structuralChange(v1, c(rec([{ name: 'id', type: 'long' }, { name: 'sku', type: ['null', 'string'], default: null }])))).toBeUndefined();
  });

  it('unions of other branches rotate (Sluice projects a union only onto the very same one)', () => {
    const u = (branches: unknown[]) => c(rec([{ name: 'v', type: branches }]));
    expect(structuralChange(u(['int', 'string']), u(['int', 'string', 'long']))).toEqual({ type: 'DIFFERENT_TYPE', path: 'v' });
    expect(structuralChange(u(['int', 'string']), u(['int', 'string']))).toBeUndefined();
  });
});

describe('versions (checkVersions), after the structural checks', () => {
  const a = c(rec([{ name: 'id', type: 'long' }]));
  const b = c(rec([{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }]));

  it('BACKWARD and FULL rotate for a newer record, FORWARD for an older one; equal versions never', () => {
    for (const compat of ['backward', 'full'] as const) {
      expect(schemaChange(compat, b, 2, a, 1)).toEqual({ type: 'DIFFERENT_VERSION', path: '' });
      expect(schemaChange(compat, a, 1, b, 2)).toBeUndefined();
      expect(schemaChange(compat, a, 2, b, 2)).toBeUndefined();
    }
    expect(schemaChange('forward', a, 1, b, 2)).toEqual({ type: 'DIFFERENT_VERSION', path: '' });
    expect(schemaChange('forward', b, 2, a, 1)).toBeUndefined();
  });

  it('a structural change is reported before the versions', () => {
    expect(schemaChange('backward', a, 2, c(rec([{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }])), 1)?.type).toBe('MISSING_REQUIRED_FIELD');
  });

  it('on schema texts (what rotation.ts has): Avro writer schemas, the same text deciding by version only, a text Sluice cannot read rotating', () => {
    const t1 = JSON.stringify(rec([{ name: 'id', type: 'long' }]));
    const t2 = JSON.stringify(rec([{ name: 'id', type: 'long' }, { name: 'sku', type: 'string' }]));
    expect(fileSchemaChange('backward', { schema: t2, version: 2 }, { schema: t1, version: 1 })?.type).toBe('MISSING_REQUIRED_FIELD');
    expect(fileSchemaChange('backward', { schema: t1, version: 1 }, { schema: t2, version: 2 })?.type).toBe('DIFFERENT_VERSION');
    expect(fileSchemaChange('forward', { schema: t1, version: 1 }, { schema: t2, version: 2 })).toBeUndefined();
    expect(fileSchemaChange('backward', { schema: t1, version: 1 }, { schema: t1, version: 1 })).toBeUndefined();
    expect(fileSchemaChange('backward', { schema: t1, version: 2 }, { schema: '{"type":"nonsense"}', version: 1 })?.type).toBe('DIFFERENT_TYPE');
  });
});

// ---------- the errant-record path ----------

const sab = new SharedArrayBuffer(8);
const chunk = (schema: string, version: number | undefined, rows: number): ChunkRef => ({
  path: 'p', schemaKey: schema, schema, ...(version !== undefined ? { version } : {}), byteOffset: 0, byteLength: rows, rows, buffer: sab, bytesPerRow: 1,
});

/** Rows 0-1 of a versioned schema, 2-3 of one without a version (a Connect JSON envelope without "version"), 4 of the first again. */
function placeMixed(errant?: Parameters<PartitionRotation<string>['addBatch']>[6]) {
  const closed: FileSet<string>[] = [];
  const r = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, compatibility: 'backward' }, {
    where: 'topic t partition 0', now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s),
  });
  const table = { rows: 5, offsets: Float64Array.from([10, 11, 12, 13, 14]), times: new Float64Array(5), groups: Uint32Array.from([0, 0, 1, 1, 0]) };
  r.addBatch('b', 5, table, [chunk('A', 1, 3), chunk('B', undefined, 2)], 10, 14, errant);
  r.close('flush');
  return closed;
}

describe('records Confluent hands to its errant-record reporter ("Schema version required")', () => {
  it('without a reporter they stop Sluice, naming topic, partition and offset', () => {
    expect(() => placeMixed()).toThrow(/^topic t partition 0 offset 12: schema.compatibility=BACKWARD .*Schema version required for BACKWARD compatibility/);
  });

  it('with one they are left out of the file, reported with their offsets, and stay in the set\'s offset range', () => {
    const reported: [readonly number[], string][] = [];
    const closed = placeMixed((_set, _t, offsets, reason) => reported.push([offsets, reason]));
    expect(reported).toEqual([[[12, 13], expect.stringMatching(/^schema.compatibility=BACKWARD .*this record's value schema has no version/)]]);
    expect(closed).toHaveLength(1);
    expect([closed[0]!.start, closed[0]!.end, closed[0]!.rows]).toEqual([10, 14, 3]);
    const file = [...closed[0]!.files.values()][0]!;
    expect(file.pieces.map((p) => [p.chunk.schema, p.rowStart, p.rowEnd, p.offsets])).toEqual([['A', 0, 3, [10, 11, 14]]]);
  });
});

describe('errantReporter: Kafka Connect\'s reporter semantics for the S3 sink', () => {
  const batch = (deadLetter?: EncodedBatch['deadLetter']): EncodedBatch => ({
    topic: 't', partition: 0, firstOffset: 0, lastOffset: 9, records: 10, rows: 10, tombstones: 0, output: null, outputBytes: 0, ...(deadLetter ? { deadLetter } : {}),
  });
  type Ticket = ErrantTicket & { resolved: number; rejected?: Error };
  const ticket = (): Ticket => {
    const t: Ticket = { resolved: 0, pending: 0, sealed: false, resolve: () => void t.resolved++, reject: (e: Error) => void (t.rejected = e) };
    return t;
  };
  const set = () => ({ deadLetters: [] as Promise<void>[] }) as unknown as FileSet<Ticket>;

  it('errors.tolerance=none (no dead-letter hand-off): no hook, the error stops Sluice as it is', () => {
    expect(errantReporter(batch(), ticket(), true)).toBeUndefined();
  });

  it('errors.tolerance=all without errors.deadletterqueue.topic.name or errors.log.enable: Connect has no reporter, so it stops, saying why', () => {
    const hook = errantReporter(batch(async () => {}), ticket(), false)!;
    expect(() => hook(set(), ticket(), [7], 'Schema version required')).toThrow(SluiceError);
    expect(() => hook(set(), ticket(), [7], 'Schema version required')).toThrow(/^topic t partition 0 offset 7: Schema version required\. errors.tolerance=all does not skip it.*errors.deadletterqueue.topic.name or errors.log.enable=true/);
  });

  it('errors.tolerance=all with a reporter: each record goes to the dead-letter path naming its place; the batch and the set wait for it', async () => {
    const sent: RejectedRecord[] = [];
    let ack!: () => void;
    const acked = new Promise<void>((r) => (ack = r));
    const t = ticket();
    const s = set();
    const hook = errantReporter(batch(async (rejected) => {
      sent.push(...rejected);
      await acked;
    }), t, true)!;
    hook(s, t, [7, 8], 'Schema version required');
    expect(sent).toEqual([{ offset: 7, reason: 'topic t partition 0 offset 7: Schema version required' }, { offset: 8, reason: 'topic t partition 0 offset 8: Schema version required' }]);
    expect([t.pending, s.deadLetters.length]).toEqual([1, 1]);
    t.sealed = true;
    ack();
    await Promise.all(s.deadLetters);
    await Promise.resolve();
    expect([t.pending, t.resolved]).toEqual([0, 1]);
  });

  it('a dead letter that cannot be sent fails the batch', async () => {
    const t = ticket();
    const s = set();
    errantReporter(batch(() => Promise.reject(new Error('broker gone'))), t, true)!(s, t, [3], 'x');
    await expect(Promise.all(s.deadLetters)).rejects.toThrow('broker gone');
    expect(t.rejected?.message).toBe('broker gone');
  });
});

// ---------- numbers with no exact value in the file's wider type ----------

describe('a number the file\'s wider type cannot hold exactly opens a file of its own schema (compat-values.ts)', () => {
  it('widensInexactly: int32/int64 → float32 and int64 → float64 may round; other widenings never do', () => {
    expect(widensInexactly(prim('int64'), prim('float64'))).toBe(true);
    expect(widensInexactly(prim('int32'), prim('float32'))).toBe(true);
    expect(widensInexactly(prim('int64'), prim('float32'))).toBe(true);
    expect(widensInexactly(prim('int32'), prim('float64'))).toBe(false);
    expect(widensInexactly(prim('int16'), prim('float32'))).toBe(false);
    expect(widensInexactly(prim('float32'), prim('float64'))).toBe(false);
    expect(widensInexactly(prim('int32'), prim('int64'))).toBe(false);
    const nested = (t: unknown) => c(rec([{ name: 'lines', type: { type: 'array', items: { type: 'record', name: 'L', fields: [{ name: 'n', type: t }] } } }]));
    expect(widensInexactly(nested('long'), nested('double'))).toBe(true);
    expect(widensInexactly(nested('int'), nested('double'))).toBe(false);
  });

  it('BACKWARD: v1 rows join the v2 file where their long is an exact double; the one beyond 2^53 starts a v1 file, kept exact', async () => {
    const topic = 'inexact';
    const V1 = rec([{ name: 'id', type: 'long' }, { name: 'amount', type: 'long' }]);
    const V2 = rec([{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }]);
    const s1 = recordSchemaFromAvro('avro:inexact1', V1);
    const s2 = recordSchemaFromAvro('avro:inexact2', V2);
    setRegistryVersion(s1, topic, 1);
    setRegistryVersion(s2, topic, 2);
    const enc = new S3FormatEncoder();
    const plan: S3Plan = {
      key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED,
      format: 'json', compatibility: 'backward',
    };
    enc.begin(plan, topic, 0);
    const rows: [RecordSchema, object][] = [
      [s2, { id: 1, amount: 1.5 }], [s1, { id: 2, amount: 5 }], [s1, { id: 3, amount: 2n ** 53n + 1n }], [s1, { id: 4, amount: 7 }],
    ];
    const ctx = (offset: number) => ({ topic, partition: 0, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });
    rows.forEach(([schema, value], i) => enc.add({ value, schema }, undefined, ctx(i)));
    const out = enc.finish();
    const meta = out.meta as S3BatchMeta;
    const closed: FileSet<string>[] = [];
    const r = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, compatibility: 'backward' }, {
      now: () => 0, closeAt: () => Infinity, joined: () => {}, closed: (s) => closed.push(s), rowProjects,
    });
    r.addBatch('b', out.outputBytes, readRowTable(out.output!, meta.rows), meta.groups.map((g) => ({ ...g, buffer: out.output!, bytesPerRow: g.byteLength / g.rows })), 0, 3);
    r.close('flush');
    expect(closed.map((s) => [s.start, s.end, s.reason])).toEqual([[0, 1, 'schema change'], [2, 3, 'flush']]);
    const files = closed.map((s) => [...s.files.values()][0]!);
    expect(files.map((f) => [f.firstOffset, f.version])).toEqual([[0, 2], [2, 1]]);
    const bodies = await Promise.all(files.map((f) => writeCompatFile({
      format: 'json', schema: f.schema!, topic, partition: 0, compatibility: 'BACKWARD',
      pieces: f.pieces.map((p) => ({
        buffer: p.chunk.buffer, byteOffset: p.chunk.byteOffset, byteLength: p.chunk.byteLength, rowStart: p.rowStart, rowEnd: p.rowEnd, rows: p.chunk.rows,
        schema: p.chunk.schema!, offsets: p.offsets!,
      })),
    })));
    expect(bodies.map((b) => Buffer.from(b).toString())).toEqual(['{"id":1,"amount":1.5}\n{"id":2,"amount":5.0}\n', '{"id":3,"amount":9007199254740993}\n{"id":4,"amount":7}\n']);
  });
});
