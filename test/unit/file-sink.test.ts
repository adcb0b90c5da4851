// The file sink: the line it writes for each kind of value (as Kafka Connect's
// FileStreamSinkTask prints it), and the file/state protocol that makes a
// restart neither lose nor repeat a line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConvertError } from '../../src/errors.js';
import { tpKey } from '../../src/core/topic-partition.js';
import type { EncodedBatch } from '../../src/sinks/common/sink.js';
import { FileEncoder } from '../../src/sinks/file/encoding.js';
import { javaDateText, javaText, recordLine } from '../../src/sinks/file/lines.js';
import { FileSink } from '../../src/sinks/file/sink.js';
import { loadConfig } from '../../src/sinks/index.js';
import type { RecordSchema } from '../../src/workers/schema.js';

const log = pino({ level: 'silent' });
const SCHEMALESS: RecordSchema = { id: 'schemaless' };

function config(file?: string) {
  return loadConfig({
    json: { name: 'f', config: { 'connector.class': 'FileStreamSink', topics: 't', 'bootstrap.servers': 'k:1', ...(file ? { file } : {}) } },
    env: {},
  });
}

function batch(topic: string, partition: number, firstOffset: number, lines: string[]): EncodedBatch {
  const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  const output = new SharedArrayBuffer(bytes.length);
  new Uint8Array(output).set(bytes);
  return {
    topic, partition, firstOffset, lastOffset: firstOffset + lines.length - 1, records: lines.length, rows: lines.length, tombstones: 0,
    output: bytes.length > 0 ? output : null, outputBytes: bytes.length,
  };
}

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-file-sink-')), 'out.txt');
}

