// The Avro → COPY transcoder (src/sinks/postgres/avro-copy.ts) against the
// decode-then-encode path it stands in for: the real worker task runs
// randomized records of every Avro type into columns of every type, and its
// output bytes and failures must be exactly those of decoding each record and
// adding it to the PostgreSQL encoder.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchWriter, bufferBytes, type SourceMessage } from '../../src/core/batch-layout.js';
import { ConvertError } from '../../src/errors.js';
import { PgEncoder } from '../../src/sinks/postgres/encoding.js';
import { TableEncoder } from '../../src/sinks/postgres/table-encoder.js';
import type { PgColumn, PgPlan } from '../../src/sinks/postgres/protocol.js';
import { OID } from '../../src/sinks/postgres/types.js';
import type { TextNulMode } from '../../src/sinks/postgres/values.js';
import { AvroDecoder, avroType, createDecoder } from '../../src/workers/decode/decoders.js';
import type { SchemaRegistryClient } from '../../src/workers/decode/registry.js';
import type { RecordContext } from '../../src/workers/encoder.js';
import type { RecordFailure } from '../../src/workers/protocol.js';
import encodeBatch from '../../src/workers/worker.js';
import { rng } from '../helpers/orders.js';

const SCHEMA_ID = 7;
const dec = (type: string, precision: number, scale: number, extra: object = {}) => ({ type, logicalType: 'decimal', precision, scale, ...extra });
const SCHEMA = {
  type: 'record', name: 'Every', namespace: 'sluice.test',
  fields: [
    { name: 'l', type: 'long' },
    { name: 'i', type: 'int' },
    { name: 'b', type: 'boolean' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'by', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'F16', size: 16 } },
    { name: 'fx3', type: { type: 'fixed', name: 'F3', size: 3 } },
    { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN', 'BLUE'] } },
    { name: 'e2', type: 'Color' },
    { name: 'dec', type: dec('bytes', 12, 2) },
    { name: 'decf', type: dec('fixed', 18, 4, { name: 'D8', size: 8 }) },
    { name: 'dt', type: { type: 'int', logicalType: 'date' } },
    { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'tu', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'tsm', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsu', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'lts', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'tsn', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ns', type: ['null', 'string'] },
    { name: 'sn', type: ['string', 'null'] },
    { name: 'nl', type: ['null', 'long'] },
    { name: 'nd', type: ['null', dec('bytes', 10, 3)] },
    { name: 'ne', type: ['null', 'Color'] },
    { name: 'nf', type: ['null', 'F3'] },
    { name: 'arr', type: { type: 'array', items: 'int' } },
    { name: 'm', type: { type: 'map', values: 'string' } },
    { name: 'rec', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }, { name: 'y', type: 'string' }] } },
    { name: 'multi', type: ['null', 'int', 'string'] },
    { name: 'nul', type: 'null' },
    // Twins of fields above, for columns only the value writers fill (the fields above keep columns the transcoder writes itself).
    { name: 'l_g', type: 'long' },
    { name: 's_g', type: 'string' },
    { name: 'b_g', type: 'boolean' },
    { name: 'dec_g', type: dec('bytes', 12, 2) },
    { name: 'tsm_g', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

function column(name: string, typeOid: number, opts: { field?: string; typmod?: number; elemOid?: number; notNull?: boolean; source?: PgColumn['source'] } = {}): PgColumn {
  return {
    name, typeOid, typeName: String(typeOid), elemOid: opts.elemOid ?? 0, typmod: opts.typmod ?? -1, sqlType: String(typeOid),
    notNull: opts.notNull ?? false, pk: false, source: opts.source ?? { from: 'value', field: opts.field ?? name },
  };
}
const numeric = (p: number, s: number) => ((p << 16) | s) + 4;

/** Every field in a column of its own name, and again in columns of other types; shuffled against the field order. */
function columns(seed: number): PgColumn[] {
  const cols = [
    column('l', OID.int8), column('l_i4', OID.int4, { field: 'l' }), column('l_f8', OID.float8, { field: 'l' }),
    column('l_g', OID.int8), column('l_num', OID.numeric, { field: 'l_g' }), column('l_txt', OID.text, { field: 'l_g' }),
    column('i', OID.int4, { notNull: true }), column('i_i2', OID.int2, { field: 'i' }), column('i_i8', OID.int8, { field: 'i' }), column('i_f4', OID.float4, { field: 'i' }),
    column('b', OID.bool), column('b_g', OID.text),
    column('f', OID.float4), column('f_f8', OID.float8, { field: 'f' }),
    column('d', OID.float8), column('d_f4', OID.float4, { field: 'd' }),
    column('s', OID.text, { notNull: true }), column('s_vc', OID.varchar, { field: 's' }), column('s_g', OID.jsonb),
    column('by', OID.bytea), column('by_uuid', OID.uuid, { field: 'by' }),
    column('fx', OID.uuid), column('fx_b', OID.bytea, { field: 'fx' }), column('fx3', OID.bytea),
    column('e', OID.text), column('e2', OID.varchar),
    column('dec', OID.numeric, { typmod: numeric(12, 2) }), column('dec_u', OID.numeric, { field: 'dec' }),
    column('dec_small', OID.numeric, { field: 'dec', typmod: numeric(5, 1) }), column('dec_g', OID.text),
    column('decf', OID.numeric, { typmod: numeric(18, 4) }),
    column('dt', OID.date), column('tm', OID.time), column('tu', OID.time),
    column('tsm', OID.timestamptz), column('tsm_ts', OID.timestamp, { field: 'tsm' }), column('tsm_g', OID.date),
    column('tsu', OID.timestamptz), column('lts', OID.timestamp), column('tsn', OID.timestamptz),
    column('u', OID.uuid), column('u_txt', OID.text, { field: 'u' }),
    column('ns', OID.text), column('sn', OID.text, { notNull: true }), column('nl', OID.int8),
    column('nd', OID.numeric, { typmod: numeric(10, 3) }), column('ne', OID.text), column('nf', OID.bytea),
    column('arr', 1007, { elemOid: OID.int4 }), column('m', OID.jsonb), column('rec', OID.json), column('multi', OID.text), column('nul', OID.text),
    column('absent', OID.text, { field: 'no_such_field' }),
    column('kafka_offset', OID.int8, { source: { from: 'kafka', what: 'offset' } }),
    column('kafka_topic', OID.text, { source: { from: 'kafka', what: 'topic' } }),
  ];
  const r = rng(seed);
  for (let i = cols.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [cols[i], cols[j]] = [cols[j]!, cols[i]!];
  }
  return cols;
}

function plan(id: number, textNul: TextNulMode, staged: boolean, seed: number, key = false, zone?: string): PgPlan {
  const cols = columns(seed);
  if (key) cols.push(column('k', OID.text, { source: { from: 'key', field: 'k' }, notNull: true }));
  return {
    id, table: '"every"', columns: cols, staged, deletes: false, textNul, ...(zone ? { timeZone: zone, dateTimeZone: zone } : {}),
    rules: { pkMode: key ? 'record_key' : 'none', pkFields: key ? ['k'] : [], exclude: [] }, missingTable: false, autoEvolve: false,
  };
}

// ---------- random values, edge cases often ----------

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const CHARS = ['a', 'Z', '0', ' ', 'é', 'ß', '€', '中', '😀', '\u0000', '\uFFFD', '\uFEFF', '"', '\\', '\n', '{'];
function str(r: R, nulOften = 0.03): string {
  const n = Math.floor(r() * (r() < 0.1 ? 60 : 12));
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = r() < 0.6 ? String.fromCharCode(97 + Math.floor(r() * 26)) : pick(r, CHARS);
    s += c === '\u0000' && r() > nulOften * 10 ? 'x' : c;
  }
  return s;
}
function bytes(r: R, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
}
function long(r: R): number | bigint {
  const edge = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 52 - 1, -(2 ** 52), 2 ** 52, 2 ** 53 - 1, -(2 ** 53), 2n ** 60n, -(2n ** 63n), 2n ** 63n - 1n];
  if (r() < 0.15) return pick(r, edge);
  const mag = 10 ** Math.floor(r() * 16);
  return Math.floor((r() - 0.5) * 2 * mag);
}
function int(r: R): number {
  if (r() < 0.15) return pick(r, [0, -1, 32767, 32768, -32768, -32769, 2 ** 31 - 1, -(2 ** 31)]);
  return Math.floor((r() - 0.5) * 2 * 10 ** Math.floor(r() * 10));
}
function decimal(r: R, maxBytes: number): Buffer {
  const n = 1 + Math.floor(r() * maxBytes);
  return bytes(r, n);
}
function fixedDecimal(r: R): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(Math.floor((r() - 0.5) * 2 * 10 ** Math.floor(r() * 15))));
  return b;
}
function float(r: R): number {
  if (r() < 0.15) return pick(r, [0, -0, NaN, Infinity, -Infinity, 1.5, 3.4e38, 1e-45]);
  return (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
}
function ts(r: R, unit: number): number | bigint {
  if (r() < 0.1) return long(r);
  return Math.floor(Date.UTC(2026, 0, 1) * unit + (r() - 0.5) * 1e11 * unit);
}
const maybe = <T>(r: R, f: () => T, p = 0.3): T | null => (r() < p ? null : f());

/** Minimal big-endian two's complement, as Avro's decimal is written. */
function unscaledBytes(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  let start = 0;
  while (start < 7 && ((b[start] === 0 && !(b[start + 1]! & 0x80)) || (b[start] === 0xff && b[start + 1]! & 0x80))) start++;
  return b.subarray(start);
}
const within = (r: R, max: number) => Math.floor((r() - 0.5) * 2 * max);
const uuidText = (r: R) => '123e4567-e89b-12d3-a456-4266141740' + String(Math.floor(r() * 100)).padStart(2, '0');

/** A value every column of the field takes (but NUL in text with text.nul.mode=fail). */
const GOOD: Record<string, (r: R) => unknown> = {
  l: (r) => within(r, 2 ** 31), i: (r) => within(r, 32768), b: (r) => r() < 0.5, f: float, d: float, s: (r) => str(r),
  by: (r) => bytes(r, 16), fx: (r) => bytes(r, 16), fx3: (r) => bytes(r, 3), e: (r) => pick(r, ['RED', 'GREEN', 'BLUE']), e2: (r) => pick(r, ['RED', 'BLUE']),
  dec: (r) => unscaledBytes(within(r, 10_000) * 10), decf: fixedDecimal, dt: (r) => within(r, 40_000), tm: (r) => Math.floor(r() * 86_400_001),
  tu: (r) => Math.floor(r() * 86_400_000_001), tsm: (r) => ts(r, 1), tsu: (r) => ts(r, 1000), lts: (r) => ts(r, 1),
  tsn: (r) => Math.floor(r() * 1e12) * 1000, u: uuidText, ns: (r) => maybe(r, () => str(r)), sn: (r) => str(r), nl: (r) => maybe(r, () => within(r, 2 ** 52)),
  nd: (r) => maybe(r, () => unscaledBytes(within(r, 10 ** Math.floor(r() * 10)))), ne: (r) => maybe(r, () => pick(r, ['RED', 'BLUE'])), nf: (r) => maybe(r, () => bytes(r, 3)),
  arr: (r) => Array.from({ length: Math.floor(r() * 4) }, () => int(r)), m: (r) => (r() < 0.5 ? {} : { [str(r)]: str(r) }),
  rec: (r) => ({ x: int(r), y: str(r) }), multi: (r) => (r() < 0.3 ? null : r() < 0.5 ? int(r) : str(r)), nul: () => null,
  l_g: (r) => within(r, 2 ** 40), s_g: (r) => str(r), b_g: (r) => r() < 0.5, dec_g: (r) => unscaledBytes(within(r, 10 ** 10)), tsm_g: (r) => ts(r, 1),
};
/** Values at and past the edges: beyond 2^52, out of a column's range, too many decimal places, null in NOT NULL, NUL in text. */
const EDGE: Record<string, (r: R) => unknown> = {
  l: long, i: int, s: (r) => str(r) + '\u0000' + str(r), by: (r) => bytes(r, Math.floor(r() * 40)), dec: (r) => decimal(r, 12), decf: fixedDecimal,
  dt: (r) => pick(r, [-2_500_000, -2_451_545 + 10_957, -2_451_546 + 10_957, 2 ** 31 - 1, 2 ** 31 - 1 - 10_957, 2 ** 31 - 10_957, -(2 ** 31)]),
  l_g: long, s_g: (r) => str(r) + '\u0000', tsm_g: long, dec_g: (r) => decimal(r, 12), tm: (r) => pick(r, [-1, 86_400_001, 86_400_000, 0]),
  tu: (r) => pick(r, [-1, 86_400_000_001, 86_400_000_000]), tsm: long, tsu: long, lts: long, tsn: long, u: (r) => str(r),
  ns: (r) => str(r) + '\u0000', sn: () => null, nl: long, nd: (r) => decimal(r, 9), e2: () => 'GREEN', f: float, d: float,
};

function record(r: R): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, good] of Object.entries(GOOD)) out[name] = EDGE[name] && r() < 0.025 ? EDGE[name]!(r) : good(r);
  return out;
}

