// Field and time-based partitioners on the real broker, registry and MinIO:
// object names and layout are Confluent's, each row lands under the path its
// own values (or time, in the configured time zone) say, and pyarrow reads
// back every row as produced.
import { beforeAll, describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDER_AVRO_SCHEMA, type Order, type WireFormat } from '../helpers/orders.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { registerSchema } from '../helpers/registry.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { REGISTRY, uniqueName, waitFor } from '../helpers/stack.js';
import { ensurePythonReaders, listObjects, readParquet, s3Connector } from './s3-support.js';

const PARTITIONS = 2;
const PER_PARTITION = 3000;
const FLUSH = 1000;

beforeAll(async () => {
  await ensurePythonReaders();
}, 600_000);

/** Sets are FLUSH consecutive offsets of a partition; each holds one file per path, named by the path's first offset in the set. */
function expectedKeys(dir: string, topic: string, placed: { partition: number; offset: number; path: string }[]): string[] {
  const keys = new Set<string>();
  const seen = new Set<string>();
  for (const r of placed) {
    const set = Math.floor(r.offset / FLUSH);
    const id = `${r.partition}/${set}/${r.path}`;
    if (seen.has(id)) continue;
    seen.add(id);
    keys.add(`${dir}/${topic}/${r.path}/${topic}+${r.partition}+${String(r.offset).padStart(10, '0')}.snappy.parquet`);
  }
  return [...keys].sort();
}

function expectedRow(o: Order) {
  return {
    id: o.id, customer: o.customer, amount: { $decimal: (o.amountCents / 100).toFixed(2) }, quantity: o.quantity,
    created_at: { $timestamp: new Date(o.createdAt).toISOString().replace('Z', '000+00:00') }, status: o.status, note: o.note,
  };
}

async function runToEnd(topic: string, dir: string, format: WireFormat, extra: Record<string, unknown>, schemaId = 0, tweak?: (o: Order) => Order) {
  await createTopic(topic, PARTITIONS);
  const all = [...orders(PARTITIONS * PER_PARTITION, 31)].map((o) => (tweak ? tweak(o) : o));
  // Partition p gets ids p+1, p+1+PARTITIONS, … in order, so offset = index within the partition.
  await produce(topic, all.map((o) => ({ key: String(o.id), value: encodeOrder(format, o, schemaId), partition: (o.id - 1) % PARTITIONS })));
  const name = uniqueName('s3');
  const file = writeConnector(s3Connector(topic, dir, { ...converterConfig(format, REGISTRY), 'flush.size': String(FLUSH), ...extra }), name);
  const sluice = startSluice(['run', '--config', file], { SLUICE_WORKER_THREADS: '2' });
  try {
    await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 500);
  } finally {
    const exit = await sluice.stop('SIGTERM');
    expect(exit.code, sluice.output().slice(-3000)).toBe(0);
  }
  const placedOf = (pathOf: (o: Order) => string) =>
    all.map((o) => ({ partition: (o.id - 1) % PARTITIONS, offset: Math.floor((o.id - 1) / PARTITIONS), path: pathOf(o) }));
  return { all, placedOf };
}

describe('S3 Parquet sink partitioners', () => {
  it('FieldPartitioner (Avro values): status=<value>/ per record, one file per path and set', async () => {
    const topic = uniqueName('s3_field');
    const dir = uniqueName('it');
    const schemaId = await registerSchema(`${topic}-value`, ORDER_AVRO_SCHEMA);
    const { all, placedOf } = await runToEnd(topic, dir, 'avro', {
      'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner',
      'partition.field.name': 'status',
    }, schemaId);
    const pathOf = (o: Order) => `status=${o.status}`;
    const want = expectedKeys(dir, topic, placedOf(pathOf));
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual(want);

    const files = await readParquet(`${dir}/${topic}/`);
    expect(files.map((f) => f.key)).toEqual(want);
    const byId = new Map(all.map((o) => [o.id, o]));
    let n = 0;
    for (const f of files) {
      for (const r of f.data) {
        const o = byId.get(r.id as number)!;
        expect(f.key.startsWith(`${dir}/${topic}/${pathOf(o)}/`), `${f.key} holds id ${o.id}`).toBe(true);
        expect(r).toEqual(expectedRow(o));
        n++;
      }
    }
    expect(n).toBe(all.length);
  });

  it('TimeBasedPartitioner (Connect JSON, RecordField extractor): hourly paths in the configured time zone', async () => {
    const topic = uniqueName('s3_time');
    const dir = uniqueName('it');
    const base = Date.UTC(2026, 2, 28, 12, 10);
    // Records 9 s apart: 6000 records span 15 hours, crossing local midnight in Kolkata (18:30 UTC).
    const tweak = (o: Order): Order => ({ ...o, createdAt: base + (o.id - 1) * 9_000 });
    const { all, placedOf } = await runToEnd(topic, dir, 'connect-json', {
      'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
      'path.format': "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
      'partition.duration.ms': '3600000',
      'timestamp.extractor': 'RecordField',
      'timestamp.field': 'created_at',
      timezone: 'Asia/Kolkata',
      locale: 'en_US',
    }, 0, tweak);
    // Kolkata is UTC+05:30 all year: shift, then read the UTC fields.
    const pathOf = (o: Order) => {
      const d = new Date(o.createdAt + 5.5 * 3_600_000);
      const p2 = (n: number) => String(n).padStart(2, '0');
      return `year=${d.getUTCFullYear()}/month=${p2(d.getUTCMonth() + 1)}/day=${p2(d.getUTCDate())}/hour=${p2(d.getUTCHours())}`;
    };
    const want = expectedKeys(dir, topic, placedOf(pathOf));
    expect(new Set(all.map(pathOf)).size).toBeGreaterThan(10);
    expect(want.some((k) => k.includes('/day=29/hour=00/'))).toBe(true);
    expect((await listObjects(`${dir}/${topic}/`)).map((o) => o.key)).toEqual(want);

    const files = await readParquet(`${dir}/${topic}/`);
    const byId = new Map(all.map((o) => [o.id, o]));
    let n = 0;
    for (const f of files) {
      for (const r of f.data) {
        const o = byId.get(r.id as number)!;
        expect(f.key.startsWith(`${dir}/${topic}/${pathOf(o)}/`), `${f.key} holds id ${o.id}`).toBe(true);
        expect(r).toEqual(expectedRow(o));
        n++;
      }
    }
    expect(n).toBe(all.length);
  });
});
