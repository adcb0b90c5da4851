// The bad-input corpus (corpus-kinds.ts): one topic per family holding every
// kind as [good, kind, good]. With errors.tolerance=all and a dead-letter
// topic, per sink, every kind must come out as corpus-kinds.ts says (landed as
// exactly that, dead-lettered with its bytes, headers, stage and message, or
// neither), every good record lands once and the group commits the log end.
// With errors.tolerance=none, one run per family and sink: Sluice stops at the
// first kind that is dead-lettered with tolerance=all, naming it, exit code 1,
// the committed offset is that record's, and everything before it landed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Kafka from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { createTopic, groupProgress } from '../helpers/kafka.js';
import { sql, withPg } from '../helpers/pg.js';
import { registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { KAFKA, REGISTRY, S3_ACCESS_KEY, S3_BUCKET, S3_SECRET_KEY, S3_URL, uniqueName } from '../helpers/stack.js';
import { createHash } from 'node:crypto';
import { FAMILIES, WRONG, type CorpusRecord, type Ctx, type Family, type Kind, type Outcome } from './corpus-kinds.js';
import { pgConnector, waitUntilCommitted } from './postgres-helpers.js';
import { s3Connector } from './s3-support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const execP = promisify(execFile);
const DLQ = (dlq: string) => ({
  'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq, 'errors.deadletterqueue.topic.replication.factor': '1',
  'errors.deadletterqueue.context.headers.enable': 'true',
});

interface Produced { family: Family; topic: string; records: CorpusRecord[]; kindAt: Map<number, Kind> }

/** Creates the family's topic (dashes in its name: they map to the table name) and produces every kind. */
async function produceFamily(family: Family): Promise<Produced> {
  const topic = uniqueName(`corpus-${family.name}`);
  await createTopic(topic, 1);
  const schemas = new Map<string, number>();
  const collect: Ctx = { topic, schemaId: (s) => { schemas.set(JSON.stringify(s), 1); return 1; } };
  const build = (ctx: Ctx) => {
    const records: CorpusRecord[] = [];
    const kindAt = new Map<number, Kind>();
    for (const k of family.kinds) {
      records.push(family.good(records.length, ctx));
      kindAt.set(records.length, k);
      records.push(k.make(records.length, ctx));
      records.push(family.good(records.length, ctx));
    }
    return { records, kindAt };
  };
  build(collect);
  let n = 0;
  for (const s of schemas.keys()) schemas.set(s, await registerSchema(`${topic}-s${n++}`, JSON.parse(s)));
  const { records, kindAt } = build({ topic, schemaId: (s) => schemas.get(JSON.stringify(s))! });
  await produceRecords(topic, records);
  return { family, topic, records, kindAt };
}

const bytes = (b: Buffer | string | null | undefined): Buffer | null =>
  b == null ? null : (typeof b === 'string' ? Buffer.from(b) : b).length === 0 ? Buffer.alloc(1).subarray(0, 0) : (typeof b === 'string' ? Buffer.from(b) : b);

async function produceRecords(topic: string, records: CorpusRecord[]): Promise<void> {
  const producer = new Kafka.HighLevelProducer({ 'bootstrap.servers': KAFKA, 'linger.ms': 5, 'compression.type': 'lz4', 'message.max.bytes': 4_000_000 } as never);
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
  try {
    await Promise.all(records.map((r) => new Promise<void>((resolve, reject) => {
      const headers = (r.headers ?? []).map((h) => ({ [String(h.name)]: h.value === null ? null : bytes(h.value) }));
      producer.produce(topic, 0, bytes(r.value), bytes(r.key), null, headers as never, (err: unknown) => (err ? reject(err) : resolve()));
    })));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

interface Dead { offset: number; key: Buffer | null; value: Buffer | null; headers: [string, Buffer | null][] }

/** Every dead letter up to the topic's end (none when the topic was never created). */
async function readDlq(topic: string): Promise<Dead[]> {
  const n = await groupProgress(`corpus-ends-${Date.now()}`, topic).then((ps) => ps.reduce((a, p) => a + p.end, 0), () => 0);
  if (n === 0) return [];
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': KAFKA, 'group.id': `corpus-reader-${Date.now()}`, 'enable.auto.commit': false } as never, { 'auto.offset.reset': 'earliest' } as never);
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 } as never, (err) => (err ? reject(err) : resolve())));
  const got: Dead[] = [];
  try {
    consumer.subscribe([topic]);
    const deadline = Date.now() + 60_000;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`read ${got.length} of ${n} dead letters from ${topic}`);
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(100, (err, ms) => (err ? reject(err) : resolve(ms ?? []))));
      for (const m of batch) {
        const headers: [string, Buffer | null][] = [];
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers.push([k, v == null ? null : Buffer.from(v as Buffer)]);
        const off = headers.find(([k]) => k === '__connect.errors.offset');
        got.push({ offset: Number(off?.[1]?.toString()), key: m.key == null ? null : Buffer.from(m.key), value: m.value, headers });
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return got;
}