// ---------- the two paths ----------

const avroOf = avroType(SCHEMA);
function framed(value: Record<string, unknown>): Buffer {
  const body = avroOf.toBuffer(value);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(SCHEMA_ID, 1);
  body.copy(out, 5);
  return out;
}

/** Bad bytes the decoder must refuse: truncated, trailing, invalid UTF-8 in a string. */
function damaged(r: R, good: Buffer): Buffer {
  switch (Math.floor(r() * 3)) {
    case 0: return good.subarray(0, 5 + Math.floor(r() * (good.length - 5)));
    case 1: return Buffer.concat([good, Buffer.from([0])]);
    default: {
      const rec = record(r);
      rec.s = 'MARKMARK';
      const b = framed(rec);
      const at = b.indexOf('MARKMARK');
      b[at + 2] = pick(r, [0xff, 0xc0, 0xed, 0x80]);
      b[at + 3] = pick(r, [0xa0, 0x41, 0x80]);
      return b;
    }
  }
}

interface Run {
  output: Buffer | null;
  failures: { index: number; stage: string; reason: string }[];
}

/** What worker.ts does, with the decode-then-add path only. */
async function usualPath(p: PgPlan, values: Buffer[], keys: (string | null)[]): Promise<Run> {
  const decoder = new AvroDecoder({ schemaById: async () => JSON.stringify(SCHEMA) } as unknown as SchemaRegistryClient);
  await decoder.prepare(values);
  const keyDecoder = createDecoder('string', {});
  const enc = new PgEncoder();
  enc.begin(p, 'topic', 0);
  const failures: Run['failures'] = [];
  values.forEach((bytes, i) => {
    let value;
    try {
      value = decoder.decode(bytes);
    } catch (err) {
      failures.push({ index: i, stage: 'decode', reason: (err as Error).message });
      return;
    }
    const key = keys[i] === null ? undefined : keyDecoder.decode(Buffer.from(keys[i]!));
    const ctx: RecordContext = { topic: 'topic', partition: 0, offset: 1000 + i, timestamp: 0, key: key?.value ?? null, keyBytes: null, headers: () => [] };
    try {
      enc.add(value, key, ctx);
    } catch (err) {
      enc.discardCurrent();
      if (!(err instanceof ConvertError)) throw err;
      failures.push({ index: i, stage: 'convert', reason: err.message });
    }
  });
  const out = enc.finish();
  return { output: out.output ? Buffer.from(new Uint8Array(out.output)) : null, failures };
}

