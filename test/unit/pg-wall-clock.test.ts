// db.timezone as Kafka Connect's JDBC sinks apply it: an instant written into a
// `timestamp` / `time` / `date` column is its wall clock in the zone (pgjdbc's
// setTimestamp/setTime/setDate with a Calendar in the zone), timestamptz keeps
// the instant, and UTC writes what it always wrote.
import { describe, expect, it } from 'vitest';
import { ConfigError, ConvertError } from '../../src/errors.js';
import { loadConfig } from '../../src/sinks/index.js';
import { OID } from '../../src/sinks/postgres/types.js';
import { shiftedByZone, valueWriter } from '../../src/sinks/postgres/values.js';
import { isKnownZone, planZones, sessionTimeZone, wallMicros, wallZones, zoneOffsets, type WallZones } from '../../src/sinks/postgres/wall-clock.js';
import { ByteWriter } from '../../src/workers/byte-writer.js';
import type { FieldType } from '../../src/workers/schema.js';

const H = 3_600_000;
const PG_EPOCH_US = 946_684_800_000_000n;
const PG_EPOCH_DAYS = 10_957;

/** The wall clock an instant (ms since the epoch) has in `zone`, as ISO text without a zone. */
function wall(zone: string, ms: number): string {
  const z = zoneOffsets(zone)!;
  return new Date(ms + z.offsetMs(ms)).toISOString().slice(0, -1);
}