/** Every column as text (UTC), nulls left out. */
async function pgRows(table: string): Promise<Record<string, string>[]> {
  return withPg(async (c) => {
    await c.query("SET TIME ZONE 'UTC'");
    const cols = (await c.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table])).rows.map((r) => r.column_name);
    const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
    const rows = (await c.query(`SELECT ${cols.map((col) => `${q(col)}::text AS ${q(col)}`).join(', ')} FROM ${q(table)}`)).rows as Record<string, string | null>[];
    return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)) as Record<string, string>);
  });
}

// Parquet rows through pyarrow, exactly: dates/times/timestamps as their stored
// integers tagged with the Arrow type, ints beyond 2^53 as text, bytes as hex.
const READER = `
import sys, json, decimal, pyarrow as pa, pyarrow.parquet as pq, pyarrow.fs as pafs, os
def conv(v):
    if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)): return [conv(x) for x in v]
    if isinstance(v, (bytes, bytearray)): return {"$hex": v.hex()}
    if isinstance(v, decimal.Decimal): return {"$decimal": str(v)}
    if isinstance(v, bool): return v
    if isinstance(v, int) and abs(v) > 2**53: return {"$int": str(v)}
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))): return {"$float": str(v)}
    if hasattr(v, "isoformat"): return {"$iso": v.isoformat()}
    return v
scheme, _, host = sys.argv[1].partition("://")
fs = pafs.S3FileSystem(access_key=os.environ["K"], secret_key=os.environ["S"], endpoint_override=host, scheme=scheme, region="us-east-1", force_virtual_addressing=False)
rows = []
for info in sorted(fs.get_file_info(pafs.FileSelector(sys.argv[2], recursive=True, allow_not_found=True)), key=lambda i: i.path):
    if info.type != pafs.FileType.File or not info.path.endswith(".parquet"): continue
    t = pq.ParquetFile(info.path, filesystem=fs).read()
    cols = {}
    for i, f in enumerate(t.schema):
        c = t.column(i)
        if pa.types.is_temporal(f.type):
            st = pa.int32() if (pa.types.is_date32(f.type) or pa.types.is_time32(f.type)) else pa.int64()
            cols[f.name] = [None if x is None else {"$" + str(f.type): str(x)} for x in c.cast(st).to_pylist()]
        else:
            cols[f.name] = [conv(x) for x in c.to_pylist()]
    for r in range(t.num_rows):
        rows.append({k: v[r] for k, v in cols.items() if v[r] is not None})
json.dump(rows, sys.stdout)
`;
async function s3Rows(prefix: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await execP(path.join(ROOT, '.venv/bin/python'), ['-c', READER, S3_URL, `${S3_BUCKET}/${prefix}`], {
    env: { ...process.env, K: S3_ACCESS_KEY, S: S3_SECRET_KEY, AWS_EC2_METADATA_DISABLED: 'true' }, maxBuffer: 1 << 30, timeout: 120_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>[];
}

/** A string over 1000 characters as its length and hash, so that the expectation stays short. */
function longText(v: unknown): unknown {
  return typeof v === 'string' && v.length > 1000 ? `$${v.length} chars sha256:${createHash('sha256').update(v).digest('hex').slice(0, 16)}` : v;
}

type Sink = 'pg' | 's3';
function connector(p: Produced, sink: Sink, extra: Record<string, string>, dir: string): Record<string, unknown> {
  const base = { 'key.converter': 'org.apache.kafka.connect.storage.StringConverter', ...p.family.converters, 'value.converter.schema.registry.url': REGISTRY };
  return sink === 'pg'
    ? pgConnector(p.topic, { ...base, ...p.family.pgExtra, ...extra })
    : s3Connector(p.topic, dir, { ...base, 'flush.size': '1000000', 'rotate.schedule.interval.ms': '1000', 'parquet.codec': 'none', ...p.family.s3Extra, ...extra });
}

async function prepare(p: Produced, sink: Sink, suffix = ''): Promise<{ table: string; dir: string }> {
  const table = `${p.topic}${suffix}`;
  if (sink === 'pg') await sql(p.family.ddl.replace('%T', `"${table}"`));
  return { table, dir: uniqueName('corpus') };
}

async function landed(sink: Sink, table: string, dir: string): Promise<Record<string, unknown>[]> {
  return sink === 'pg' ? pgRows(table) : s3Rows(`${dir}/`);
}

const families = await Promise.all(FAMILIES.map((f) => produceFamily({ ...f, kinds: f.kinds.filter((k) => !WRONG.some((w) => w.kind === k.name)) })));
const isFailure = (o: Outcome) => 'dlq' in o;

describe.concurrent.each(families.flatMap((p) => (['pg', 's3'] as const).map((sink) => ({ p, sink, label: `${p.family.name} → ${sink}` }))))('corpus $label', ({ p, sink }) => {
  it('errors.tolerance=all with a dead-letter topic: every kind as expected, every good record once, the log end committed', async () => {
    const { table, dir } = await prepare(p, sink);
    const dlq = uniqueName(`corpus_dlq_${p.family.name}_${sink}`);
    const name = uniqueName(`corpus_${p.family.name}_${sink}`);
    const sluice = startSluice(['run', '--config', writeConnector(connector(p, sink, DLQ(dlq), dir), name)], { SLUICE_WORKER_THREADS: '1' });
    try {
      await waitUntilCommitted(sluice, `connect-${name}`, [p.topic], 150_000);
    } finally {
      expect((await sluice.stop()).code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(await groupProgress(`connect-${name}`, p.topic)).toEqual([{ partition: 0, committed: p.records.length, end: p.records.length }]);
    const rows = await landed(sink, table, dir);
    const dead = await readDlq(dlq);
    const idCol = p.family.idCol;
    const byId = new Map<number, Record<string, unknown>[]>();
    const stray: unknown[] = [];
    for (const r of rows) {
      const id = Number(r[idCol]);
      if (r[idCol] === undefined || Number.isNaN(id)) stray.push(r);
      else byId.set(id, [...(byId.get(id) ?? []), r]);
    }
    expect(stray, 'rows without an id').toEqual([]);
    // Good records: each exactly once (a tombstone that deletes its predecessor excepted).
    const problems: string[] = [];
    const actual: Record<string, unknown> = {};
    for (let o = 0; o < p.records.length; o++) {
      const kind = p.kindAt.get(o);
      const got = byId.get(o) ?? [];
      const dl = dead.filter((d) => d.offset === o);
      if (!kind) {
        const deleted = sink === 'pg' && p.kindAt.get(o + 1)?.deletesPrevious;
        if (dl.length || got.length !== (deleted ? 0 : 1) || (got[0] && got[0].note !== 'g')) problems.push(`good record at ${o}: ${JSON.stringify(got)} dead ${dl.length}`);
        continue;
      }
      const rec = p.records[o]!;
      let out: unknown;
      if (got.length && dl.length) out = { landed: got, dlq: dl.length };
      else if (got.length > 1) out = { landedTwice: got };
      else if (got.length === 1) {
        const { [idCol]: _id, ...rest } = got[0]!;
        out = { land: Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, longText(v)])) };
      } else if (dl.length === 1) {
        const d = dl[0]!;
        const h = (n: string) => d.headers.find(([k]) => k === n)?.[1]?.toString();
        const own = d.headers.filter(([k]) => !k.startsWith('__connect.errors.')).map(([k, v]) => [k, v === null ? null : v.toString('hex')]);
        const want = (rec.headers ?? []).map((x) => [String(x.name), x.value === null ? null : Buffer.from(x.value).toString('hex')]);
        if (JSON.stringify(own) !== JSON.stringify(want)) problems.push(`${kind.name}: DLQ headers ${JSON.stringify(own)} != ${JSON.stringify(want)}`);
        const eqBytes = (a: Buffer | null, b: Buffer | string | null | undefined) => (a === null ? b == null : b != null && a.equals(Buffer.from(b)));
        if (!eqBytes(d.value, rec.value)) problems.push(`${kind.name}: DLQ value bytes differ`);
        if (!eqBytes(d.key, rec.key)) problems.push(`${kind.name}: DLQ key bytes differ (${d.key?.toString('hex')} vs ${rec.key == null ? rec.key : Buffer.from(rec.key).toString('hex')})`);
        if (h('__connect.errors.topic') !== p.topic || h('__connect.errors.partition') !== '0') problems.push(`${kind.name}: DLQ topic/partition headers`);
        // The topic (table) name, the registry URL and schema ids change from run to run.
        const msg = (h('__connect.errors.exception.message') ?? '').replaceAll(p.topic, '%T').replaceAll(REGISTRY, '%R').replace(/schema id \d+/g, 'schema id N');
        out = { dlq: h('__connect.errors.stage'), msg };
      } else if (dl.length > 1) out = { dlqTwice: dl.length };
      else out = { none: true };
      actual[kind.name] = out;
      if (JSON.stringify(out) !== JSON.stringify(kind[sink])) problems.push(`${kind.name}: got ${JSON.stringify(out)} expected ${JSON.stringify(kind[sink])}`);
    }
    const wantDead = [...p.kindAt.values()].filter((k) => isFailure(k[sink])).length;
    if (dead.length !== wantDead) problems.push(`${dead.length} dead letters, expected ${wantDead}`);
    if (process.env.CORPUS_DUMP) console.log(`ACTUAL ${p.family.name} ${sink} ${JSON.stringify(actual)}`);
    expect(problems).toEqual([]);
  });

  const firstBad = [...p.kindAt.entries()].find(([, k]) => isFailure(k[sink]));
  it.skipIf(!firstBad)('errors.tolerance=none: stops at the first bad kind naming it, commits up to it, everything before it landed', async () => {
    await expectStop(p, sink, firstBad![0], '_none');
  });

  // A few more kinds, each alone between two good records in a topic of its
  // own: the first of each stage and kind of message (Sluice's own check, or
  // the database refusing the row).
  const seen = new Set<string>([firstBad ? stopClass(firstBad[1][sink]) : '']);
  const reps = p.family.kinds.filter((k) => {
    if (!isFailure(k[sink]) || seen.has(stopClass(k[sink]))) return false;
    seen.add(stopClass(k[sink]));
    return true;
  });
  it.each(reps.map((k) => ({ k, label: k.name })))('errors.tolerance=none, alone: $label', async ({ k }) => {
    const one = await produceFamily({ ...p.family, kinds: [k] });
    await expectStop(one, sink, 1, '');
  });
});

function stopClass(o: Outcome): string {
  return 'dlq' in o ? `${o.dlq}|${/refused the row/.test(o.msg)}` : '';
}

/** Runs Sluice with errors.tolerance=none on the family's topic; it must stop at `offset` as the kind's outcome says. */
async function expectStop(p: Produced, sink: Sink, offset: number, suffix: string): Promise<void> {
  const exp = p.kindAt.get(offset)![sink] as Extract<Outcome, { dlq: string }>;
  const { table, dir } = await prepare(p, sink, suffix);
  const name = uniqueName(`corpus_none_${p.family.name}_${sink}`);
  const sluice = startSluice(['run', '--config', writeConnector(connector(p, sink, { 'errors.tolerance': 'none', 'batch.max.records': '4', ...(sink === 'pg' ? { 'table.name.format': table } : {}) }, dir), name)], { SLUICE_WORKER_THREADS: '1' });
  const t = setTimeout(() => sluice.child.kill('SIGKILL'), 120_000);
  const exit = await sluice.exited;
  clearTimeout(t);
  expect(exit.code, sluice.output().slice(-3000)).toBe(1);
  const line = sluice.output().split('\n').find((l) => l.startsWith('sluice: '));
  const stage = exp.dlq === 'TASK_PUT' ? (/refused the row/.test(exp.msg) ? 'write' : 'convert') : 'decode';
  const head = `sluice: ${stage} failed at topic ${p.topic} partition 0 offset ${offset}: ${exp.msg}`.replaceAll('%T', table).replaceAll('%R', REGISTRY);
  expect(line?.replace(/schema id \d+/g, 'schema id N')).toBe(head);
  const [progress] = await groupProgress(`connect-${name}`, p.topic);
  const ids = (await landed(sink, table, dir)).map((r) => Number(r[p.family.idCol])).sort((a, b) => a - b);
  const goodBefore = (n: number) => [...Array(Math.max(n, 0)).keys()].filter((o) => !('dlq' in (p.kindAt.get(o)?.[sink] ?? { land: {} })) && !('none' in (p.kindAt.get(o)?.[sink] ?? {})));
  if (stage !== 'write') {
    // Everything before the bad record landed and is committed; nothing at or after it.
    expect(progress).toEqual({ partition: 0, committed: offset, end: p.records.length });
    expect(ids).toEqual(goodBefore(offset));
  } else {
    // The database refused a row of a COPY: the whole batch rolls back, so the
    // commit stays at that batch's start (-1: nothing yet) and what is before
    // it landed; the good records of the batch come again on the next start.
    expect(progress!.committed).toBeLessThan(offset);
    expect(ids).toEqual(goodBefore(progress!.committed));
  }
}

describe.runIf(WRONG.length > 0)('kinds where Sluice looks wrong (left out of the corpus)', () => {
  for (const w of WRONG) it.todo(`${w.kind}: ${w.reason}`);
});
