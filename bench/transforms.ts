// The per-record cost of single message transforms on one thread, through the
// worker's own code path (runChain, the PostgreSQL encoder): a Debezium
// change event (Connect JSON with schema) unwrapped, a field dropped, two
// inserted. Prints µs/record for
//   decode + encode of the same rows already flat (no transforms),
//   decode of the envelope + the chain + encode,
//   the chain alone (records decoded beforehand), and per transform.
// Run: npx vite-node bench/transforms.ts [records]   (BENCH_ONLY=chain or =full: just those timings)
import { performance } from 'node:perf_hooks';
import { PgEncoder, type PgPlan } from '../src/sinks/postgres/encoding.js';
import { OID } from '../src/sinks/postgres/types.js';
import type { RecordContext } from '../src/workers/encoder.js';
import { readTransforms, TransformChain } from '../src/transforms/chain.js';
import { newTransformRecord, runChain } from '../src/transforms/worker-step.js';
import { ConnectJsonDecoder, type Decoded } from '../src/workers/decode/decoders.js';

const N = Number(process.argv[2] ?? 200_000);
const DISTINCT = 10_000;
const TOPIC = 'dbserver1.inventory.customers';

const rowFields = [
  { field: 'id', type: 'int64', optional: false },
  { field: 'first_name', type: 'string', optional: false },
  { field: 'last_name', type: 'string', optional: false },
  { field: 'email', type: 'string', optional: false },
  { field: 'balance', type: 'double', optional: true },
  { field: 'created_at', type: 'int64', optional: false, name: 'org.apache.kafka.connect.data.Timestamp' },
  { field: 'notes', type: 'string', optional: true },
];
const rowSchema = { type: 'struct', optional: true, name: `${TOPIC}.Value`, fields: rowFields };
const envSchema = {
  type: 'struct', name: `${TOPIC}.Envelope`, optional: false,
  fields: [
    { ...rowSchema, field: 'before' }, { ...rowSchema, field: 'after' },
    { type: 'struct', field: 'source', optional: false, name: 'io.debezium.connector.postgresql.Source', fields: [
      { field: 'version', type: 'string', optional: false }, { field: 'connector', type: 'string', optional: false }, { field: 'name', type: 'string', optional: false },
      { field: 'ts_ms', type: 'int64', optional: false }, { field: 'db', type: 'string', optional: false }, { field: 'schema', type: 'string', optional: false },
      { field: 'table', type: 'string', optional: false }, { field: 'txId', type: 'int64', optional: true }, { field: 'lsn', type: 'int64', optional: true },
    ] },
    { field: 'op', type: 'string', optional: false }, { field: 'ts_ms', type: 'int64', optional: true },
  ],
};
const flatSchema = { type: 'struct', optional: false, fields: [...rowFields.filter((f) => f.field !== 'notes'), { field: '__op', type: 'string', optional: true }, { field: '__source_ts_ms', type: 'int64', optional: true }, { field: 'kafka_topic', type: 'string', optional: true }, { field: 'kafka_offset', type: 'int64', optional: true }] };

function row(i: number) {
  return { id: i, first_name: `First${i}`, last_name: `Last${i % 97}`, email: `user${i}@example.com`, balance: i * 1.25, created_at: 1_700_000_000_000 + i, notes: i % 3 ? null : 'vip' };
}
const source = (i: number) => ({ version: '2.7.0.Final', connector: 'postgresql', name: 'dbserver1', ts_ms: 1_700_000_000_000 + i, db: 'inventory', schema: 'inventory', table: 'customers', txId: 700 + i, lsn: 33_000_000 + i });

const envelopes: Buffer[] = [];
const flats: Buffer[] = [];
for (let i = 0; i < DISTINCT; i++) {
  envelopes.push(Buffer.from(JSON.stringify({ schema: envSchema, payload: { before: null, after: row(i), source: source(i), op: i % 10 ? 'u' : 'c', ts_ms: 1_700_000_000_100 + i } })));
  const { notes: _drop, ...r } = row(i);
  flats.push(Buffer.from(JSON.stringify({ schema: flatSchema, payload: { ...r, __op: 'u', __source_ts_ms: 1_700_000_000_000 + i, kafka_topic: TOPIC, kafka_offset: i } })));
}

