// errors.tolerance=all without a dead-letter topic, as Kafka Connect runs it:
// records that fail to decode or convert are skipped, the rest land, every
// offset is committed; with errors.log.enable each skipped record is logged
// with its topic, partition and offset (and its bytes with
// errors.log.include.messages), and sluice_records_skipped_total counts them.
import { describe, expect, it } from 'vitest';
import { createTopic, fullyCommitted, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { uniqueName, waitFor } from '../helpers/stack.js';
import { envelope, pgConnector } from './postgres-helpers.js';

const FIELDS = [{ field: 'id', type: 'int32', optional: false }, { field: 'name', type: 'string', optional: false }];

describe('errors.tolerance=all without a dead-letter topic', () => {
  it('skips the records that fail, logs each with its location, counts them, and commits past them', async () => {
    const topic = uniqueName('skip');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id integer NOT NULL, name text NOT NULL)`);
    const good = (id: number) => ({ value: envelope(FIELDS, { id, name: `n${id}` }) });
    await produce(topic, [
      good(1), good(2),
      { key: 'k-bad-json', value: '{not json' }, // offset 2: decode fails
      good(3),
      { value: envelope([{ field: 'id', type: 'int32', optional: false }], { id: 4 }) }, // offset 4: no name for a NOT NULL column
      good(5),
    ]);
    const name = uniqueName('skip');
    const file = writeConnector(pgConnector(topic, {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
      'errors.tolerance': 'all', 'errors.log.enable': 'true', 'errors.log.include.messages': 'true', 'status.port': '0',
    }), name);
    const sluice = startSluice(['run', '--config', file]);
    try {
      const port = JSON.parse(await sluice.waitForLine(/status endpoint listening/)).port as number;
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(Number(new RegExp(`^sluice_records_skipped_total\\{connector="${name}"\\} (\\S+)$`, 'm').exec(metrics)?.[1])).toBe(2);
      expect(Number(new RegExp(`^sluice_dead_letter_total\\{connector="${name}"\\} (\\S+)$`, 'm').exec(metrics)?.[1])).toBe(0);
    } finally {
      expect((await sluice.stop()).code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(await sql(`SELECT id, name FROM ${topic} ORDER BY id`)).toEqual([1, 2, 3, 5].map((id) => ({ id, name: `n${id}` })));
    const out = sluice.output();
    expect(out).toContain('errors.tolerance=all without errors.deadletterqueue.topic.name: records that fail');
    const skipped = out.split('\n').filter((l) => l.includes('record skipped')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(skipped.map((l) => [l.topic, l.partition, l.offset, l.stage])).toEqual([[topic, 0, 2, 'VALUE_CONVERTER'], [topic, 0, 4, 'TASK_PUT']]);
    expect(skipped[0]!.msg).toMatch(new RegExp(`^decode failed, record skipped \\(errors.tolerance=all, no dead-letter topic\\) at topic ${topic} partition 0 offset 2: `));
    // errors.log.include.messages: the record itself, as base64.
    expect(skipped[0]!.key).toBe(Buffer.from('k-bad-json').toString('base64'));
    expect(skipped[0]!.value).toBe(Buffer.from('{not json').toString('base64'));
  });

  it('logs nothing per record without errors.log.enable, and still skips and commits', async () => {
    const topic = uniqueName('skip_quiet');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id integer NOT NULL, name text NOT NULL)`);
    await produce(topic, [{ value: envelope(FIELDS, { id: 1, name: 'a' }) }, { value: 'nope' }, { value: envelope(FIELDS, { id: 2, name: 'b' }) }]);
    const name = uniqueName('skip_quiet');
    const sluice = startSluice(['run', '--config', writeConnector(pgConnector(topic, {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'errors.tolerance': 'all',
    }), name)]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 300);
    } finally {
      expect((await sluice.stop()).code, sluice.output().slice(-3000)).toBe(0);
    }
    expect(await sql(`SELECT id, name FROM ${topic} ORDER BY id`)).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    expect(sluice.output()).not.toContain('record skipped');
  });
});
