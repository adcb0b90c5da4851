// Partitioners: Confluent's class names and keys, Joda-style path formats in
// a time zone, field paths, and the wall-clock boundaries of
// rotate.schedule.interval.ms.
import { describe, expect, it } from 'vitest';
import { ConvertError, ConfigError } from '../../src/errors.js';
import { parseJodaPattern, Partitioner, partitionerSpec, TimeBuckets, type PartitionerConfig } from '../../src/sinks/s3-parquet/partitioner.js';
import { SCHEMALESS, type RecordSchema } from '../../src/workers/schema.js';

const base: PartitionerConfig = { 'partitioner.class': 'io.confluent.connect.storage.partitioner.DefaultPartitioner', 'timestamp.extractor': 'Record', timezone: 'UTC', locale: 'en-US' };
const at = (iso: string) => Date.parse(iso);

describe('partitioner config', () => {
  it('maps Confluent classes and requires their keys', () => {
    expect(partitionerSpec(base)).toEqual({ kind: 'default' });
    expect(partitionerSpec({ ...base, 'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner', 'partition.field.name': 'a, b.c' }))
      .toEqual({ kind: 'field', fields: ['a', 'b.c'] });
    expect(partitionerSpec({ ...base, 'partitioner.class': 'io.confluent.connect.storage.partitioner.HourlyPartitioner' }))
      .toMatchObject({ kind: 'time', durationMs: 3_600_000, pathFormat: "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH" });
    expect(() => partitionerSpec({ ...base, 'partitioner.class': 'io.confluent.connect.storage.partitioner.FieldPartitioner' })).toThrow(/partition.field.name: required/);
    expect(() => partitionerSpec({ ...base, 'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner' }))
      .toThrow(ConfigError);
    expect(() => partitionerSpec({ ...base, 'partitioner.class': 'com.example.Mine' })).toThrow(/partitioner.class: "com.example.Mine" is not a partitioner/);
    expect(() => partitionerSpec({ ...base, timezone: 'Mars/Olympus' })).toThrow(/timezone: "Mars\/Olympus" is not a time zone/);
    expect(() => partitionerSpec({ ...base, 'partitioner.class': 'TimeBasedPartitioner', 'path.format': 'YYYY/foo', 'partition.duration.ms': 1 })).toThrow(/"f" is not a Joda pattern letter/);
  });
});

describe('time-based paths', () => {
  it('formats Joda patterns with quoted literals', () => {
    expect(parseJodaPattern("'year'=YYYY/'it''s'")).toEqual(['year=', { letter: 'Y', count: 4 }, "/it's"]);
    const b = new TimeBuckets("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", 3_600_000, 'UTC', 'en-US');
    expect(b.path(at('2026-03-07T09:59:59.999Z'))).toBe('year=2026/month=03/day=07/hour=09');
  });

  it('buckets by partition.duration.ms in the time zone, across daylight-saving changes', () => {
    const b = new TimeBuckets("YYYY-MM-dd'T'HH", 3_600_000, 'Europe/Berlin', 'en-US');
    expect(b.path(at('2026-01-15T23:30:00Z'))).toBe('2026-01-16T00');
    expect(b.path(at('2026-07-15T23:30:00Z'))).toBe('2026-07-16T01');
    // 2026-03-29 01:00 UTC clocks jump from 02:00 to 03:00 local.
    expect(b.path(at('2026-03-29T00:59:00Z'))).toBe('2026-03-29T01');
    expect(b.path(at('2026-03-29T01:00:00Z'))).toBe('2026-03-29T03');
    const day = new TimeBuckets("'dt'=YYYY-MM-dd", 86_400_000, 'America/New_York', 'en-US');
    expect(day.path(at('2026-05-02T03:00:00Z'))).toBe('dt=2026-05-01');
    const quarter = new TimeBuckets('HH:mm', 15 * 60_000, 'UTC', 'en-US');
    expect(quarter.path(at('2026-05-02T03:44:59Z'))).toBe('03:30');
  });

  it('names months and days in the locale', () => {
    const de = new TimeBuckets('MMMM/EEEE', 86_400_000, 'UTC', 'de-DE');
    expect(de.path(at('2026-03-02T12:00:00Z'))).toBe('März/Montag');
    const en = new TimeBuckets('MMM/EEE/DDD/w', 86_400_000, 'UTC', 'en-US');
    expect(en.path(at('2026-03-02T12:00:00Z'))).toBe('Mar/Mon/061/10');
  });

  it('places wall-clock rotation boundaries at multiples of the interval in the time zone', () => {
    const utc = new TimeBuckets("'x'", 1, 'UTC', 'en-US');
    expect(utc.nextBoundary(at('2026-01-01T10:07:00Z'), 600_000)).toBe(at('2026-01-01T10:10:00Z'));
    expect(utc.nextBoundary(at('2026-01-01T10:10:00Z'), 600_000)).toBe(at('2026-01-01T10:20:00Z'));
    const kolkata = new TimeBuckets("'x'", 1, 'Asia/Kolkata', 'en-US');
    // Local midnight in India is 18:30 UTC.
    expect(kolkata.nextBoundary(at('2026-01-01T12:00:00Z'), 86_400_000)).toBe(at('2026-01-01T18:30:00Z'));
  });
});

