// errors.tolerance=all with a dead-letter topic: bad records go to the DLQ
// with Kafka Connect's context headers, good ones land, and every offset is
// committed only after both are durable.
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL } from '../../bench/lib/generate.js';
import { createTopic, fullyCommitted, produce, produceRaw, readTopic, readTopicRaw, type RawMessage } from '../helpers/kafka.js';
import { count, sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { uniqueName, waitFor } from '../helpers/stack.js';

describe('dead-letter queue', () => {
  it('routes records that fail to decode or convert, with context headers, and lands the rest', async () => {
    const topic = uniqueName('dlq_src');
    const dlq = uniqueName('dlq');
    await createTopic(topic, 2);
    await sql(ORDERS_TABLE_DDL(topic));
    const good = [...orders(1000, 9)].map((o) => ({ value: encodeOrder('json', o), partition: o.id % 2 }));
    const bad = [
      { value: Buffer.from('{not json'), key: 'k-decode', partition: 0, headers: { origin: 'test' } },
      { value: Buffer.from(JSON.stringify({ id: 5, amount: '1.00' })), key: 'k-convert', partition: 1 },
    ];
    await produce(topic, [...good.slice(0, 500), ...bad, ...good.slice(500)]);
    const name = uniqueName('dlq');
    const file = writeConnector(pgConnector(topic, {
      ...converterConfig('json'), 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq,
      'errors.deadletterqueue.topic.replication.factor': '1', 'errors.deadletterqueue.context.headers.enable': 'true', 'errors.log.enable': 'true',
    }), name);
    const sluice = startSluice(['run', '--config', file]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    expect(await count(topic)).toBe(1000);
    expect(sluice.output()).toMatch(/decode failed, record sent to/);

    const got = await readTopic(dlq, 2);
    got.sort((a, b) => a.key!.localeCompare(b.key!));
    expect(got[0]!.key).toBe('k-convert');
    expect(got[0]!.value).toBe(JSON.stringify({ id: 5, amount: '1.00' }));
    expect(got[0]!.headers['__connect.errors.topic']).toBe(topic);
    expect(got[0]!.headers['__connect.errors.partition']).toBe('1');
    expect(got[0]!.headers['__connect.errors.exception.message']).toMatch(/column "customer".* is NOT NULL/);
    expect(got[1]!.key).toBe('k-decode');
    expect(got[1]!.value).toBe('{not json');
    expect(got[1]!.headers.origin).toBe('test');
    expect(got[1]!.headers['__connect.errors.offset']).toBe('250');
    expect(got[1]!.headers['__connect.errors.connector.name']).toBe(name);
    expect(got[1]!.headers['__connect.errors.stage']).toBe('VALUE_CONVERTER');
  });

  it('keeps every header of a dead letter (repeated names, in order) and keeps empty keys and values empty', async () => {
    const topic = uniqueName('dlq_raw_src');
    const dlq = uniqueName('dlq_raw');
    await createTopic(topic, 1);
    await sql(ORDERS_TABLE_DDL(topic));
    const good = [...orders(20, 3)].map((o) => ({ key: null, value: encodeOrder('json', o), headers: [] as [string, string][] }));
    const bad: RawMessage[] = [
      // An empty value (not a tombstone) fails to decode as JSON; its key is empty too.
      { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [['h', '1'], ['x', 'a'], ['h', '2'], ['e', '']] },
      // Undecodable, with a null key: the key stays null.
      { key: null, value: Buffer.from('{not json'), headers: [['h', '3'], ['h', '3']] },
    ];
    await produceRaw(topic, [...good.slice(0, 10), ...bad, ...good.slice(10)]);
    // The source itself holds what the test says (the producing helper keeps empty empty).
    const src = await readTopicRaw(topic, 22);
    expect(src[10]!.value).toEqual(Buffer.alloc(0));
    expect(src[10]!.key).toEqual(Buffer.alloc(0));
    const name = uniqueName('dlq_raw');
    const file = writeConnector(pgConnector(topic, {
      ...converterConfig('json'), 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': dlq,
      'errors.deadletterqueue.topic.replication.factor': '1', 'errors.deadletterqueue.context.headers.enable': 'true',
    }), name);
    const sluice = startSluice(['run', '--config', file]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    expect(await count(topic)).toBe(20);
    const got = (await readTopicRaw(dlq, 2)).sort((a, b) => a.offset - b.offset);
    const own = (m: (typeof got)[number]) => m.headers.filter(([k]) => !k.startsWith('__connect.errors.'));
    expect(got[0]!.value).not.toBeNull();
    expect(got[0]!.value!.length).toBe(0);
    expect(got[0]!.key).not.toBeNull();
    expect(got[0]!.key!.length).toBe(0);
    expect(own(got[0]!)).toEqual([['h', '1'], ['x', 'a'], ['h', '2'], ['e', '']]);
    expect(got[0]!.headers.find(([k]) => k === '__connect.errors.offset')).toEqual(['__connect.errors.offset', '10']);
    expect(got[1]!.key).toBeNull();
    expect(got[1]!.value!.toString()).toBe('{not json');
    expect(own(got[1]!)).toEqual([['h', '3'], ['h', '3']]);
    // Context headers come after the record's own, as Kafka Connect appends them.
    expect(got[1]!.headers.slice(0, 2)).toEqual([['h', '3'], ['h', '3']]);
  });
});
