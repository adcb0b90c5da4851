// The worker half of the S3 sink without Kafka or S3: records → Arrow chunks
// (read back with apache-arrow) → Parquet (read back with parquet-wasm's
// reader). The independent-reader checks (pyarrow) are in the integration tests.
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { ConvertError, type RecordContext } from '../../src/workers/encoder.js';
import { S3ParquetEncoder, type S3Plan } from '../../src/sinks/s3-parquet/encoding.js';
import writeParquetFile from '../../src/sinks/s3-parquet/file-task.js';
import { readRowTable, type S3BatchMeta } from '../../src/sinks/s3-parquet/layout.js';
import { EMPTY_INFERRED } from '../../src/sinks/s3-parquet/types.js';
import { SCHEMALESS, recordSchemaFromAvro, recordSchemaFromConnect, type RecordSchema } from '../../src/workers/schema.js';

const plan = (over: Partial<S3Plan> = {}): S3Plan => ({
  key: 'k', partitioner: { kind: 'default' }, storeKey: false, storeHeaders: false, storeMetadata: false, nullValues: 'fail', inferred: EMPTY_INFERRED, ...over,
});

function ctx(offset: number, over: Partial<RecordContext> = {}): RecordContext {
  return { topic: 't', partition: 2, offset, timestamp: 1_700_000_000_000 + offset, key: null, keyBytes: null, headers: () => [], ...over };
}

function run(p: S3Plan, values: { value: unknown; schema: RecordSchema; key?: unknown; keySchema?: RecordSchema }[]) {
  const enc = new S3ParquetEncoder();
  enc.begin(p, 't', 2);
  const failures: number[] = [];
  values.forEach((v, i) => {
    try {
      enc.add({ value: v.value, schema: v.schema }, v.keySchema ? { value: v.key, schema: v.keySchema } : undefined, ctx(100 + i));
    } catch (err) {
      if (!(err instanceof ConvertError)) throw err;
      enc.discardCurrent();
      failures.push(i);
    }
  });
  const out = enc.finish();
  const meta = out.meta as S3BatchMeta;
  const chunks = meta.groups.map((g) => ({ ...g, table: tableFromIPC(new Uint8Array(out.output!, g.byteOffset, g.byteLength)) }));
  return { out, meta, chunks, failures, table: out.output ? readRowTable(out.output, meta.rows) : undefined };
}

const avro = recordSchemaFromAvro('avro:1', {
  type: 'record', name: 'R', fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'long' } },
    { name: 'inner', type: ['null', { type: 'record', name: 'I', fields: [{ name: 'x', type: 'int' }, { name: 'y', type: ['null', 'double'] }] }] },
    { name: 'note', type: ['null', 'string'] },
  ],
} as never);