describe('file sink lines: String.valueOf of what the converter made', () => {
  it('writes scalars as Java prints them', () => {
    expect(javaText('héllo, "world"', { kind: 'string' })).toBe('héllo, "world"');
    expect(javaText(true, { kind: 'boolean' })).toBe('true');
    expect(javaText(-42, { kind: 'int32' })).toBe('-42');
    expect(javaText(9007199254740993n, { kind: 'int64' })).toBe('9007199254740993');
    expect(javaText(1, { kind: 'float64' })).toBe('1.0');
    expect(javaText(1e10, { kind: 'float64' })).toBe('1.0E10');
    expect(javaText(0.001, { kind: 'float64' })).toBe('0.001');
    expect(javaText(1e-4, { kind: 'float64' })).toBe('1.0E-4');
    expect(javaText(123456789, { kind: 'float64' })).toBe('1.23456789E8');
    expect(javaText(NaN, { kind: 'float64' })).toBe('NaN');
    expect(javaText(-Infinity, { kind: 'float64' })).toBe('-Infinity');
    expect(javaText(Math.fround(0.1), { kind: 'float32' })).toBe('0.1');
    expect(javaText(Uint8Array.of(1, 2, 255), { kind: 'bytes' })).toBe('AQL/');
  });

  it('writes decimals as BigDecimal.toString and Connect dates and timestamps as java.util.Date.toString in UTC', () => {
    expect(javaText(Uint8Array.of(0x04, 0xce), { kind: 'decimal', precision: 10, scale: 2 })).toBe('12.30');
    expect(javaText(Uint8Array.of(0x7b), { kind: 'decimal', precision: 10, scale: -3 })).toBe('1.23E+5');
    expect(javaText(Uint8Array.of(0xff, 0x85), { kind: 'decimal', precision: 5, scale: 1 })).toBe('-12.3');
    expect(javaText(19000, { kind: 'date' })).toBe('Sat Jan 08 00:00:00 UTC 2022');
    expect(javaText(0, { kind: 'timestamp-millis' })).toBe('Thu Jan 01 00:00:00 UTC 1970');
    expect(javaText(new Date('2024-02-29T23:59:58.123Z'), { kind: 'timestamp-millis' })).toBe('Thu Feb 29 23:59:58 UTC 2024');
    expect(javaText(37_800_000, { kind: 'time-millis' })).toBe('Thu Jan 01 10:30:00 UTC 1970');
    // Debezium's zoneless timestamps and the micro/nano kinds are plain int64s in Connect.
    expect(javaText(1_700_000_000_000, { kind: 'timestamp-millis', local: true })).toBe('1700000000000');
    expect(javaText(1_700_000_000_000_123n, { kind: 'timestamp-micros' })).toBe('1700000000000123');
    expect(javaDateText(Date.UTC(2026, 10, 30, 20, 58, 47))).toBe('Mon Nov 30 20:58:47 UTC 2026');
  });

  it('writes structs as Struct.toString (null fields left out), maps in HashMap order, arrays as ArrayList.toString', () => {
    const schema: RecordSchema = {
      id: 'connect:x',
      fields: [
        { name: 'id', type: { kind: 'int64' }, optional: false },
        { name: 'name', type: { kind: 'string' }, optional: true },
        { name: 'tags', type: { kind: 'array', items: { kind: 'string' }, itemsOptional: true }, optional: true },
        { name: 'attrs', type: { kind: 'map', values: { kind: 'int32' } }, optional: true },
        { name: 'inner', type: { kind: 'record', fields: [{ name: 'x', type: { kind: 'float64' }, optional: false }] }, optional: true },
      ],
    };
    expect(recordLine({ id: 7, name: null, tags: ['a', null, 'b'], attrs: { id: 1, name: 2 }, inner: { x: 2 } }, schema))
      .toBe('Struct{id=7,tags=[a, null, b],attrs={name=2, id=1},inner=Struct{x=2.0}}');
    expect(recordLine({ id: 8 }, schema)).toBe('Struct{id=8}');
    // A schemaless JSON object is a java.util.HashMap (String.hashCode buckets), its numbers Long or Double.
    expect(recordLine({ id: 1, name: 'x', price: 2.5, nested: { list: [1, 'two', false] } }, SCHEMALESS)).toBe('{price=2.5, name=x, id=1, nested={list=[1, two, false]}}');
    expect(recordLine('just a string', { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true })).toBe('just a string');
  });

  it('makes a value that does not fit its schema a record failure naming what it got', () => {
    expect(() => javaText('x', { kind: 'int32' })).toThrow(ConvertError);
    expect(() => javaText(5, { kind: 'record', fields: [] })).toThrow(/should be a struct \(got the number 5\)/);
  });
});

describe('file sink encoder', () => {
  it('writes one line per record and "null" for a tombstone, as PrintStream.println does', () => {
    const e = new FileEncoder();
    e.begin();
    e.add({ value: { a: 1 }, schema: SCHEMALESS });
    e.tombstone();
    e.add({ value: 'x\ny', schema: { id: 'string', fields: [{ name: 'value', type: { kind: 'string' }, optional: true }], scalar: true } });
    const out = e.finish();
    expect(out.rows).toBe(3);
    expect(Buffer.from(out.output!, 0, out.outputBytes).toString('utf8')).toBe('{a=1}\nnull\nx\ny\n');
    e.begin();
    expect(e.finish()).toEqual({ output: null, outputBytes: 0, rows: 0 });
  });
});

