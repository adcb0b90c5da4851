// The file sink against the real local Kafka: every value lands once, in
// order per partition, tombstones as Connect writes them ("null"), and a
// kill -9 in the middle of the stream neither loses nor repeats a line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTopic, fullyCommitted, groupProgress, produce, type TestMessage } from '../helpers/kafka.js';
import { startSluice, writeConnector } from '../helpers/sluice.js';
import { KAFKA, uniqueName, waitFor } from '../helpers/stack.js';

function connector(topic: string, file: string | undefined, extra: Record<string, string> = {}): Record<string, unknown> {
  return {
    'connector.class': 'FileStreamSink', topics: topic, 'bootstrap.servers': KAFKA, ...(file ? { file } : {}),
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter', 'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    ...extra,
  };
}

/** Values "p<partition>-<seq>", seq counting per partition from 0; every `tombstoneEvery`th record a null value. */
function messages(partitions: number, perPartition: number, tombstoneEvery = 0): TestMessage[] {
  const out: TestMessage[] = [];
  for (let seq = 0; seq < perPartition; seq++) {
    for (let p = 0; p < partitions; p++) {
      const tomb = tombstoneEvery > 0 && seq % tombstoneEvery === tombstoneEvery - 1;
      out.push({ key: `k${seq}`, value: tomb ? null : `p${p}-${seq}`, partition: p });
    }
  }
  return out;
}

/** Checks the file holds exactly the produced values, once each, in order within each partition. */
function expectExactly(file: string, sent: TestMessage[]): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  const want = sent.filter((m) => m.value !== null).map((m) => String(m.value));
  expect(lines.filter((l) => l !== 'null').sort()).toEqual([...want].sort());
  expect(lines.filter((l) => l === 'null').length).toBe(sent.filter((m) => m.value === null).length);
  const last = new Map<string, number>();
  for (const l of lines) {
    if (l === 'null') continue;
    const [, p, seq] = /^(p\d+)-(\d+)$/.exec(l)!;
    expect(Number(seq), `${l} after ${p}-${last.get(p!)}`).toBeGreaterThan(last.get(p!) ?? -1);
    last.set(p!, Number(seq));
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-file-it-'));

describe('file sink (FileStreamSinkConnector)', () => {
  it('writes every value once as a line, in order per partition, a tombstone as "null", and records the next offsets', async () => {
    const topic = uniqueName('file_sink');
    await createTopic(topic, 3);
    const sent = messages(3, 2000, 50);
    await produce(topic, sent);
    const file = path.join(dir, `${topic}.txt`);
    const name = uniqueName('file');
    const sluice = startSluice(['run', '--config', writeConnector(connector(topic, file, { 'batch.max.records': '300' }), name)]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 120_000, 200);
    } finally {
      expect((await sluice.stop()).code, sluice.output().slice(-2000)).toBe(0);
    }
    expectExactly(file, sent);
    const state = JSON.parse(fs.readFileSync(`${file}.sluice-state`, 'utf8'));
    expect(state).toEqual({ bytes: fs.statSync(file).size, next: { [topic]: { 0: 2000, 1: 2000, 2: 2000 } } });
  });

  it('loses nothing and repeats nothing across kill -9 and restart', async () => {
    const topic = uniqueName('file_kill');
    await createTopic(topic, 4);
    const sent = messages(4, 10_000);
    await produce(topic, sent);
    const file = path.join(dir, `${topic}.txt`);
    const name = uniqueName('file');
    const config = writeConnector(connector(topic, file, { 'batch.max.records': '200', 'kafka.session.timeout.ms': '6000' }), name);
    const first = startSluice(['run', '--config', config]);
    await waitFor('some offsets committed', async () => (await groupProgress(`connect-${name}`, topic)).some((p) => p.committed > 0), 120_000, 20);
    first.child.kill('SIGKILL');
    await first.exited;
    // The kill came mid-stream: the restart has work left, some of it possibly half written.
    expect((await groupProgress(`connect-${name}`, topic)).some((p) => p.committed < p.end)).toBe(true);
    const second = startSluice(['run', '--config', config]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 180_000, 200);
    } finally {
      expect((await second.stop()).code, second.output().slice(-2000)).toBe(0);
    }
    expectExactly(file, sent);
  });

  it('without `file` prints each value to standard output', async () => {
    const topic = uniqueName('file_stdout');
    await createTopic(topic, 1);
    const sent = [{ value: 'first line' }, { value: null }, { value: 'third line' }];
    await produce(topic, sent);
    const name = uniqueName('file');
    const sluice = startSluice(['run', '--config', writeConnector(connector(topic, undefined), name)]);
    try {
      await waitFor('every offset committed', () => fullyCommitted(`connect-${name}`, topic), 60_000, 200);
    } finally {
      expect((await sluice.stop()).code).toBe(0);
    }
    const lines = sluice.output().split('\n');
    const i = lines.indexOf('first line');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(lines.slice(i, i + 3)).toEqual(['first line', 'null', 'third line']);
  });
});
