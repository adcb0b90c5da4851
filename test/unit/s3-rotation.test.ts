// Which rows go into which file set, and recovery from a partition's marker:
// pure logic, with an in-memory stand-in for the bucket.
import { describe, expect, it } from 'vitest';
import type { RowTable } from '../../src/sinks/s3-parquet/layout.js';
import { recoverPartition, SET_METADATA } from '../../src/sinks/s3-parquet/markers.js';
import { PartitionRotation, type ChunkRef, type FileSet, type RotationRules } from '../../src/sinks/s3-parquet/rotation.js';
import { classifyS3Error } from '../../src/sinks/s3-parquet/service.js';
import { ConnectionLostError, RetriableError } from '../../src/errors.js';

const sab = new SharedArrayBuffer(8);

function chunk(path: string, rows: number, schemaKey = 's'): ChunkRef {
  return { path, schemaKey, byteOffset: 0, byteLength: rows * 10, rows, buffer: sab, bytesPerRow: 10 };
}

function table(offsets: number[], groups: number[], times?: number[]): RowTable {
  return { rows: offsets.length, offsets: Float64Array.from(offsets), times: Float64Array.from(times ?? offsets), groups: Uint32Array.from(groups) };
}

function rotation(rules: Partial<RotationRules> = {}) {
  const closed: FileSet<string>[] = [];
  const joined: [string, number][] = [];
  const r = new PartitionRotation<string>({ flushSize: 1e9, rotateIntervalMs: -1, fileMaxBytes: 1e12, ...rules }, {
    now: () => 0,
    closeAt: () => Infinity,
    joined: (t, s) => joined.push([t, s.start]),
    closed: (s) => closed.push(s),
  });
  return { r, closed, joined };
}

const files = (s: FileSet<string>) => [...s.files.values()].map((f) => ({
  path: f.path, first: f.firstOffset, rows: f.rows, pieces: f.pieces.map((p) => [p.rowStart, p.rowEnd]),
}));

describe('file set rotation', () => {
  it('closes exactly at flush.size records, mid-batch, and starts the next set at end + 1', () => {
    const { r, closed, joined } = rotation({ flushSize: 3 });
    const c = chunk('partition=0', 5);
    r.addBatch('b1', 50, table([10, 11, 12, 13, 14], [0, 0, 0, 0, 0]), [c], 10, 15);
    expect(closed.map((s) => [s.start, s.end, s.rows, s.reason])).toEqual([[10, 12, 3, 'flush.size']]);
    expect(files(closed[0]!)).toEqual([{ path: 'partition=0', first: 10, rows: 3, pieces: [[0, 3]] }]);
    // The open set covers the trailing record without a row (offset 15) too.
    expect([r.open!.start, r.open!.end, r.open!.rows]).toEqual([13, 15, 2]);
    expect(joined).toEqual([['b1', 10], ['b1', 13]]);
    r.addBatch('b2', 20, table([16], [0]), [chunk('partition=0', 1)], 16, 16);
    expect(closed).toHaveLength(2);
    expect([closed[1]!.start, closed[1]!.end]).toEqual([13, 16]);
    expect(files(closed[1]!).map((f) => f.pieces)).toEqual([[[3, 5], [0, 1]]]);
  });

  it('closes all of a partition\'s files together and counts flush.size across them', () => {
    const { r, closed } = rotation({ flushSize: 4 });
    r.addBatch('b', 0, table([0, 1, 2, 3, 4], [0, 1, 0, 1, 0]), [chunk('k=a', 3), chunk('k=b', 2)], 0, 4);
    expect(closed).toHaveLength(1);
    expect(files(closed[0]!)).toEqual([
      { path: 'k=a', first: 0, rows: 2, pieces: [[0, 2]] },
      { path: 'k=b', first: 1, rows: 2, pieces: [[0, 2]] },
    ]);
    expect(files(r.open!)).toEqual([{ path: 'k=a', first: 4, rows: 1, pieces: [[2, 3]] }]);
  });

  it('rotates on rotate.interval.ms of record time, on a schema change, and on file.max.bytes', () => {
    const t = rotation({ rotateIntervalMs: 100 });
    t.r.addBatch('b', 0, table([0, 1, 2, 3], [0, 0, 0, 0], [1000, 1050, 1100, 1150]), [chunk('p', 4)], 0, 3);
    expect(t.closed.map((s) => [s.start, s.end, s.reason])).toEqual([[0, 1, 'rotate.interval.ms']]);

    const s = rotation();
    s.r.addBatch('b', 0, table([0, 1, 2], [0, 1, 0], [0, 0, 0]), [chunk('p', 2, 'v1'), chunk('p', 1, 'v2')], 0, 2);
    expect(s.closed.map((x) => [x.start, x.end, x.reason])).toEqual([[0, 0, 'schema change'], [1, 1, 'schema change']]);

    const b = rotation({ fileMaxBytes: 25 });
    b.r.addBatch('b', 0, table([0, 1, 2, 3], [0, 0, 0, 0]), [chunk('p', 4)], 0, 3);
    expect(b.closed.map((x) => [x.start, x.end, x.reason])).toEqual([[0, 2, 'file.max.bytes']]);
  });

  it('with rotate.interval.ms, a record for another path than the record before it closes the set (Confluent\'s rotateOnTime), and flush.size counts anew', () => {
    // The ApacheKafkaTest case: two records of one day, then the next day's; flush.size 3.
    const t = rotation({ rotateIntervalMs: 3_600_000, flushSize: 3 });
    t.r.addBatch('b', 0, table([0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 1, 1], [0, 10, 20, 30, 40, 50]), [chunk('day=05', 2), chunk('day=06', 4)], 0, 5);
    expect(t.closed.map((s) => [s.start, s.end, s.reason, files(s)])).toEqual([
      [0, 1, 'rotate.interval.ms', [{ path: 'day=05', first: 0, rows: 2, pieces: [[0, 2]] }]],
      [2, 4, 'flush.size', [{ path: 'day=06', first: 2, rows: 3, pieces: [[0, 3]] }]],
    ]);
    // Interleaved paths close a set at every switch; without rotate.interval.ms they share one set.
    const i = rotation({ rotateIntervalMs: 3_600_000 });
    i.r.addBatch('b', 0, table([0, 1, 2], [0, 1, 0], [0, 0, 0]), [chunk('h=10', 2), chunk('h=11', 1)], 0, 2);
    expect(i.closed.map((s) => [s.start, s.end, files(s).map((f) => f.path)])).toEqual([[0, 0, ['h=10']], [1, 1, ['h=11']]]);
    const n = rotation();
    n.r.addBatch('b', 0, table([0, 1, 2], [0, 1, 0], [0, 0, 0]), [chunk('h=10', 2), chunk('h=11', 1)], 0, 2);
    expect(n.closed).toEqual([]);
    expect(files(n.r.open!).map((f) => [f.path, f.rows])).toEqual([['h=10', 2], ['h=11', 1]]);
  });

  it('starts at the position recovery set, and close() from outside (schedule, memory, flush) ends the set where the data ends', () => {
    const { r, closed } = rotation();
    r.nextStart = 7;
    r.addBatch('b', 30, table([9, 10], [0, 0]), [chunk('p', 2)], 8, 11);
    expect(r.close('rotate.schedule.interval.ms')!.reason).toBe('rotate.schedule.interval.ms');
    expect([closed[0]!.start, closed[0]!.end, closed[0]!.heldBytes]).toEqual([7, 11, 30]);
    expect(r.nextStart).toBe(12);
    expect(r.close('flush')).toBeNull();
  });
});