describe('S3 Parquet worker encoder', () => {
  it('encodes typed records into Arrow columns with UTC microsecond timestamps and decimals', () => {
    const rows = [
      { id: 1, name: 'a', amount: Buffer.from([0x30, 0x39]), at: 1_700_000_000_123, day: 19_000, tags: ['x', 'y'], attrs: { a: 1 }, inner: { x: 1, y: 2.5 }, note: null },
      { id: -(2 ** 40), name: 'ü', amount: Buffer.from([0xff, 0x85]), at: 0, day: 0, tags: [], attrs: {}, inner: null, note: 'n' },
    ];
    const { meta, chunks, table } = run(plan(), rows.map((value) => ({ value, schema: avro })));
    expect(meta.rows).toBe(2);
    expect(meta.groups).toHaveLength(1);
    expect(meta.groups[0]!.path).toBe('partition=2');
    expect([...table!.offsets]).toEqual([100, 101]);
    const t = chunks[0]!.table;
    expect(String(t.schema.fields.find((f) => f.name === 'at')!.type)).toBe('Timestamp<MICROSECOND, UTC>');
    const got = t.toArray().map((r) => r.toJSON());
    expect(got[0].id).toBe(1n);
    expect(got[1].id).toBe(BigInt(-(2 ** 40)));
    expect([...(t.getChild('at')!.data[0]!.values as BigInt64Array)]).toEqual([1_700_000_000_123_000n, 0n]);
    expect(got[0].name).toBe('a');
    expect(got[1].name).toBe('ü');
    expect(got[0].day).toBe(19_000 * 86_400_000);
    expect(got[0].tags.toArray()).toEqual(['x', 'y']);
    expect(got[1].inner).toBeNull();
    expect(got[0].inner.toJSON()).toEqual({ x: 1, y: 2.5 });
    expect(got[0].note).toBeNull();
    expect(got[1].note).toBe('n');
    // Decimal128: 12345 and -123 unscaled.
    const amount = t.getChild('amount')!;
    const words = amount.data[0]!.values as Uint32Array;
    expect(words[0]).toBe(12345);
    expect(words[4]).toBe(0xffffffff - 122);
    expect(words[7]).toBe(0xffffffff);
  });

  it('fails one bad record with its field named and keeps the rest', () => {
    const rows: unknown[] = [
      { id: 1, name: 'a', amount: Buffer.from([1]), at: 1, day: 1, tags: ['a'], attrs: {}, inner: { x: 1, y: null }, note: null },
      { id: 2, name: 'b', amount: Buffer.from([1]), at: 1, day: 1, tags: ['a', 7], attrs: {}, inner: null, note: null },
      { id: 3, name: 'c', amount: Buffer.from([1]), at: 1, day: 1, tags: ['c'], attrs: { k: 5 }, inner: { x: 3, y: 1 }, note: 'z' },
    ];
    const enc = new S3ParquetEncoder();
    enc.begin(plan(), 't', 0);
    enc.add({ value: rows[0], schema: avro }, undefined, ctx(0));
    expect(() => enc.add({ value: rows[1], schema: avro }, undefined, ctx(1))).toThrow(/field tags\[\] should be a string/);
    enc.discardCurrent();
    enc.add({ value: rows[2], schema: avro }, undefined, ctx(2));
    const out = enc.finish();
    const meta = out.meta as S3BatchMeta;
    const t = tableFromIPC(new Uint8Array(out.output!, meta.groups[0]!.byteOffset, meta.groups[0]!.byteLength));
    expect(t.numRows).toBe(2);
    expect(t.toArray().map((r) => r.toJSON().tags.toArray())).toEqual([['a'], ['c']]);
    expect([...readRowTable(out.output!, 2).offsets]).toEqual([0, 2]);
  });

  it('infers and widens a schema for schemaless values, rebuilding the rows before; a value that is not an object fails', () => {
    const values = [
      { a: 1, b: null },
      { a: 2, b: 'x', c: [1, 2] },
      7, // once a column "value" next to NULLs: now a convert error of its own
      { a: 2.5, d: { e: true } },
      [5, 'bad', 5],
    ];
    const { meta, chunks, failures } = run(plan(), values.map((value) => ({ value, schema: SCHEMALESS })));
    expect(failures).toEqual([2, 4]);
    expect(meta.widened).toBeDefined();
    const t = chunks[0]!.table;
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'a:Float64', 'b:Utf8', 'c:List<Int64>', 'd:Struct<{e:Bool}>',
    ]);
    const got = t.toArray().map((r) => r.toJSON());
    expect(got.map((r) => r.a)).toEqual([1, 2, 2.5]);
    expect(got.map((r) => r.b)).toEqual([null, 'x', null]);
    expect(got[1].c.toArray()).toEqual(new BigInt64Array([1n, 2n]));
    expect(got[2].d.toJSON()).toEqual({ e: true });
  });

  it('schemaless: a field of strings and numbers is a text column holding each as itself; an array of mixed elements is one JSON text', () => {
    const values = [
      { s: 'second', j: [1, 2] },
      { s: 5, j: [1, 2, { c: null }] },
      { s: 'a\u0000b', j: [3] },
      { s: true, j: null },
    ];
    const { chunks, failures } = run(plan(), values.map((value) => ({ value, schema: SCHEMALESS })));
    expect(failures).toEqual([]);
    const t = chunks[0]!.table;
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['s:Utf8', 'j:Utf8']);
    const got = t.toArray().map((r) => r.toJSON());
    // Strings are never quoted because a neighbour was a number; numbers keep every digit as text.
    expect(got.map((r) => r.s)).toEqual(['second', '5', 'a\u0000b', 'true']);
    // [1,2,{"c":null}] stays JSON with its numbers as numbers, not a list of strings.
    expect(got.map((r) => r.j)).toEqual(['[1,2]', '[1,2,{"c":null}]', '[3]', null]);
  });

  it('says which record value is not an object, schemaless or under a struct schema', () => {
    const enc = new S3ParquetEncoder();
    enc.begin(plan(), 't', 2);
    const message = (value: unknown, schema: RecordSchema) => {
      try {
        enc.add({ value, schema }, undefined, ctx(0));
      } catch (err) {
        if (!(err instanceof ConvertError)) throw err;
        enc.discardCurrent();
        return err.message;
      }
      return 'landed';
    };
    expect(message([5, 'bad', 5], SCHEMALESS)).toBe('the record value is an array ([5,"bad",5]), not an object: Parquet columns need an object (a struct) value');
    expect(message('just a string', SCHEMALESS)).toBe('the record value is the string "just a string", not an object: Parquet columns need an object (a struct) value');
    expect(message(42, SCHEMALESS)).toBe('the record value is the number 42, not an object: Parquet columns need an object (a struct) value');
    expect(message(true, SCHEMALESS)).toBe('the record value is the boolean true, not an object: Parquet columns need an object (a struct) value');
    const struct = recordSchemaFromAvro('avro:9', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] } as never);
    expect(message(5, struct)).toBe('the record value is the number 5, not an object: Parquet columns need an object (a struct) value');
    // A primitive schema (StringConverter) is one column "value", as before.
    expect(message('text', { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true })).toBe('landed');
  });

  it('keeps the key type of a map whose keys are not strings (Connect int32/int64/boolean keys; an object\'s keys read back exactly)', () => {
    const schema = recordSchemaFromConnect('connect:m', {
      type: 'struct', fields: [
        { field: 'ints', type: 'map', keys: { type: 'int32' }, values: { type: 'string' }, optional: true },
        { field: 'longs', type: 'map', keys: { type: 'int64' }, values: { type: 'int32' }, optional: true },
        { field: 'flags', type: 'map', keys: { type: 'boolean' }, values: { type: 'string' }, optional: true },
      ],
    } as never);
    const { chunks, failures } = run(plan(), [
      { value: { ints: [[1, 'a'], [-2, 'b']], longs: { '9007199254740993': 7 }, flags: { true: 'y' } }, schema },
      { value: { ints: { '01': 'leading zero is no integer text' } }, schema },
      { value: { flags: { yes: 'n' } }, schema },
    ]);
    expect(failures).toEqual([1, 2]);
    const row = chunks[0]!.table.get(0)!.toJSON() as Record<string, { toJSON(): unknown } | null>;
    const entries = (m: unknown) => [...(m as Map<unknown, unknown>)].map(([k, v]) => [k, v]);
    expect(entries(row.ints)).toEqual([[1, 'a'], [-2, 'b']]);
    expect(entries(row.longs)).toEqual([[9007199254740993n, 7]]);
    expect(entries(row.flags)).toEqual([[true, 'y']]);
    type MapType = { children: { type: { children: { type: unknown }[] } }[] };
    const keyTypes = chunks[0]!.table.schema.fields.map((f) => String((f.type as MapType).children[0]!.type.children[0]!.type));
    expect(keyTypes).toEqual(['Int32', 'Int64', 'Bool']);
  });

  it('keeps a schema the plan already has, and falls back to JSON text for conflicting types', () => {
    const p = plan({ inferred: { kind: 'record', fields: [{ name: 'a', type: { kind: 'float64' }, optional: true }, { name: 'z', type: { kind: 'string' }, optional: true }] } });
    const first = run(p, [{ value: { a: 1 }, schema: SCHEMALESS }]);
    expect(first.meta.widened).toBeUndefined();
    expect(first.chunks[0]!.table.schema.fields.map((f) => f.name)).toEqual(['a', 'z']);
    const mixed = run(plan(), [{ value: { a: 'x' }, schema: SCHEMALESS }, { value: { a: { b: 1 } }, schema: SCHEMALESS }]);
    expect(mixed.chunks[0]!.table.toArray().map((r) => r.toJSON().a)).toEqual(['"x"', '{"b":1}']);
  });

  it('groups by field partitioner path and stores Kafka columns', () => {
    const keySchema: RecordSchema = { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true };
    const p = plan({ partitioner: { kind: 'field', fields: ['region'] }, storeKey: true, storeMetadata: true });
    const { meta, chunks, table } = run(p, [
      { value: { region: 'eu', n: 1 }, schema: SCHEMALESS, key: 'k1', keySchema },
      { value: { region: 'us', n: 2 }, schema: SCHEMALESS, key: 'k2', keySchema },
      { value: { region: 'eu', n: 3 }, schema: SCHEMALESS },
    ]);
    expect(meta.groups.map((g) => [g.path, g.rows])).toEqual([['region=eu', 2], ['region=us', 1]]);
    expect([...table!.groups]).toEqual([0, 1, 0]);
    const eu = chunks[0]!.table.toArray().map((r) => r.toJSON());
    expect(eu.map((r) => [r.n, r.__kafka_key, r.__kafka_topic, r.__kafka_partition, r.__kafka_offset])).toEqual([
      [1n, 'k1', 't', 2, 100n],
      [3n, null, 't', 2, 102n],
    ]);
  });

  it('reuses its builders batch after batch without leaking values, nulls or lengths', () => {
    const enc = new S3ParquetEncoder();
    const batch = (rows: unknown[]) => {
      enc.begin(plan(), 't', 0);
      rows.forEach((value, i) => enc.add({ value, schema: avro }, undefined, ctx(i)));
      const out = enc.finish();
      const g = (out.meta as S3BatchMeta).groups[0]!;
      return tableFromIPC(new Uint8Array(out.output!, g.byteOffset, g.byteLength)).toArray().map((r) => r.toJSON());
    };
    const row = (id: number, note: string | null, tags: string[]) => ({
      id, name: `name-${id}`.repeat(id), amount: Buffer.from([id]), at: id, day: id, tags, attrs: { [`k${id}`]: id }, inner: id % 2 ? null : { x: id, y: null }, note,
    });
    const first = batch([row(1, null, ['a', 'b', 'c']), row(2, 'x', []), row(3, null, ['d'])]);
    expect(first.map((r) => [r.note, r.tags.toArray()])).toEqual([[null, ['a', 'b', 'c']], ['x', []], [null, ['d']]]);
    const second = batch([row(4, 'y', ['e'])]);
    expect(second).toHaveLength(1);
    expect([second[0].id, second[0].name, second[0].note, second[0].tags.toArray(), second[0].inner.toJSON(), second[0].attrs.toJSON()])
      .toEqual([4n, 'name-4'.repeat(4), 'y', ['e'], { x: 4, y: null }, { k4: 4n }]);
  });

  it('rejects tombstones unless behavior.on.null.values=ignore', () => {
    const enc = new S3ParquetEncoder();
    enc.begin(plan(), 't', 0);
    expect(() => enc.tombstone(undefined, ctx(0))).toThrow(ConvertError);
    enc.begin(plan({ nullValues: 'ignore' }), 't', 0);
    expect(() => enc.tombstone(undefined, ctx(0))).not.toThrow();
  });

  it('writes a Parquet file from slices of several chunks', async () => {
    const a = run(plan(), [1, 2, 3, 4].map((id) => ({ value: { id }, schema: SCHEMALESS })));
    const b = run(plan({ inferred: a.meta.widened! }), [5, 6, 7].map((id) => ({ value: { id }, schema: SCHEMALESS })));
    expect(b.meta.groups[0]!.schemaKey).toBe(a.meta.groups[0]!.schemaKey);
    const piece = (r: typeof a, rowStart: number, rowEnd: number) => ({
      buffer: r.out.output!, byteOffset: r.meta.groups[0]!.byteOffset, byteLength: r.meta.groups[0]!.byteLength, rowStart, rowEnd, rows: r.meta.groups[0]!.rows,
    });
    for (const codec of ['snappy', 'zstd', 'gzip', 'none'] as const) {
      const bytes = await writeParquetFile({ pieces: [piece(a, 1, 4), piece(b, 0, 2)], codec, rowGroupBytes: 1 << 20, metadata: { 'sluice.offsets': '101-104' } });
      const t = tableFromIPC(readParquet(bytes).intoIPCStream());
      expect(t.toArray().map((r) => r.toJSON().id)).toEqual([2n, 3n, 4n, 5n, 6n]);
    }
  });
});
