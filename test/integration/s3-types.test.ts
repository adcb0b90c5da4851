// Every type round-trips Kafka → Sluice → Parquet in MinIO → pyarrow: the
// Parquet schema from an Avro schema, from Kafka Connect's JSON envelope, and
// inferred for schemaless JSON; decimals, dates, times, UTC microsecond
// timestamps, nested records, lists, maps, nullable fields; the Kafka key,
// headers and metadata as columns; each codec; row groups sized by bytes.
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import { decimalBytes, rng } from '../helpers/orders.js';
import { confluentFrame, registerSchema } from '../helpers/registry.js';
import { createTopic, produce, type TestMessage } from '../helpers/kafka.js';
import { REGISTRY, uniqueName } from '../helpers/stack.js';
import { ensurePythonReaders, readParquet, runS3ToEnd, type ParquetFileRead } from './s3-support.js';

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

// ---------- what pyarrow prints (see s3-read-parquet.py) ----------

/** pyarrow names a map's entries after the column ("map<string, int32 ('attrs')>"); the Parquet MAP itself is standard. */
const schemaOf = (f: ParquetFileRead) => Object.fromEntries(f.schema.map(([n, t]) => [n, t.replace(/ \('[^']*'\)>/g, '>')]));

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');
const tsMicros = (us: number) => ({ $timestamp: `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${pad(us % 1000, 3)}+00:00` });
const tsMillis = (ms: number) => tsMicros(ms * 1000);
const date = (days: number) => ({ $date: new Date(days * 86_400_000).toISOString().slice(0, 10) });
const time = (us: number) => {
  const s = Math.floor(us / 1_000_000);
  return { $time: `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}.${pad(us % 1_000_000, 6)}` };
};
const bytes = (b: Buffer) => ({ $bytes: b.toString('base64') });
function decimal(unscaled: bigint, scale: number) {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return { $decimal: `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}` };
}
function decimalBig(unscaled: bigint): Buffer {
  const hex = BigInt.asUintN(128, unscaled).toString(16).padStart(32, '0');
  return Buffer.from(hex, 'hex');
}

async function runToEnd(topic: string, dir: string, messages: TestMessage[], extra: Record<string, unknown>): Promise<ParquetFileRead[]> {
  await createTopic(topic, 1);
  await produce(topic, messages);
  await runS3ToEnd(topic, dir, { 'flush.size': String(messages.length), ...extra });
  return readParquet(`${dir}/${topic}/`);
}

const EVERYTHING = {
  type: 'record', name: 'Everything', namespace: 'sluice.test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'flag', type: 'boolean' },
    { name: 'i32', type: 'int' },
    { name: 'f32', type: 'float' },
    { name: 'f64', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'b', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'Four', size: 4 } },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 4 } },
    { name: 'wide_dec', type: { type: 'fixed', name: 'Sixteen', size: 16, logicalType: 'decimal', precision: 38, scale: 6 } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 't_ms', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 't_us', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'ts_ms', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'ts_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'uid', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN', 'BLUE'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'nums', type: { type: 'array', items: ['null', 'long'] } },
    { name: 'attrs', type: { type: 'map', values: 'int' } },
    { name: 'inner', type: { type: 'record', name: 'Inner', fields: [
      { name: 'x', type: 'int' },
      { name: 'y', type: ['null', 'double'], default: null },
      { name: 'deep', type: { type: 'record', name: 'Deep', fields: [{ name: 'z', type: 'string' }] } },
    ] } },
    { name: 'maybe', type: ['null', { type: 'record', name: 'Maybe', fields: [{ name: 'm', type: 'long' }, { name: 'when', type: { type: 'int', logicalType: 'date' } }] }], default: null },
    { name: 'opt_s', type: ['null', 'string'], default: null },
    { name: 'opt_dec', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }], default: null },
    { name: 'items', type: { type: 'array', items: { type: 'record', name: 'Item', fields: [{ name: 'k', type: 'string' }, { name: 'v', type: ['null', 'long'] }] } } },
    { name: 'map_lists', type: { type: 'map', values: { type: 'array', items: 'string' } } },
    { name: 'either', type: ['null', 'string', 'long'], default: null },
  ],
};