let registryUrl = '';
const server = http.createServer((req, res) => {
  if (req.url === `/schemas/ids/${SCHEMA_ID}`) res.end(JSON.stringify({ schema: JSON.stringify(SCHEMA) }));
  else {
    res.statusCode = 404;
    res.end(JSON.stringify({ error_code: 40403, message: 'not found' }));
  }
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let connectorVersion = 0;
async function workerPath(p: PgPlan, values: Buffer[], keys: (string | null)[]): Promise<Run> {
  const messages: SourceMessage[] = values.map((value, i) => ({ value, key: keys[i], offset: 1000 + i, timestamp: 0 }));
  let data = 0;
  for (const m of messages) data += BatchWriter.sizeOf(m);
  const batch = new SharedArrayBuffer(bufferBytes(messages.length, data));
  const w = new BatchWriter(batch, messages.length, 0);
  for (const m of messages) expect(w.tryAppend(m)).toBe(true);
  w.seal();
  const res = await encodeBatch({
    batch, topic: 'topic', plan: { sink: 'postgres', plan: p },
    connector: { id: 'avro-copy-test', version: ++connectorVersion, setup: { keyFormat: 'string', valueFormat: 'avro', valueRegistryUrl: registryUrl } },
  });
  return {
    output: res.output ? Buffer.from(new Uint8Array(res.output)) : null,
    failures: res.failures.map((f: RecordFailure) => ({ index: f.index, stage: f.stage, reason: f.reason })),
  };
}

describe('Avro → binary COPY straight from the bytes', () => {
  const cases: [string, TextNulMode, boolean, boolean, string?][] = [
    ['text.nul.mode=escape', 'escape', false, false],
    ['text.nul.mode=fail, staged (upsert) tuples', 'fail', true, false],
    ['text.nul.mode=drop, a key column', 'drop', false, true],
    // Timestamp, time and date columns then take the value writers (wall clock in the zone).
    ['db.timezone=Asia/Kolkata', 'escape', false, false, 'Asia/Kolkata'],
  ];
  for (const [what, textNul, staged, key, zone] of cases) {
    it(`writes every value byte for byte as decode + encode does, and fails the same records with the same errors (${what})`, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        const r = rng(seed * 7919 + (staged ? 1 : 0) + (key ? 2 : 0));
        const p = plan(seed, textNul, staged, seed, key, zone);
        const values: Buffer[] = [];
        const keys: (string | null)[] = [];
        for (let i = 0; i < 400; i++) {
          const good = framed(record(r));
          values.push(r() < 0.03 ? damaged(r, good) : good);
          keys.push(key ? (r() < 0.05 ? null : `key-${i}`) : null);
        }
        const usual = await usualPath(p, values, keys);
        const spy = vi.spyOn(TableEncoder.prototype, 'addAvro');
        const worker = await workerPath(p, values, keys);
        const direct = spy.mock.results.filter((x) => x.value === true).length;
        spy.mockRestore();
        // Most records went straight from their bytes; the failing ones, and those with a value the
        // transcoder leaves alone (NUL in text, a long past 2^52), the usual way.
        expect(direct).toBeGreaterThan(0.7 * (values.length - usual.failures.length));
        expect(worker.failures).toEqual(usual.failures);
        expect(worker.output).not.toBeNull();
        expect(worker.output!.equals(usual.output!), `seed ${seed}: output bytes differ`).toBe(true);
        // Not vacuous: most records are written, and many fail for a reason the test means to check.
        expect(usual.failures.length).toBeGreaterThan(20);
        expect(usual.failures.length).toBeLessThan(380);
        expect(usual.failures.some((f) => f.stage === 'decode')).toBe(true);
      }
    });
  }

  it('takes the fast path for ordinary rows (fewer than every record falls back)', async () => {
    const simple = {
      type: 'record', name: 'Simple',
      fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'note', type: ['null', 'string'] }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }],
    };
    const decoder = new AvroDecoder({ schemaById: async () => JSON.stringify(simple) } as unknown as SchemaRegistryClient);
    const t = avroType(simple);
    const rows = [{ id: 1, name: 'ä😀', note: null, at: 1_767_225_600_000 }, { id: -5, name: '', note: 'x', at: 0 }];
    const values = rows.map((v) => Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), t.toBuffer(v)]));
    await decoder.prepare(values);
    const p: PgPlan = {
      id: 1, table: '"s"', staged: false, deletes: false, textNul: 'escape', autoEvolve: false, missingTable: false,
      rules: { pkMode: 'none', pkFields: [], exclude: [] },
      columns: [column('note', OID.text), column('id', OID.int8), column('at', OID.timestamptz), column('name', OID.text)],
    };
    const fast = new TableEncoder();
    const slow = new TableEncoder();
    fast.begin(p, 't', 0);
    slow.begin(p, 't', 0);
    values.forEach((bytes, i) => {
      const ctx: RecordContext = { topic: 't', partition: 0, offset: i, timestamp: 0, key: null, keyBytes: null, headers: () => [] };
      expect(fast.addAvro(bytes, decoder.avroSchemaOf(bytes)!, undefined, ctx)).toBe(true);
      slow.add(decoder.decode(bytes), undefined, ctx);
    });
    const a = new Uint8Array(fast.finish().output!);
    const b = new Uint8Array(slow.finish().output!);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