function bytesOf(oid: number, ft: FieldType, v: unknown, zones: WallZones): Buffer {
  const w = new ByteWriter(64);
  valueWriter(oid, 0, ft, 'escape', 'c', -1, zones)(w, v);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** A timestamp column's value as the wall clock it holds (µs since 2000-01-01 read as UTC). */
function tsText(b: Buffer): string {
  const us = b.readBigInt64BE(0) + PG_EPOCH_US;
  const ms = Number(us / 1000n);
  const extra = Number(us % 1000n);
  return new Date(ms).toISOString().slice(0, -1) + (extra ? String(extra).padStart(3, '0') : '');
}

function dateText(b: Buffer): string {
  return new Date((b.readInt32BE(0) + PG_EPOCH_DAYS) * 86_400_000).toISOString().slice(0, 10);
}

function timeText(b: Buffer): string {
  const us = Number(b.readBigInt64BE(0));
  return new Date(us / 1000).toISOString().slice(11, 23);
}

const NY = wallZones({ timeZone: 'America/New_York', dateTimeZone: 'America/New_York' });
const KOLKATA = wallZones({ timeZone: 'Asia/Kolkata', dateTimeZone: 'Asia/Kolkata' });
const TS: FieldType = { kind: 'timestamp-millis' };

describe('zone offsets', () => {
  it('follows America/New_York across both DST transitions, to the millisecond', () => {
    const spring = Date.UTC(2024, 2, 10, 7); // 02:00 EST → 03:00 EDT
    expect(zoneOffsets('America/New_York')!.offsetMs(spring - 1)).toBe(-5 * H);
    expect(zoneOffsets('America/New_York')!.offsetMs(spring)).toBe(-4 * H);
    expect(wall('America/New_York', spring - 1)).toBe('2024-03-10T01:59:59.999');
    expect(wall('America/New_York', spring)).toBe('2024-03-10T03:00:00.000'); // 02:xx (the gap) is no instant's wall clock
    const fall = Date.UTC(2024, 10, 3, 6); // 02:00 EDT → 01:00 EST
    expect(zoneOffsets('America/New_York')!.offsetMs(fall - 1)).toBe(-4 * H);
    expect(zoneOffsets('America/New_York')!.offsetMs(fall)).toBe(-5 * H);
    // The overlap: two instants an hour apart share one wall clock, as Connect writes them.
    expect(wall('America/New_York', fall - 30 * 60_000)).toBe('2024-11-03T01:30:00.000');
    expect(wall('America/New_York', fall + 30 * 60_000)).toBe('2024-11-03T01:30:00.000');
  });

  it('takes zones off the hour, half-hour DST, and the same day asked in any order', () => {
    expect(zoneOffsets('Asia/Kolkata')!.offsetMs(Date.UTC(2024, 0, 1))).toBe(5.5 * H);
    expect(wall('Asia/Kolkata', Date.UTC(2024, 0, 1, 20))).toBe('2024-01-02T01:30:00.000');
    expect(zoneOffsets('Asia/Kathmandu')!.offsetMs(Date.UTC(2024, 0, 1))).toBe(5.75 * H);
    // Lord Howe Island moves by 30 minutes: 02:00 LHDT (+11) → 01:30 LHST (+10:30) on 2024-04-07.
    const lh = zoneOffsets('Australia/Lord_Howe')!;
    const at = Date.UTC(2024, 3, 6, 15);
    expect(lh.offsetMs(at + 1000)).toBe(10.5 * H);
    expect(lh.offsetMs(at - 1)).toBe(11 * H);
    expect(lh.offsetMs(at + 1000)).toBe(10.5 * H);
  });

  it('has negative epochs right: DST in 1960, standard time in 1900, local mean time before 1883', () => {
    expect(wall('America/New_York', Date.UTC(1960, 5, 1, 12))).toBe('1960-06-01T08:00:00.000');
    expect(wall('America/New_York', Date.UTC(1900, 0, 1, 12))).toBe('1900-01-01T07:00:00.000');
    expect(zoneOffsets('America/New_York')!.offsetMs(Date.UTC(1800, 0, 1))).toBe(-(4 * H + 56 * 60_000 + 2000));
    expect(wall('Asia/Kolkata', Date.UTC(1969, 11, 31, 23, 59, 59, 999))).toBe('1970-01-01T05:29:59.999');
    // Proleptic Gregorian, as PostgreSQL counts days, before 1582 too.
    expect(wall('Asia/Kolkata', Date.UTC(1000, 0, 1, 20)).slice(0, 10)).toBe('1000-01-02');
  });

  it('takes Java ZoneId fixed offsets and treats UTC names as UTC (no zone: the UTC path)', () => {
    expect(zoneOffsets('+05:30')!.offsetMs(0)).toBe(5.5 * H);
    expect(zoneOffsets('UTC-03')!.offsetMs(0)).toBe(-3 * H);
    expect(zoneOffsets('GMT+0530')!.offsetMs(0)).toBe(5.5 * H);
    for (const z of ['UTC', 'GMT', 'Z', 'Etc/UTC', '+00:00', 'UTC+0']) expect(zoneOffsets(z)).toBeUndefined();
    expect(isKnownZone('Europe/Berlin')).toBe(true);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
    expect(isKnownZone('+19:00')).toBe(false);
    // PostgreSQL reads a fixed offset as POSIX (positive = west): the session TimeZone says the same zone.
    expect(sessionTimeZone('+05:30')).toBe('UTC-05:30:00');
    expect(sessionTimeZone('UTC-03')).toBe('UTC+03:00:00');
    expect(sessionTimeZone('Z')).toBe('UTC+00:00:00');
    expect(sessionTimeZone('America/New_York')).toBe('America/New_York');
  });

  it('keeps BigInt microseconds exact', () => {
    const z = zoneOffsets('Asia/Kolkata')!;
    expect(wallMicros(10n ** 16n, z)).toBe(10n ** 16n + 19_800_000_000n);
    // 1653: Kolkata's local mean time then.
    expect(z.offsetMs(-(10 ** 13))).not.toBe(5.5 * H);
    expect(wallMicros(-(10n ** 16n), z)).toBe(-(10n ** 16n) + BigInt(z.offsetMs(-(10 ** 13))) * 1000n);
  });
});

describe('values under db.timezone', () => {
  const at = Date.UTC(2024, 6, 1, 12, 0, 0, 123); // 08:00:00.123 EDT, 17:30:00.123 IST

  it('an instant into a timestamp column is its wall clock in the zone, whatever its unit', () => {
    expect(tsText(bytesOf(OID.timestamp, TS, at, NY))).toBe('2024-07-01T08:00:00.123');
    expect(tsText(bytesOf(OID.timestamp, { kind: 'timestamp-micros' }, at * 1000 + 456, NY))).toBe('2024-07-01T08:00:00.123456');
    expect(tsText(bytesOf(OID.timestamp, { kind: 'timestamp-nanos' }, BigInt(at) * 1_000_000n, KOLKATA))).toBe('2024-07-01T17:30:00.123');
    expect(tsText(bytesOf(OID.timestamp, TS, -1, KOLKATA))).toBe('1970-01-01T05:29:59.999');
    expect(tsText(bytesOf(OID.timestamp, TS, new Date(at), NY))).toBe('2024-07-01T08:00:00.123');
  });

  it('leaves timestamptz, wall-clock inputs (local-*, Debezium) and UTC as they were', () => {
    expect(bytesOf(OID.timestamptz, TS, at, NY)).toEqual(bytesOf(OID.timestamptz, TS, at, {}));
    expect(tsText(bytesOf(OID.timestamp, { kind: 'timestamp-millis', local: true }, at, NY))).toBe('2024-07-01T12:00:00.123');
    expect(tsText(bytesOf(OID.timestamp, TS, at, wallZones({})))).toBe('2024-07-01T12:00:00.123');
    expect(tsText(bytesOf(OID.timestamp, TS, at, wallZones({ timeZone: 'UTC' })))).toBe('2024-07-01T12:00:00.123');
    expect(timeText(bytesOf(OID.time, { kind: 'time-millis', local: true }, 43_200_000, NY))).toBe('12:00:00.000');
    expect(dateText(bytesOf(OID.date, { kind: 'date', local: true }, 19_792, NY))).toBe('2024-03-10');
    expect(shiftedByZone(OID.timestamptz, TS, NY)).toBe(false);
    expect(shiftedByZone(OID.timestamp, TS, {})).toBe(false);
    expect(shiftedByZone(OID.timestamp, TS, NY)).toBe(true);
  });

  it('a Connect Time is its time of day in the zone on 1970-01-01 (EST, not EDT), wrapping at midnight', () => {
    expect(timeText(bytesOf(OID.time, { kind: 'time-millis' }, 43_200_000, NY))).toBe('07:00:00.000');
    expect(timeText(bytesOf(OID.time, { kind: 'time-millis' }, 3_600_000, NY))).toBe('20:00:00.000');
    expect(timeText(bytesOf(OID.time, { kind: 'time-micros' }, 82_800_000_001, KOLKATA))).toBe('04:30:00.000');
  });

  it('a Connect Date is the day of its UTC midnight in date.timezone: the day before west of UTC', () => {
    const day = 19_792; // 2024-03-10
    expect(dateText(bytesOf(OID.date, { kind: 'date' }, day, NY))).toBe('2024-03-09');
    expect(dateText(bytesOf(OID.date, { kind: 'date' }, day, KOLKATA))).toBe('2024-03-10');
    expect(dateText(bytesOf(OID.date, { kind: 'date' }, day, wallZones({ timeZone: 'America/New_York' })))).toBe('2024-03-10');
    expect(dateText(bytesOf(OID.date, { kind: 'date' }, -1, NY))).toBe('1969-12-30');
    // An instant into a date column: the day of its wall clock in db.timezone.
    expect(dateText(bytesOf(OID.date, TS, Date.UTC(2024, 0, 1, 20), KOLKATA))).toBe('2024-01-02');
  });

  it('refuses a wall clock beyond PostgreSQL\'s range with the column named', () => {
    expect(() => bytesOf(OID.timestamp, { kind: 'timestamp-micros' }, 9_224_318_015_999_999_999n, KOLKATA)).toThrow(ConvertError);
    expect(() => bytesOf(OID.timestamp, { kind: 'timestamp-micros' }, 9_224_318_015_999_999_999n, KOLKATA)).toThrow(/column "c" \(timestamp\).*outside PostgreSQL's timestamp range/);
  });

  it('plans carry db.timezone; date.timezone=UTC leaves dates alone, Debezium\'s sink class everything', () => {
    expect(planZones('UTC', 'db_timezone', false)).toEqual({});
    expect(planZones('Etc/UTC', 'db_timezone', true)).toEqual({});
    expect(planZones('America/New_York', 'db_timezone', false)).toEqual({ timeZone: 'America/New_York', dateTimeZone: 'America/New_York' });
    expect(planZones('America/New_York', 'utc', false)).toEqual({ timeZone: 'America/New_York' });
    expect(planZones('America/New_York', 'db_timezone', true)).toEqual({});
  });

  it('config: db.timezone (any alias) must be a zone; date.timezone is DB_TIMEZONE or UTC, any case', () => {
    const base = { 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', topics: 't', 'bootstrap.servers': 'k:9092', 'connection.url': 'jdbc:postgresql://h:5432/d' };
    const problems = (config: Record<string, string>): string[] => {
      try {
        loadConfig({ json: { name: 'x', config: { ...base, ...config } } });
        return [];
      } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
      }
    };
    expect(problems({ 'db.timezone': 'Mars/Olympus' })).toEqual(['db.timezone: expected a time zone: an IANA name such as America/New_York, or an offset such as +05:30, got "Mars/Olympus"']);
    expect(problems({ 'database.time_zone': 'America/Nowhere' })[0]).toMatch(/^database\.time_zone|^db\.timezone/);
    expect(problems({ 'db.timezone': '+05:30', 'date.timezone': 'utc' })).toEqual([]);
    expect(problems({ 'use.time.zone': 'Asia/Kolkata', 'date.timezone': 'DB_TIMEZONE' })).toEqual([]);
    expect(problems({ 'date.timezone': 'Europe/Paris' })).toHaveLength(1);
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'db.timezone': 'Asia/Kolkata', 'date.timezone': 'UTC' } } });
    expect([c.options['db.timezone'], c.options['date.timezone']]).toEqual(['Asia/Kolkata', 'utc']);
    const debezium = loadConfig({ json: { name: 'x', config: { ...base, 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', 'database.time_zone': 'Asia/Kolkata' } } });
    expect(debezium.options['db.timezone']).toBe('Asia/Kolkata');
  });
});