describe('S3 Parquet sink types, read back by pyarrow', () => {
  it('Avro: every type, Kafka key/headers/metadata columns, zstd, row groups by bytes', async () => {
    const topic = uniqueName('s3_types_avro');
    const dir = uniqueName('it');
    const id = await registerSchema(`${topic}-value`, EVERYTHING);
    const type = avro.Type.forSchema(EVERYTHING as avro.Schema, { wrapUnions: 'auto' });
    const r = rng(99);
    const N = 3000;
    const messages: TestMessage[] = [];
    const expected: Record<string, unknown>[] = [];
    const tsBase = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    for (let i = 0; i < N; i++) {
      const nul = (p: number) => r() < p;
      const decUnscaled = BigInt(Math.floor((r() - 0.5) * 1e12));
      const wideUnscaled = BigInt(Math.floor((r() - 0.5) * 1e15)) * 1_000_000_000_000n + BigInt(i);
      const optDec = nul(0.3) ? null : Math.floor((r() - 0.5) * 1e8);
      const tsUs = tsBase * 1000 + i * 1_000_123;
      const value = {
        id: i,
        flag: r() < 0.5,
        i32: Math.floor((r() - 0.5) * 2 ** 31),
        f32: (r() - 0.5) * 1e6,
        f64: (r() - 0.5) * 1e12,
        s: `text ${i} ${'ü€'.repeat(i % 5)} ${Math.floor(r() * 1e9).toString(36).repeat(8)}`,
        b: Buffer.from([i & 0xff, 0, 0xff, (i >> 8) & 0xff]),
        fx: Buffer.from([1, 2, 3, i & 0xff]),
        dec: decimalBytes(Number(decUnscaled)),
        wide_dec: decimalBig(wideUnscaled),
        day: 19_000 + i,
        t_ms: (i * 7919) % 86_400_000,
        t_us: ((i * 7919) % 86_400_000) * 1000 + 123,
        ts_ms: tsBase + i * 60_001,
        ts_us: tsUs,
        uid: `0000${pad(i, 4)}-aaaa-4bbb-8ccc-${pad(i, 12)}`,
        color: ['RED', 'GREEN', 'BLUE'][i % 3],
        tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
        nums: i % 5 === 0 ? [] : [i, null, -i],
        attrs: i % 6 === 0 ? {} : { a: i, b: -i },
        inner: { x: i, y: nul(0.5) ? null : i / 8, deep: { z: `z${i}` } },
        maybe: nul(0.5) ? null : { m: i * 1000, when: 20_000 + i },
        opt_s: nul(0.4) ? null : `o${i}`,
        opt_dec: optDec === null ? null : decimalBytes(optDec),
        items: Array.from({ length: i % 3 }, (_, k) => ({ k: `k${k}`, v: k === 1 ? null : k * i })),
        map_lists: i % 4 === 0 ? {} : { x: ['1', '2'], y: [] },
        either: i % 3 === 0 ? null : i % 3 === 1 ? `str${i}` : i,
      };
      const ts = tsBase + i;
      messages.push({
        key: `key-${i}`, value: confluentFrame(id, type.toBuffer(value)), timestamp: ts,
        headers: i % 2 === 0 ? { trace: `t-${i}`, bin: Buffer.from([0, i & 0xff]) } : undefined,
      });
      expected.push({
        id: i, flag: value.flag, i32: value.i32, f32: Math.fround(value.f32), f64: value.f64, s: value.s,
        b: bytes(value.b), fx: bytes(value.fx), dec: decimal(decUnscaled, 4), wide_dec: decimal(wideUnscaled, 6),
        day: date(value.day), t_ms: time(value.t_ms * 1000), t_us: time(value.t_us),
        ts_ms: tsMillis(value.ts_ms), ts_us: tsMicros(value.ts_us), uid: value.uid, color: value.color,
        tags: value.tags, nums: value.nums, attrs: Object.keys(value.attrs).length ? value.attrs : [],
        inner: value.inner, maybe: value.maybe ? { m: value.maybe.m, when: date(value.maybe.when) } : null,
        opt_s: value.opt_s, opt_dec: optDec === null ? null : decimal(BigInt(optDec), 2),
        items: value.items, map_lists: Object.keys(value.map_lists).length ? value.map_lists : [],
        either: value.either === null ? null : JSON.stringify(value.either),
        __kafka_key: `key-${i}`,
        __kafka_headers: i % 2 === 0 ? [{ key: 'trace', value: bytes(Buffer.from(`t-${i}`)) }, { key: 'bin', value: bytes(Buffer.from([0, i & 0xff])) }] : [],
        __kafka_topic: topic, __kafka_partition: 0, __kafka_offset: i, __kafka_timestamp: tsMillis(ts),
      });
    }
    const files = await runToEnd(topic, dir, messages, {
      'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': REGISTRY,
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'store.kafka.key.column': 'true', 'store.kafka.headers.column': 'true', 'store.kafka.metadata': 'true',
      'parquet.codec': 'zstd', 'parquet.row.group.bytes': String(128 * 1024),
    });
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.codec).toBe('ZSTD');
    expect(f.row_groups).toBeGreaterThan(1);
    expect(schemaOf(f)).toEqual({
      id: 'int64', flag: 'bool', i32: 'int32', f32: 'float', f64: 'double', s: 'string', b: 'binary', fx: 'fixed_size_binary[4]',
      dec: 'decimal128(20, 4)', wide_dec: 'decimal128(38, 6)', day: 'date32[day]', t_ms: 'time32[ms]', t_us: 'time64[us]',
      ts_ms: 'timestamp[us, tz=UTC]', ts_us: 'timestamp[us, tz=UTC]', uid: 'string', color: 'string',
      tags: 'list<element: string not null>', nums: 'list<element: int64>', attrs: 'map<string, int32>',
      inner: 'struct<x: int32 not null, y: double, deep: struct<z: string not null> not null>',
      maybe: 'struct<m: int64 not null, when: date32[day] not null>', opt_s: 'string', opt_dec: 'decimal128(9, 2)',
      items: 'list<element: struct<k: string not null, v: int64> not null>', map_lists: 'map<string, list<element: string not null>>',
      either: 'string', __kafka_key: 'string', __kafka_headers: 'list<element: struct<key: string not null, value: binary> not null>',
      __kafka_topic: 'string', __kafka_partition: 'int32', __kafka_offset: 'int64', __kafka_timestamp: 'timestamp[us, tz=UTC]',
    });
    // Never nanoseconds: readers like Spark and Athena refuse them.
    for (const c of ['ts_ms', 'ts_us', '__kafka_timestamp']) expect(f.logical[c]).toMatch(/^Timestamp\(isAdjustedToUTC=true, timeUnit=microseconds/);
    expect(f.data).toHaveLength(N);
    for (let i = 0; i < N; i++) expect(f.data[i], `row ${i}`).toEqual(expected[i]);
  });

  it('Kafka Connect JSON envelope: logical types, structs, arrays, maps, optional fields, gzip', async () => {
    const topic = uniqueName('s3_types_connect');
    const dir = uniqueName('it');
    const schema = {
      type: 'struct', name: 'sluice.test.Connect', optional: false,
      fields: [
        { field: 'id', type: 'int64', optional: false },
        { field: 'small', type: 'int8', optional: false },
        { field: 'mid', type: 'int16', optional: true },
        { field: 'flag', type: 'boolean', optional: false },
        { field: 'ratio', type: 'float', optional: false },
        { field: 'blob', type: 'bytes', optional: true },
        { field: 'price', type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3', 'connect.decimal.precision': '15' } },
        { field: 'day', type: 'int32', optional: false, name: 'org.apache.kafka.connect.data.Date' },
        { field: 'at_time', type: 'int32', optional: false, name: 'org.apache.kafka.connect.data.Time' },
        { field: 'at', type: 'int64', optional: false, name: 'org.apache.kafka.connect.data.Timestamp' },
        { field: 'inner', type: 'struct', optional: true, fields: [{ field: 'a', type: 'int32', optional: false }, { field: 'b', type: 'string', optional: true }] },
        { field: 'arr', type: 'array', optional: false, items: { type: 'int64', optional: false } },
        { field: 'm', type: 'map', optional: false, keys: { type: 'string', optional: false }, values: { type: 'string', optional: true } },
      ],
    };
    const N = 500;
    const messages: TestMessage[] = [];
    const expected: Record<string, unknown>[] = [];
    const base = Date.UTC(2025, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < N; i++) {
      const price = BigInt(i * 1001 - 250_000);
      const payload = {
        id: 10_000_000_000 + i, small: (i % 256) - 128, mid: i % 7 === 0 ? null : i * 3, flag: i % 2 === 0, ratio: i / 3,
        blob: i % 4 === 0 ? null : Buffer.from(`b${i}`).toString('base64'),
        price: decimalBytes(Number(price)).toString('base64'), day: 20_000 - i, at_time: i * 1000 + 1, at: base + i * 1000,
        inner: i % 5 === 0 ? null : { a: i, b: i % 2 ? null : `b${i}` },
        arr: [i, i + 1], m: i % 3 === 0 ? {} : { k: `v${i}`, n: null },
      };
      messages.push({ value: JSON.stringify({ schema, payload }) });
      expected.push({
        id: payload.id, small: payload.small, mid: payload.mid, flag: payload.flag, ratio: Math.fround(payload.ratio),
        blob: payload.blob === null ? null : bytes(Buffer.from(`b${i}`)), price: decimal(price, 3), day: date(payload.day),
        at_time: time(payload.at_time * 1000), at: tsMillis(payload.at), inner: payload.inner, arr: payload.arr,
        m: Object.keys(payload.m).length ? payload.m : [],
      });
    }
    const files = await runToEnd(topic, dir, messages, {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true', 'parquet.codec': 'gzip',
    });
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.codec).toBe('GZIP');
    expect(schemaOf(f)).toEqual({
      id: 'int64', small: 'int32', mid: 'int32', flag: 'bool', ratio: 'float', blob: 'binary', price: 'decimal128(15, 3)',
      day: 'date32[day]', at_time: 'time32[ms]', at: 'timestamp[us, tz=UTC]', inner: 'struct<a: int32 not null, b: string>',
      arr: 'list<element: int64 not null>', m: 'map<string, string>',
    });
    expect(f.data).toEqual(expected);
  });

  it('schemaless JSON: the schema is inferred and widened as fields appear; no compression', async () => {
    const topic = uniqueName('s3_types_json');
    const dir = uniqueName('it');
    const N = 1200;
    const values: Record<string, unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const v: Record<string, unknown> = { id: i, name: `n${i}`, score: i % 2 ? i : i + 0.5, ok: i % 3 === 0, nested: { a: i, list: [i, i * 2] } };
      if (i >= 600) v.late = `late${i}`;
      if (i % 10 === 0) v.sometimes = null;
      else if (i % 10 === 5) v.sometimes = { deep: [{ q: i }] };
      values.push(v);
    }
    const files = await runToEnd(topic, dir, values.map((v) => ({ value: JSON.stringify(v) })), {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false',
      'parquet.codec': 'none', 'flush.size': '100000', 'batch.max.records': '200', 'rotate.schedule.interval.ms': '1000',
    });
    // Files rotate where the inferred schema widened; the last one has every field.
    expect(files.length).toBeGreaterThan(1);
    const last = files[files.length - 1]!;
    expect(last.codec).toBe('UNCOMPRESSED');
    expect(schemaOf(last)).toEqual({
      id: 'int64', name: 'string', score: 'double', ok: 'bool', nested: 'struct<a: int64, list: list<element: int64>>',
      sometimes: 'struct<deep: list<element: struct<q: int64>>>', late: 'string',
    });
    const rows = files.flatMap((f) => f.data).sort((a, b) => (a.id as number) - (b.id as number));
    expect(rows).toHaveLength(N);
    for (let i = 0; i < N; i++) {
      const v = values[i]!;
      const row = rows[i]!;
      expect(row.id).toBe(i);
      expect(row.name).toBe(v.name);
      expect(row.score).toBe(v.score);
      expect(row.ok).toBe(v.ok);
      expect(row.nested).toEqual(v.nested);
      expect(row.sometimes ?? null).toEqual(v.sometimes ?? null);
      expect(row.late ?? null).toBe(v.late ?? null);
    }
  });

  it('parquet.codec brotli, lz4 (Hadoop-framed) and lz4_raw: parquet-mr\'s object name extensions, and pyarrow reads every row back', async () => {
    for (const [codec, ext, pyarrowName] of [['brotli', '.br', 'BROTLI'], ['lz4', '.lz4hadoop', 'UNKNOWN'], ['lz4_raw', '.lz4raw', 'LZ4']] as const) {
      const topic = uniqueName(`s3_codec_${codec}`);
      const dir = uniqueName('s3codec');
      const values = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i % 3}` }));
      const files = await runToEnd(topic, dir, values.map((v) => ({ value: JSON.stringify(v) })), {
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false', 'parquet.codec': codec,
      });
      expect(files.map((f) => f.key)).toEqual([`${dir}/${topic}/partition=0/${topic}+0+0000000000${ext}.parquet`]);
      // pyarrow names the thrift LZ4 (Hadoop) codec UNKNOWN and LZ4_RAW "LZ4".
      expect(files[0]!.codec).toBe(pyarrowName);
      expect(files[0]!.data).toEqual(values);
    }
  });
});
