// db.timezone through PostgreSQL, as Confluent's JDBC sink applies it: pgjdbc
// binds a Connect Timestamp/Time/Date with a Calendar in the zone, so a
// `timestamp` (without time zone) column holds the instant's wall clock there,
// a `time` column the time of day on 1970-01-01 there, a `date` column the day
// of the Date's UTC midnight there (date.timezone=DB_TIMEZONE); a timestamptz
// column holds the instant. PostgreSQL's own zone data (AT TIME ZONE) is the
// reference the rows are checked against, with a few values spelt out.
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql, withPg } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import { envelope, pgConnector, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const ZONE = 'America/New_York';
const FIELDS: ConnectField[] = [
  { field: 'id', type: 'int32' },
  { field: 'ts', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
  { field: 'tm', type: 'int32', name: 'org.apache.kafka.connect.data.Time' },
  { field: 'dt', type: 'int32', name: 'org.apache.kafka.connect.data.Date' },
  // Debezium's Timestamp is the source column's wall clock already: written as it is.
  { field: 'lts', type: 'int64', name: 'io.debezium.time.Timestamp' },
];

const SPRING = Date.UTC(2024, 2, 10, 7); // 02:00 EST → 03:00 EDT
const FALL = Date.UTC(2024, 10, 3, 6); // 02:00 EDT → 01:00 EST
const INSTANTS = [0, -1, SPRING - 1, SPRING, FALL - 1_800_000, FALL + 1_800_000, Date.UTC(1960, 5, 1, 12), Date.UTC(1800, 0, 1), 1_767_225_600_987];

describe('db.timezone (Confluent JDBC sink semantics)', () => {
  it('writes instants into timestamp/time/date columns as their wall clock in the zone, timestamptz columns as instants', async () => {
    const created = uniqueName('pg_tz_auto');
    const existing = uniqueName('pg_tz_existing');
    await createTopic(created, 1);
    await createTopic(existing, 1);
    await sql(`CREATE TABLE "${existing}" (id int PRIMARY KEY, ts timestamptz, tm time, dt date, lts timestamp)`);
    const rows = INSTANTS.map((ms, id) => ({ id, ts: ms, tm: ((ms % 86_400_000) + 86_400_000) % 86_400_000, dt: Math.floor(ms / 86_400_000), lts: ms }));
    for (const t of [created, existing]) await produce(t, rows.map((p) => ({ value: envelope(FIELDS, p) })));
    await runUntilCommitted(pgConnector(`${created},${existing}`, { 'auto.create': 'true', 'db.timezone': ZONE }), [created, existing]);

    const types = await sql<{ name: string; type: string }>(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum`, [`"${created}"`]);
    expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
      id: 'integer', ts: 'timestamp without time zone', tm: 'time without time zone', dt: 'date', lts: 'timestamp without time zone',
    });

    // What pgjdbc's Calendar binding gives, by PostgreSQL's zone data.
    const expected = (tsExpr: string) => sql(`SELECT id, ${tsExpr} AS ts,
        (to_timestamp(tm / 1000.0) AT TIME ZONE '${ZONE}')::time::text AS tm,
        (to_timestamp(dt * 86400.0) AT TIME ZONE '${ZONE}')::date::text AS dt,
        (to_timestamp(lts / 1000.0) AT TIME ZONE 'UTC')::text AS lts
      FROM (VALUES ${rows.map((r) => `(${r.id}, ${r.ts}::numeric, ${r.tm}::numeric, ${r.dt}::numeric, ${r.lts}::numeric)`).join(', ')}) AS v(id, ts, tm, dt, lts) ORDER BY id`);
    const got = (table: string, tsExpr: string) => sql(`SELECT id, ${tsExpr} AS ts, tm::text, dt::text, lts::text FROM "${table}" ORDER BY id`);

    const autoRows = await got(created, 'ts::text');
    expect(autoRows).toEqual(await expected(`(to_timestamp(ts / 1000.0) AT TIME ZONE '${ZONE}')::text`));
    const byId = new Map(autoRows.map((r) => [r.id as number, r]));
    expect(byId.get(0)).toEqual({ id: 0, ts: '1969-12-31 19:00:00', tm: '19:00:00', dt: '1969-12-31', lts: '1970-01-01 00:00:00' });
    expect(byId.get(2)!.ts).toBe('2024-03-10 01:59:59.999');
    expect(byId.get(3)!.ts).toBe('2024-03-10 03:00:00');
    // The overlap: an hour apart, one wall clock, as Connect writes them.
    expect(byId.get(4)!.ts).toBe('2024-11-03 01:30:00');
    expect(byId.get(5)!.ts).toBe('2024-11-03 01:30:00');
    expect(byId.get(6)!.ts).toBe('1960-06-01 08:00:00');
    expect(byId.get(7)!.ts).toBe('1799-12-31 19:03:58');

    // An existing timestamptz column keeps the instant; the other columns as above.
    const kept = await got(existing, `((extract(epoch FROM ts) * 1000)::numeric(20,0))::text`);
    const drop = (r: Record<string, unknown>) => ({ ...r, ts: undefined });
    expect(kept.map(drop)).toEqual(autoRows.map(drop));
    expect(kept.map((r) => Number(r.ts))).toEqual(INSTANTS);
  });

  it("a Connect Timestamp's schema default is its wall clock in the zone, a constant: a row another session inserts later takes that", async () => {
    const topic = uniqueName('pg_tz_default');
    await createTopic(topic, 1);
    const fields = [
      { field: 'id', type: 'int32' },
      { field: 'at', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', default: 1_700_000_000_123 },
    ] as ConnectField[];
    await produce(topic, [{ value: envelope(fields, { id: 1, at: 1_700_000_000_123 }) }]);
    await runUntilCommitted(pgConnector(topic, { 'auto.create': 'true', 'db.timezone': ZONE, 'pk.mode': 'record_value', 'pk.fields': 'id' }), [topic]);
    // Confluent's formatColumnValue: the default as formatTimestamp writes it in db.timezone, quoted.
    expect(await sql(`SELECT column_default AS d FROM information_schema.columns WHERE table_name = $1 AND column_name = 'at'`, [topic]))
      .toEqual([{ d: "'2023-11-14 17:13:20.123'::timestamp without time zone" }]);
    // Another client, in another time zone, leaves the column out: the same wall clock as Sluice wrote for the same instant.
    await withPg(async (c) => {
      await c.query(`SET TimeZone = 'Asia/Tokyo'`);
      await c.query(`INSERT INTO "${topic}" (id) VALUES (2)`);
    });
    expect(await sql(`SELECT id, at::text FROM "${topic}" ORDER BY id`)).toEqual([{ id: 1, at: '2023-11-14 17:13:20.123' }, { id: 2, at: '2023-11-14 17:13:20.123' }]);
  });

  it('date.timezone=UTC writes a Connect Date as its own day', async () => {
    const topic = uniqueName('pg_tz_date_utc');
    await createTopic(topic, 1);
    const rows = [{ id: 1, ts: SPRING, tm: 0, dt: 19_792, lts: 0 }];
    await produce(topic, rows.map((p) => ({ value: envelope(FIELDS, p) })));
    await runUntilCommitted(pgConnector(topic, { 'auto.create': 'true', 'db.timezone': ZONE, 'date.timezone': 'UTC' }), [topic]);
    expect(await sql(`SELECT dt::text, ts::text, tm::text FROM "${topic}"`)).toEqual([{ dt: '2024-03-10', ts: '2024-03-10 03:00:00', tm: '19:00:00' }]);
  });


  it('takes a Java fixed offset (+05:30), in the values and as the session TimeZone', async () => {
    const topic = uniqueName('pg_tz_fixed');
    await createTopic(topic, 1);
    await produce(topic, [{ value: envelope(FIELDS, { id: 1, ts: SPRING, tm: 82_800_000, dt: 19_792, lts: 0 }) }]);
    await runUntilCommitted(pgConnector(topic, { 'auto.create': 'true', 'db.timezone': '+05:30' }), [topic]);
    expect(await sql(`SELECT ts::text, tm::text, dt::text FROM "${topic}"`)).toEqual([{ ts: '2024-03-10 12:30:00', tm: '04:30:00', dt: '2024-03-10' }]);
  });
});