describe('record paths', () => {
  const schema: RecordSchema = {
    id: 'avro:9',
    fields: [
      { name: 'region', type: { kind: 'string' }, optional: false },
      { name: 'meta', type: { kind: 'record', fields: [{ name: 'at', type: { kind: 'timestamp-micros' }, optional: false }] }, optional: false },
    ],
  };

  it('default: partition=<n>', () => {
    const p = new Partitioner({ kind: 'default' });
    expect(p.path({}, SCHEMALESS, { partition: 4, timestamp: 5 })).toBe('partition=4');
    expect(p.lastTime).toBe(5);
  });

  it('field: <field>=<value> per field, nested by dots, a missing value fails the record', () => {
    const p = new Partitioner({ kind: 'field', fields: ['region', 'a.b'] });
    expect(p.path({ region: 'eu/west', a: { b: 3 } }, SCHEMALESS, { partition: 0, timestamp: 0 })).toBe('region=eu%2Fwest/a.b=3');
    expect(() => p.path({ region: 'eu' }, SCHEMALESS, { partition: 0, timestamp: 0 })).toThrow(ConvertError);
    expect(() => p.path({ region: 'eu', a: { b: { c: 1 } } }, SCHEMALESS, { partition: 0, timestamp: 0 })).toThrow(/not a string, number or boolean/);
  });

  it('time: Record, RecordField (ms, µs by schema, ISO text) and Wallclock extractors', () => {
    const spec = { kind: 'time' as const, pathFormat: 'YYYY/MM/dd/HH', durationMs: 3_600_000, timezone: 'UTC', locale: 'en-US' };
    const rec = new Partitioner({ ...spec, extractor: 'Record' });
    expect(rec.path({}, SCHEMALESS, { partition: 0, timestamp: at('2026-02-03T04:05:06Z') })).toBe('2026/02/03/04');
    const field = new Partitioner({ ...spec, extractor: 'RecordField', field: 'meta.at' });
    expect(field.path({ meta: { at: at('2026-02-03T05:00:00Z') * 1000 } }, schema, { partition: 0, timestamp: 0 })).toBe('2026/02/03/05');
    expect(field.lastTime).toBe(at('2026-02-03T05:00:00Z'));
    expect(field.path({ meta: { at: '2026-02-03T06:00:00Z' } }, SCHEMALESS, { partition: 0, timestamp: 0 })).toBe('2026/02/03/06');
    expect(field.path({ meta: { at: at('2026-02-03T07:00:00Z') } }, SCHEMALESS, { partition: 0, timestamp: 0 })).toBe('2026/02/03/07');
    expect(() => field.path({ meta: {} }, SCHEMALESS, { partition: 0, timestamp: 0 })).toThrow(/timestamp.field: field meta.at is missing/);
    const wall = new Partitioner({ ...spec, extractor: 'Wallclock' });
    const before = Date.now();
    wall.path({}, SCHEMALESS, { partition: 0, timestamp: 0 });
    expect(wall.lastTime).toBeGreaterThanOrEqual(before);
  });
});