const chain = new TransformChain(readTransforms(new Map(Object.entries({
  transforms: 'unwrap,drop,insert',
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.add.fields': 'op,source.ts_ms',
  'transforms.drop.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
  'transforms.drop.exclude': 'notes',
  'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
  'transforms.insert.topic.field': 'kafka_topic',
  'transforms.insert.offset.field': 'kafka_offset',
})), [])!);
const TRANSFORMS = 3;

const col = (name: string, typeOid: number, typeName: string) => ({ name, typeOid, typeName, elemOid: 0, typmod: -1, sqlType: typeName, notNull: false, pk: false, source: { from: 'value' as const, field: name } });
const plan: PgPlan = {
  id: 1, table: '"customers"', staged: false, deletes: false, textNul: 'escape', autoEvolve: false, missingTable: false,
  rules: { pkMode: 'none', pkFields: [], exclude: [] },
  columns: [
    col('id', OID.int8, 'int8'), col('first_name', OID.text, 'text'), col('last_name', OID.text, 'text'), col('email', OID.text, 'text'),
    col('balance', OID.float8, 'float8'), col('created_at', OID.timestamptz, 'timestamptz'), col('__op', OID.text, 'text'),
    col('__source_ts_ms', OID.int8, 'int8'), col('kafka_topic', OID.text, 'text'), col('kafka_offset', OID.int8, 'int8'),
  ],
};

const ctx: RecordContext = { topic: TOPIC, partition: 0, offset: 0, timestamp: 1_700_000_000_000, key: null, keyBytes: null, headers: () => [] };
const BATCH = 5_000;

/** µs per record of `pass` over N records, best of 9 runs after a warm-up. */
function time(pass: (n: number) => void): number {
  pass(Math.min(N, 50_000));
  let best = Infinity;
  for (let run = 0; run < 9; run++) {
    const t0 = performance.now();
    pass(N);
    best = Math.min(best, ((performance.now() - t0) * 1000) / N);
  }
  return best;
}

function encodePass(values: Buffer[], withChain: boolean) {
  const decoder = new ConnectJsonDecoder();
  const encoder = new PgEncoder();
  const rec = newTransformRecord(TOPIC, 0, () => []);
  return (n: number) => {
    for (let start = 0; start < n; start += BATCH) {
      encoder.begin(plan, TOPIC, 0);
      const end = Math.min(n, start + BATCH);
      for (let i = start; i < end; i++) {
        let value: Decoded | undefined = decoder.decode(values[i % DISTINCT]!);
        ctx.offset = i;
        if (withChain) {
          const out = runChain(chain, rec, ctx, undefined, value, TOPIC);
          if (out === undefined || 'reason' in out) throw new Error(`unexpected: ${JSON.stringify(out)}`);
          value = out.value;
        }
        encoder.add(value!, undefined, ctx);
      }
      encoder.finish();
    }
  };
}

const decoded: Decoded[] = (() => {
  const d = new ConnectJsonDecoder();
  return envelopes.map((b) => d.decode(b));
})();

function chainPass(n: number) {
  const rec = newTransformRecord(TOPIC, 0, () => []);
  for (let i = 0; i < n; i++) {
    ctx.offset = i;
    const out = runChain(chain, rec, ctx, undefined, decoded[i % DISTINCT], TOPIC);
    if (out === undefined || 'reason' in out) throw new Error('unexpected');
  }
}

function decodePass(n: number) {
  const d = new ConnectJsonDecoder();
  for (let i = 0; i < n; i++) d.decode(envelopes[i % DISTINCT]!);
}

const only = process.env.BENCH_ONLY;
if (only === "chain") { console.log(time(chainPass)); process.exit(0); }
if (only === "full") { console.log(time(encodePass(envelopes, true)), time(decodePass), time(chainPass)); process.exit(0); }
const flat = time(encodePass(flats, false));
const full = time(encodePass(envelopes, true));
const decodeOnly = time(decodePass);
const chainOnly = time(chainPass);
const fmt = (x: number) => x.toFixed(3);
console.log(`records per run: ${N} (${DISTINCT} distinct), one thread, node ${process.version}`);
console.log(`decode + encode, rows already flat (no transforms):          ${fmt(flat)} µs/record`);
console.log(`decode envelope only:                                        ${fmt(decodeOnly)} µs/record`);
console.log(`decode envelope + unwrap + ReplaceField + InsertField + encode: ${fmt(full)} µs/record`);
console.log(`the chain alone (3 transforms, via runChain):                ${fmt(chainOnly)} µs/record = ${fmt(chainOnly / TRANSFORMS)} µs/record/transform`);
