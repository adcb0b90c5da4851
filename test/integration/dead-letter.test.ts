// errors.tolerance=all with a dead-letter topic: bad records go to the DLQ
// with Kafka Connect's context headers, good ones land, and every offset is
// committed only after both are durable.
import Kafka from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { converterConfig, encodeOrder, orders, ORDERS_TABLE_DDL } from '../../bench/lib/generate.js';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { count } from '../helpers/pg.js';
import { sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { pgConnector } from '../helpers/connectors.js';
import { KAFKA, uniqueName, waitFor } from '../helpers/stack.js';

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

    const kafka = new Kafka.KafkaJS.Kafka({ kafkaJS: { brokers: [KAFKA], logLevel: Kafka.KafkaJS.logLevel.ERROR } });
    const consumer = kafka.consumer({ kafkaJS: { groupId: uniqueName('dlq-reader'), fromBeginning: true } });
    await consumer.connect();
    await consumer.subscribe({ topic: dlq });
    const got: { key: string; value: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          got.push({ key: String(message.key), value: String(message.value), headers });
          if (got.length === 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    got.sort((a, b) => a.key.localeCompare(b.key));
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
});
