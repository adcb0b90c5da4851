// The dead letter of a record, built from the shared batch: what the binding's
// producer is handed (the end-to-end path is test/integration/dead-letter.test.ts).
import { describe, expect, it } from 'vitest';
import { BatchReader, BatchWriter, bufferBytes } from '../../src/core/batch-layout.js';
import { deadLetterMessage, producerBytes } from '../../src/pipeline/dead-letter.js';
import { locateRejected } from '../../src/pipeline/dead-letter-handoff.js';
import type { RecordFailure } from '../../src/workers/protocol.js';

function sealed(...msgs: Parameters<BatchWriter['tryAppend']>[0][]): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(bufferBytes(8, 4096));
  const w = new BatchWriter(sab, 8, 3);
  for (const m of msgs) expect(w.tryAppend(m)).toBe(true);
  w.seal();
  return sab;
}

function batch(...msgs: Parameters<BatchWriter['tryAppend']>[0][]): BatchReader {
  return new BatchReader(sealed(...msgs));
}

const list = (hs: Record<string, Buffer>[]) => hs.map((h) => Object.entries(h).map(([k, v]) => [k, v.toString()])).flat();

describe('dead letters', () => {
  it('keep every header, repeated names included, in order, with the context headers after them', () => {
    // As the binding hands them over: a list of single-key objects.
    const r = batch({ key: 'k', value: Buffer.from('v'), offset: 41, timestamp: 7, headers: [{ h: Buffer.from('1') }, { x: Buffer.from('a') }, { h: Buffer.from('2') }] });
    const m = deadLetterMessage(r, { index: 0, offset: 41, stage: 'decode', reason: 'bad' }, { topic: 't', partition: 3, connector: 'c', taskId: 'host:1' });
    const hs = list(m.headers);
    expect(hs.slice(0, 3)).toEqual([['h', '1'], ['x', 'a'], ['h', '2']]);
    expect(hs.slice(3).map(([k]) => k)).toEqual([
      '__connect.errors.topic', '__connect.errors.partition', '__connect.errors.offset', '__connect.errors.connector.name',
      '__connect.errors.task.id', '__connect.errors.stage', '__connect.errors.class.name', '__connect.errors.exception.class.name',
      '__connect.errors.exception.message',
    ]);
    expect(m.timestamp).toBe(7);
    // Without context headers, only the record's own.
    expect(list(deadLetterMessage(r, { index: 0, offset: 41, stage: 'decode', reason: 'bad' }, undefined).headers)).toEqual([['h', '1'], ['x', 'a'], ['h', '2']]);
  });

  it('keep an empty value and an empty key empty, in bytes the producer binding does not turn into null', () => {
    const r = batch({ key: Buffer.alloc(0), value: Buffer.alloc(0), offset: 1, headers: [{ e: Buffer.alloc(0) }] }, { key: null, value: null, offset: 2 });
    const empty = deadLetterMessage(r, { index: 0, offset: 1, stage: 'decode', reason: 'empty' }, undefined);
    for (const b of [empty.key, empty.value, empty.headers[0]!.e]) {
      expect(b).not.toBeNull();
      expect(b!.length).toBe(0);
      // The binding reads the pointer: a zero-length Buffer without a backing store is NULL there (a tombstone).
      expect(b!.buffer.byteLength).toBeGreaterThan(0);
    }
    expect(empty.timestamp).toBeNull();
    const nulls = deadLetterMessage(r, { index: 1, offset: 2, stage: 'convert', reason: 'tombstone' }, undefined);
    expect(nulls.key).toBeNull();
    expect(nulls.value).toBeNull();
  });

  it('copies non-empty bytes out of the shared batch', () => {
    const b = producerBytes(new Uint8Array([1, 2, 3]));
    expect([...b]).toEqual([1, 2, 3]);
    expect(b.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('name the Java exception class Kafka Connect would, as users\' dead-letter tooling filters on it', () => {
    const sab = sealed({ key: 'k', value: Buffer.from('v'), offset: 10 }, { key: 'k', value: Buffer.from('w'), offset: 11 });
    const r = new BatchReader(sab);
    const ctx = { topic: 't', partition: 0, connector: 'c', taskId: 'h:1' };
    const header = (f: RecordFailure) => Object.fromEntries(list(deadLetterMessage(r, f, ctx).headers))['__connect.errors.exception.class.name'];
    // Converters and SMTs wrap what they cannot read or transform in DataException.
    expect(header({ index: 0, offset: 10, stage: 'decode', part: 'value', reason: 'not JSON' })).toBe('org.apache.kafka.connect.errors.DataException');
    expect(header({ index: 0, offset: 10, stage: 'convert', transform: 'org.apache.kafka.connect.transforms.Cast$Value', reason: 'x' })).toBe('org.apache.kafka.connect.errors.DataException');
    // What the sink task cannot take: ConnectException, or the class the failure names.
    expect(header({ index: 0, offset: 10, stage: 'convert', reason: 'the record value is a string, not an object' })).toBe('org.apache.kafka.connect.errors.ConnectException');
    expect(header({ index: 0, offset: 10, stage: 'convert', reason: 'missing fields', exceptionClass: 'io.confluent.connect.jdbc.sink.TableAlterOrCreateException' }))
      .toBe('io.confluent.connect.jdbc.sink.TableAlterOrCreateException');
    // A row the database refused (the PostgreSQL writer's RejectedRecord), located in the batch: java.sql.SQLException, message kept.
    const [refused] = locateRejected(sab, [{ offset: 11, reason: 'public.t refused the row: value too long (SQLSTATE 22001)', exceptionClass: 'java.sql.SQLException' }]);
    expect(refused).toMatchObject({ index: 1, stage: 'write' });
    const hs = Object.fromEntries(list(deadLetterMessage(r, refused!, ctx).headers));
    expect([hs['__connect.errors.exception.class.name'], hs['__connect.errors.exception.message'], hs['__connect.errors.stage']])
      .toEqual(['java.sql.SQLException', 'public.t refused the row: value too long (SQLSTATE 22001)', 'TASK_PUT']);
  });
});