describe('file sink config', () => {
  it('takes Connect\'s FileStreamSink connector as it is; no file means standard output', () => {
    expect(config('/tmp/x.txt').sink).toBe('file');
    expect(config('/tmp/x.txt').options.file).toBe('/tmp/x.txt');
    expect(config().options.file).toBeUndefined();
    expect(loadConfig({ json: { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', name: 'f', topics: 't', 'bootstrap.servers': 'k:1' }, env: {} }).sink).toBe('file');
    let problems: readonly string[] = [];
    try {
      loadConfig({ json: { 'connector.class': 'FileStreamSink', name: 'f', topics: 't', 'bootstrap.servers': 'k:1', 'connection.url': 'jdbc:postgresql://h/d' }, env: {} });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual(['connection.url: not an option of the file sink']);
  });
});

describe('file sink: append, fsync, then record length and offsets', () => {
  it('appends batches in order, records where each partition goes on, and a new sink resumes from there', async () => {
    const file = tmpFile();
    fs.writeFileSync(file, 'written before\n');
    const sink = new FileSink(config(file), log);
    expect(await sink.storedPositions([{ topic: 't', partition: 0 }])).toEqual(new Map());
    await Promise.all([sink.submit(batch('t', 0, 0, ['a0', 'a1'])), sink.submit(batch('t', 1, 10, ['b10']))]);
    await sink.submit(batch('t', 0, 2, ['a2']));
    await sink.flush();
    await sink.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('written before\na0\na1\nb10\na2\n');
    const state = JSON.parse(fs.readFileSync(`${file}.sluice-state`, 'utf8'));
    expect(state).toEqual({ bytes: fs.statSync(file).size, next: { t: { 0: 3, 1: 11 } } });

    const again = new FileSink(config(file), log);
    expect(await again.storedPositions([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 't', partition: 2 }]))
      .toEqual(new Map([[tpKey('t', 0), 3], [tpKey('t', 1), 11]]));
    await again.close();
  });

  it('cuts a tail written after the last record (a crash between fsync and record), so the re-read lines are not doubled', async () => {
    const file = tmpFile();
    const sink = new FileSink(config(file), log);
    await sink.submit(batch('t', 0, 0, ['a0']));
    await sink.close();
    // What a kill -9 after the write but before the record leaves behind.
    fs.appendFileSync(file, 'a1\na2\npartial li');
    const restarted = new FileSink(config(file), log);
    expect(await restarted.storedPositions([{ topic: 't', partition: 0 }])).toEqual(new Map([[tpKey('t', 0), 1]]));
    expect(fs.readFileSync(file, 'utf8')).toBe('a0\n');
    await restarted.submit(batch('t', 0, 1, ['a1', 'a2', 'a3']));
    await restarted.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('a0\na1\na2\na3\n');
  });

  it('appends after what a file shorter than recorded holds, and refuses an unreadable state naming it', async () => {
    const file = tmpFile();
    const sink = new FileSink(config(file), log);
    await sink.submit(batch('t', 0, 0, ['a0', 'a1']));
    await sink.close();
    fs.writeFileSync(file, '');
    const after = new FileSink(config(file), log);
    await after.submit(batch('t', 0, 2, ['a2']));
    await after.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('a2\n');
    expect(JSON.parse(fs.readFileSync(`${file}.sluice-state`, 'utf8')).bytes).toBe(3);

    fs.writeFileSync(`${file}.sluice-state`, '{"bytes": "no"');
    const broken = new FileSink(config(file), log);
    await expect(broken.storedPositions([{ topic: 't', partition: 0 }])).rejects.toThrow(`${file}.sluice-state is unreadable`);
    await broken.close();
  });

  it('names a file it cannot create', async () => {
    const file = path.join(tmpFile(), 'no-such-dir', 'out.txt');
    const sink = new FileSink(config(file), log);
    await expect(sink.storedPositions([{ topic: 't', partition: 0 }])).rejects.toThrow(`file sink: cannot find or create ${file} (ENOENT)`);
    await sink.close();
  });

  it('without a file, prints to standard output and keeps no positions', async () => {
    const sink = new FileSink(config(), log);
    expect(await sink.storedPositions([{ topic: 't', partition: 0 }])).toEqual(new Map());
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: Uint8Array, cb?: (err?: Error) => void) => {
      written.push(Buffer.from(chunk).toString('utf8'));
      cb?.();
      return true;
    }) as typeof process.stdout.write;
    try {
      await sink.submit(batch('t', 0, 0, ['x', 'y']));
    } finally {
      process.stdout.write = write;
    }
    await sink.close();
    expect(written.join('')).toBe('x\ny\n');
  });
});