function bucket(objects: Record<string, Record<string, string>>, marker?: object) {
  const deleted: string[] = [];
  return {
    deleted,
    store: {
      getText: async (key: string) => (key.endsWith('/_sluice/t/0.json') && marker ? JSON.stringify(marker) : undefined),
      head: async (key: string) => objects[key],
      delete: async (keys: readonly string[]) => {
        deleted.push(...keys);
      },
    },
  };
}

describe('exactly-once recovery from the partition marker', () => {
  const marker = { version: 1, topic: 't', partition: 0, start: 100, end: 199, keys: ['a', 'b', 'c'], writtenAt: '' };
  const ok = { [SET_METADATA]: '100-199' };

  it('no marker: the group offset decides', async () => {
    const { store } = bucket({});
    expect(await recoverPartition(store, 'topics', 't', 0)).toEqual({ deleted: [] });
  });

  it('a complete set: resume after it', async () => {
    const { store, deleted } = bucket({ a: ok, b: ok, c: ok }, marker);
    const r = await recoverPartition(store, 'topics', 't', 0);
    expect([r.position, r.complete]).toEqual([200, true]);
    expect(deleted).toEqual([]);
  });

  it('a set cut short: delete what of it is there, resume at its start', async () => {
    const { store, deleted } = bucket({ a: ok, c: { [SET_METADATA]: '90-150' } }, marker);
    const r = await recoverPartition(store, 'topics', 't', 0);
    expect([r.position, r.complete]).toEqual([100, false]);
    expect(deleted).toEqual(['a', 'c']);
  });

  it('refuses a marker that is not Sluice\'s', async () => {
    const { store } = bucket({}, { hello: 1 });
    await expect(recoverPartition(store, 'topics', 't', 0)).rejects.toThrow(/not a Sluice set marker/);
  });
});

describe('S3 error classification', () => {
  it('retries 5xx, throttling and connection errors; stops on 4xx', () => {
    expect(classifyS3Error({ name: 'InternalError', $metadata: { httpStatusCode: 500 } }, 'x')).toBeInstanceOf(RetriableError);
    expect(classifyS3Error({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 'x')).toBeInstanceOf(RetriableError);
    expect(classifyS3Error({ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:19000', code: 'ECONNREFUSED' }, 'x')).toBeInstanceOf(ConnectionLostError);
    expect(classifyS3Error({ name: 'TimeoutError', message: 'socket hang up' }, 'x').retriable).toBe(true);
    const denied = classifyS3Error({ name: 'AccessDenied', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }, 'uploading s3://b/k');
    expect(denied.retriable).toBe(false);
    expect(denied.message).toBe('uploading s3://b/k: AccessDenied (HTTP 403): Access Denied');
    expect(classifyS3Error({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'x').retriable).toBe(false);
  });
});
