// Sluice raced against a real Kafka Connect worker (Apache Kafka's Connect
// runtime with Debezium's own JDBC sink and Apache Kafka's and Debezium's
// transforms, scripts/stack/connect.sh) on the same topics with the same
// connector config: Connect writes into its own database, Sluice into the
// test database, and the two must hold the same tables, columns (name, type,
// nullability, primary key) and rows. The few places where Sluice deliberately
// differs are listed in KNOWN_DIFFERENCES with the reason, and checked too.
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { ConnectStandalone, connectDatabase, type ConnectorConfig } from '../helpers/kafka-connect.js';
import { PG_JDBC } from '../helpers/connectors.js';
import { KAFKA, PG_URL, uniqueName } from '../helpers/stack.js';
import { runUntilCommitted, type ConnectField } from './postgres-helpers.js';
import { JsonEvents } from './debezium-events.js';

// Kafka Connect's database (connectDatabase makes it in beforeAll).
const CONNECT_DB = 'sluice_race_connect';
let CONNECT_PG_URL = '';
let CONNECT_JDBC = '';

const ROW_FIELDS: ConnectField[] = [
  { field: 'id', type: 'int32' },
  { field: 'name', type: 'string', optional: true },
  { field: 'req', type: 'string' },
  { field: 'd', type: 'int32', optional: true, name: 'io.debezium.time.Date' },
  { field: 't_ms', type: 'int32', optional: true, name: 'io.debezium.time.Time' },
  { field: 't_us', type: 'int64', optional: true, name: 'io.debezium.time.MicroTime' },
  { field: 'ts_ms', type: 'int64', optional: true, name: 'io.debezium.time.Timestamp' },
  { field: 'ts_us', type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp' },
  { field: 'ts_ns', type: 'int64', optional: true, name: 'io.debezium.time.NanoTimestamp' },
  { field: 'tstz', type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp' },
  { field: 'ttz', type: 'string', optional: true, name: 'io.debezium.time.ZonedTime' },
  { field: 'yr', type: 'int32', optional: true, name: 'io.debezium.time.Year' },
  {
    field: 'vdec', type: 'struct', optional: true, name: 'io.debezium.data.VariableScaleDecimal',
    fields: [{ field: 'scale', type: 'int32' }, { field: 'value', type: 'bytes' }],
  },
  { field: 'dec', type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } },
  { field: 'js', type: 'string', optional: true, name: 'io.debezium.data.Json' },
  { field: 'u', type: 'string', optional: true, name: 'io.debezium.data.Uuid' },
  { field: 'x', type: 'string', optional: true, name: 'io.debezium.data.Xml' },
  { field: 'en', type: 'string', optional: true, name: 'io.debezium.data.Enum', parameters: { allowed: 'small,medium,large' } },
  { field: 'es', type: 'string', optional: true, name: 'io.debezium.data.EnumSet', parameters: { allowed: 'a,b,c' } },
  { field: 'b', type: 'boolean', optional: true },
  { field: 'i8', type: 'int8', optional: true },
  { field: 'i16', type: 'int16', optional: true },
  { field: 'i64', type: 'int64', optional: true },
  { field: 'f32', type: 'float', optional: true },
  { field: 'f64', type: 'double', optional: true },
  { field: 'raw', type: 'bytes', optional: true },
];

/** Values a Debezium PostgreSQL source writes (microsecond precision, as PostgreSQL keeps). */
const FULL = {
  name: 'full', req: 'r', d: 19_723, t_ms: 45_296_789, t_us: 45_296_789_012, ts_ms: 1_704_112_496_789, ts_us: 1_704_112_496_789_012,
  ts_ns: 1_704_112_496_789_012_000, tstz: '2024-01-01T14:34:56.789012+02:00', ttz: '12:34:56.789Z', yr: 2024,
  vdec: { scale: 2, value: Buffer.from([0x30, 0x39]).toString('base64') }, dec: Buffer.from([0xcf, 0xc7]).toString('base64'),
  js: '{"b": 2, "a": [1, 2.50]}', u: '8f14e45f-ceea-467a-9af5-1c3d2a6b7e90', x: '<a><b>1</b></a>', en: 'medium', es: 'a,c',
  b: true, i8: -7, i16: 300, i64: 4_000_000_000_123, f32: 1.5, f64: 2.25, raw: Buffer.from([0, 1, 2, 255]).toString('base64'),
};
const nulls = (id: number, req: string) => ({ ...Object.fromEntries(ROW_FIELDS.map((f) => [f.field, null])), id, req });

/**
 * Where Sluice lands something else than Debezium's JDBC sink, on purpose:
 * column → [Debezium's type, Sluice's type, why].
 */
const KNOWN_DIFFERENCES: Record<string, [string, string, string]> = {
  vdec: ['double precision', 'numeric', 'a VariableScaleDecimal can hold any scale and precision; a double would round most of them'],
};

interface Column { name: string; type: string; nullable: boolean }
async function describeTable(url: string, table: string): Promise<{ columns: Column[]; pk: string[]; rows: Record<string, unknown>[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // format_type without a typmod-only difference: Debezium writes time(6)/timestamp(6), PostgreSQL's default precision.
    const columns = (await c.query<Column>(`SELECT attname AS name, regexp_replace(format_type(atttypid, atttypmod), '\\(6\\)', '') AS type,
      NOT attnotnull AS nullable FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [`"${table}"`])).rows;
    const pk = (await c.query<{ a: string }>(`SELECT a.attname AS a FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY a.attname`, [`"${table}"`])).rows.map((r) => r.a);
    const rows = columns.length === 0 ? [] : (await c.query(`SELECT to_jsonb(t) AS r FROM "${table}" t ORDER BY 1`)).rows.map((r) => r.r as Record<string, unknown>);
    return { columns, pk, rows };
  } finally {
    await c.end();
  }
}

/** Connect's and Sluice's table, the known differences checked and then set aside. */
async function bothSides(table: string) {
  const [connect, sluice] = [await describeTable(CONNECT_PG_URL, table), await describeTable(PG_URL, table)];
  for (const [col, [theirs, ours]] of Object.entries(KNOWN_DIFFERENCES)) {
    const a = connect.columns.find((c) => c.name === col);
    const b = sluice.columns.find((c) => c.name === col);
    if (!a || !b || a.type === b.type) continue;
    expect([a.type, b.type], col).toEqual([theirs, ours]);
    a.type = b.type;
    // Same number either way for the values used here.
    for (const rows of [connect.rows, sluice.rows]) for (const r of rows) if (r[col] !== null && r[col] !== undefined) r[col] = Number(r[col]);
  }
  return { connect, sluice };
}

async function compare(table: string): Promise<void> {
  const { connect, sluice } = await bothSides(table);
  expect(connect.columns.length, `Kafka Connect made no table ${table}`).toBeGreaterThan(0);
  expect(sluice.columns).toEqual(connect.columns);
  expect(sluice.pk).toEqual(connect.pk);
  expect(sluice.rows).toEqual(connect.rows);
}

const JSON_CONVERTERS = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter', 'key.converter.schemas.enable': 'true',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true',
};

interface Race { topic: string; tables: string[]; config: Record<string, string> }
const races: Race[] = [];
let connect: ConnectStandalone | undefined;

function race(topic: string, tables: string | string[], config: Record<string, string>): Race {
  const r = { topic, tables: [tables].flat(), config: { 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector', topics: topic, ...JSON_CONVERTERS, ...config } };
  races.push(r);
  return r;
}

const dbzTopic = uniqueName('race_dbz');
const flatTopic = uniqueName('race_flat');
const valueKeyTopic = uniqueName('race_vkey');
const kafkaKeyTopic = uniqueName('race_kkey');
const renamedTopic = uniqueName('race_coll');
const routedTopic = uniqueName('race_days');
const zoneTopic = uniqueName('race_tz');
const evolveTopic = uniqueName('race_evolve');
const nullDefaultTopic = uniqueName('race_nulldef');
const nullKeptTopic = uniqueName('race_nullkept');

beforeAll(async () => {
  ({ url: CONNECT_PG_URL, jdbc: CONNECT_JDBC } = await connectDatabase(CONNECT_DB));

  // 1. Change events in Debezium's envelope: c/r/u/d and tombstones, every semantic type, a later added column.
  const ev = new JsonEvents('race', 'items', ROW_FIELDS);
  const evolved = new JsonEvents('race', 'items', [...ROW_FIELDS, { field: 'added', type: 'string', optional: true }]);
  await createTopic(dbzTopic, 1);
  await produce(dbzTopic, [
    ev.event('r', null, { ...nulls(1, 'one'), name: 'one' }),
    ev.event('r', null, { ...nulls(2, 'two'), name: 'two' }),
    ev.event('c', null, { ...nulls(3, 'three') }),
    ev.event('u', nulls(2, 'two'), { id: 2, ...FULL }),
    ev.event('d', nulls(1, 'one'), null),
    ev.tombstone(1),
    ev.event('u', nulls(3, 'three'), { ...nulls(3, 'three b'), i16: -32_768, f64: -0.5 }),
    evolved.event('c', null, { ...nulls(5, 'five'), added: 'new column' }),
  ]);
  race(dbzTopic, dbzTopic, { 'insert.mode': 'upsert', 'delete.enabled': 'true', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic' });

  // 2. Flattened by Debezium's ExtractNewRecordState, then Apache Kafka's transforms, routed to another table.
  const flat = new JsonEvents('race', 'flat', ROW_FIELDS);
  await createTopic(flatTopic, 1);
  await produce(flatTopic, [
    flat.event('c', null, { id: 1, ...FULL }),
    flat.event('c', null, { ...nulls(2, 'two'), name: 'two' }),
    flat.event('u', nulls(2, 'two'), { ...nulls(2, 'two b'), name: 'two b', i64: -5 }),
    flat.event('d', nulls(2, 'two b'), null),
    flat.tombstone(2),
  ]);
  race(flatTopic, `${flatTopic}_flat`, {
    'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic',
    transforms: 'unwrap,rename,origin,cast,route',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
    'transforms.unwrap.add.fields': 'op,table,source.ts_ms',
    'transforms.rename.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
    'transforms.rename.renames': 'name:full_name,req:required_text',
    'transforms.rename.exclude': 'x,raw',
    'transforms.origin.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
    'transforms.origin.static.field': 'origin',
    'transforms.origin.static.value': 'race',
    'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
    'transforms.cast.spec': 'i64:string,i16:int64,b:int32',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': '(.*)',
    'transforms.route.replacement': '$1_flat',
  });

  // 3. Primary key from the value, insert mode, a value-only (no key) topic.
  await createTopic(valueKeyTopic, 1);
  const plain = (id: number, name: string) => ({
    key: null,
    value: JSON.stringify({
      schema: { type: 'struct', name: 'race.Plain', optional: false, fields: [{ field: 'code', type: 'string' }, { field: 'seq', type: 'int64' }, { field: 'name', type: 'string', optional: true }] },
      payload: { code: `c${id % 2}`, seq: id, name },
    }),
  });
  await produce(valueKeyTopic, [plain(1, 'a'), plain(2, 'b'), plain(3, null as unknown as string)]);
  race(valueKeyTopic, valueKeyTopic, { 'insert.mode': 'insert', 'schema.evolution': 'basic', 'primary.key.mode': 'record_value', 'primary.key.fields': 'code,seq', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter' });

  // 4. primary.key.mode=kafka on nested values: Flatten, TimestampConverter, MaskField, InsertField's record fields.
  await createTopic(kafkaKeyTopic, 2);
  const NESTED: ConnectField[] = [
    { field: 'id', type: 'int64' },
    { field: 'secret', type: 'string', optional: true },
    { field: 'at', type: 'int64' },
    { field: 'addr', type: 'struct', optional: true, fields: [{ field: 'city', type: 'string' }, { field: 'zip', type: 'int32', optional: true }, { field: 'geo', type: 'struct', fields: [{ field: 'lat', type: 'double' }] }] },
  ];
  const nested = (id: number, addr: unknown) => JSON.stringify({ schema: { type: 'struct', name: 'race.Nested', optional: false, fields: NESTED }, payload: { id, secret: `s${id}`, at: 1_704_112_496_000 + id, addr } });
  await produce(kafkaKeyTopic, [
    { key: 'k1', value: nested(1, { city: 'Lyon', zip: 69_001, geo: { lat: 45.76 } }), partition: 0 },
    { key: 'k2', value: nested(2, null), partition: 1 },
    { key: 'k3', value: nested(3, { city: 'Oslo', zip: null, geo: { lat: 59.91 } }), partition: 1 },
  ]);
  race(kafkaKeyTopic, kafkaKeyTopic, {
    'insert.mode': 'insert', 'primary.key.mode': 'kafka', 'schema.evolution': 'basic', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    transforms: 'flat,ts,mask,meta',
    'transforms.flat.type': 'org.apache.kafka.connect.transforms.Flatten$Value',
    'transforms.flat.delimiter': '_',
    'transforms.ts.type': 'org.apache.kafka.connect.transforms.TimestampConverter$Value',
    'transforms.ts.field': 'at',
    'transforms.ts.target.type': 'Timestamp',
    'transforms.mask.type': 'org.apache.kafka.connect.transforms.MaskField$Value',
    'transforms.mask.fields': 'secret',
    'transforms.meta.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
    'transforms.meta.topic.field': 'src_topic',
    'transforms.meta.partition.field': 'src_partition',
    'transforms.meta.offset.field': 'src_offset',
  });

  // 5. Debezium events: collection.name.format from the source block, field.exclude.list (both spellings), truncate.
  const coll = new JsonEvents('race', 'orders', ROW_FIELDS, 'sales');
  await createTopic(renamedTopic, 1);
  await produce(renamedTopic, [
    coll.event('c', null, { ...nulls(1, 'one'), x: '<gone/>', f64: 1.25 }),
    coll.event('t', null, null),
    coll.event('c', null, { ...nulls(2, 'two'), x: '<gone/>', raw: Buffer.from('zz').toString('base64') }),
    coll.event('c', null, { id: 3, ...FULL }),
  ]);
  race(renamedTopic, `sales_${renamedTopic}_orders`, {
    'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic', 'truncate.enabled': 'true',
    'collection.name.format': `\${source.schema}_${renamedTopic}_\${source.table}`,
    'field.exclude.list': `${renamedTopic}:x,raw`,
  });

  // 6. ValueToKey for the key, SetSchemaMetadata, a Filter on a header predicate, TimestampRouter to a table per day, arrays.
  await createTopic(routedTopic, 1);
  const DAY = Date.UTC(2024, 0, 1, 10);
  const daily = (seq: number, name: string | null, tags: string[] | null, day: number, headers: Record<string, string> = {}) => ({
    key: null, timestamp: DAY + day * 86_400_000, headers,
    value: JSON.stringify({
      schema: {
        type: 'struct', name: 'race.Daily', optional: false, fields: [
          { field: 'code', type: 'string' }, { field: 'seq', type: 'int64' }, { field: 'name', type: 'string', optional: true },
          { field: 'tags', type: 'array', items: { type: 'string' }, optional: true }, { field: 'scores', type: 'array', items: { type: 'int32' }, optional: true },
        ],
      },
      payload: { code: `c${seq % 2}`, seq, name, tags, scores: tags ? tags.map((t) => t.length) : null },
    }),
  });
  await produce(routedTopic, [
    daily(1, 'a', ['x', 'yy'], 0), daily(2, 'b', null, 0), daily(3, 'skipped', ['z'], 0, { skip: '1' }),
    daily(1, 'a again', [], 1), daily(4, null, ['p'], 1),
  ]);
  race(routedTopic, [`${routedTopic}_20240101`, `${routedTopic}_20240102`], {
    'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic', 'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    transforms: 'tokey,meta,skip,day',
    'transforms.tokey.type': 'org.apache.kafka.connect.transforms.ValueToKey',
    'transforms.tokey.fields': 'code,seq',
    'transforms.meta.type': 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Value',
    'transforms.meta.schema.name': 'race.Renamed',
    'transforms.meta.schema.version': '3',
    'transforms.skip.type': 'org.apache.kafka.connect.transforms.Filter',
    'transforms.skip.predicate': 'hasSkip',
    'transforms.day.type': 'org.apache.kafka.connect.transforms.TimestampRouter',
    'transforms.day.topic.format': '${topic}_${timestamp}',
    'transforms.day.timestamp.format': 'yyyyMMdd',
    predicates: 'hasSkip',
    'predicates.hasSkip.type': 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey',
    'predicates.hasSkip.name': 'skip',
  });

  // 7. Schema evolution on plain records: a required field with a default added, then fields left out; tombstones with delete.enabled.
  await createTopic(evolveTopic, 1);
  const versioned = (id: number, fields: ConnectField[], payload: Record<string, unknown>) => ({
    key: JSON.stringify({ schema: { type: 'struct', name: 'race.EvKey', optional: false, fields: [{ field: 'id', type: 'int32' }] }, payload: { id } }),
    value: JSON.stringify({ schema: { type: 'struct', name: 'race.Ev', optional: false, fields: [{ field: 'id', type: 'int32' }, ...fields] }, payload: { id, ...payload } }),
  });
  const A: ConnectField = { field: 'a', type: 'int32', optional: true };
  const B = { field: 'b', type: 'string', optional: false, default: 'dflt' } as ConnectField;
  const C: ConnectField = { field: 'c', type: 'double', optional: true };
  await produce(evolveTopic, [
    versioned(1, [A], { a: 1 }),
    versioned(2, [A, B], { a: 2, b: 'two' }),
    versioned(3, [A, B, C], { a: null, b: 'three', c: 0.5 }),
    versioned(4, [], {}),
    versioned(1, [A, B, C], { a: 11, b: 'one', c: null }),
    { key: JSON.stringify({ schema: { type: 'struct', name: 'race.EvKey', optional: false, fields: [{ field: 'id', type: 'int32' }] }, payload: { id: 2 } }), value: null },
  ]);
  race(evolveTopic, evolveTopic, { 'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic', 'delete.enabled': 'true' });

  // 8. database.time_zone: Connect Timestamp/Time/Date and a Debezium Timestamp (a wall clock already), across both DST changes.
  await createTopic(zoneTopic, 1);
  const TZ_FIELDS: ConnectField[] = [
    { field: 'id', type: 'int32' },
    { field: 'ts', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
    { field: 'tm', type: 'int32', name: 'org.apache.kafka.connect.data.Time' },
    { field: 'dt', type: 'int32', name: 'org.apache.kafka.connect.data.Date' },
    { field: 'lts', type: 'int64', name: 'io.debezium.time.Timestamp' },
  ];
  const zoned = [
    0, Date.UTC(2024, 2, 10, 6, 59, 59, 999), Date.UTC(2024, 2, 10, 7),
    Date.UTC(2024, 10, 3, 5, 30), Date.UTC(2024, 10, 3, 6, 30), Date.UTC(2024, 6, 1, 23, 15, 0, 250),
  ];
  await produce(zoneTopic, zoned.map((ms, id) => ({
    key: JSON.stringify({ schema: { type: 'struct', name: 'race.TzKey', optional: false, fields: [{ field: 'id', type: 'int32' }] }, payload: { id } }),
    value: JSON.stringify({
      schema: { type: 'struct', name: 'race.Tz', optional: false, fields: TZ_FIELDS },
      payload: { id, ts: ms, tm: ms % 86_400_000, dt: Math.floor(ms / 86_400_000), lts: ms },
    }),
  })));
  race(zoneTopic, zoneTopic, { 'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic', 'database.time_zone': 'America/New_York' });

  // 9. Null (and missing) fields whose schema has a default: JsonConverter reads them as the default
  // (replace.null.with.default, true by default); with it false they stay null, which Debezium's sink keeps (getWithoutDefault).
  const withDefaults: ConnectField[] = [
    { field: 'id', type: 'int32' },
    { field: 's', type: 'string', optional: true, default: 'dflt' } as ConnectField,
    { field: 'n', type: 'int64', optional: true, default: 7 } as ConnectField,
    { field: 'r', type: 'string', optional: false, default: 'req' } as ConnectField,
  ];
  const defaulted = (id: number, payload: Record<string, unknown>) => ({
    key: JSON.stringify({ schema: { type: 'struct', name: 'race.NdKey', optional: false, fields: [{ field: 'id', type: 'int32' }] }, payload: { id } }),
    value: JSON.stringify({ schema: { type: 'struct', name: 'race.Nd', optional: false, fields: withDefaults }, payload: { id, ...payload } }),
  });
  for (const [topic, replace] of [[nullDefaultTopic, true], [nullKeptTopic, false]] as const) {
    await createTopic(topic, 1);
    await produce(topic, [
      defaulted(1, { s: null, n: null, r: 'x' }),
      defaulted(2, { r: 'y' }),
      defaulted(3, { s: 'v', n: 0, r: 'z' }),
      // A required field with a default left out: its default, only while replace.null.with.default is on (else refused).
      ...(replace ? [defaulted(4, { s: 'w' })] : []),
    ]);
    race(topic, topic, {
      'insert.mode': 'upsert', 'primary.key.mode': 'record_key', 'schema.evolution': 'basic',
      ...(replace ? {} : { 'value.converter.replace.null.with.default': 'false' }),
    });
  }

  const connectors: ConnectorConfig[] = races.map((r, i) => ({
    name: `race-${i}-${r.topic}`,
    config: { ...r.config, 'connection.url': CONNECT_JDBC, 'connection.username': 'postgres', 'connection.password': 'postgres' },
  }));
  connect = new ConnectStandalone(connectors, { 'offset.flush.interval.ms': '500' });
  // Sluice runs meanwhile, one connector after another, each until its group has committed everything.
  for (const r of races) {
    await runUntilCommitted({ ...r.config, 'bootstrap.servers': KAFKA, 'connection.url': PG_JDBC, 'connection.username': 'postgres', 'connection.password': 'postgres' }, [r.topic]);
  }
  // Connect commits no offset for records a transform drops, so it is waited on by its data: until each of
  // its tables holds what Sluice's does (a real difference runs into the bound and is shown by the tests).
  for (const table of races.flatMap((r) => r.tables)) {
    await connect.waitFor(`Kafka Connect's ${table} to match Sluice's`, async () => {
      const { connect: a, sluice: b } = await bothSides(table);
      return a.columns.length > 0 && isDeepStrictEqual(a, b);
    }, 60_000).catch((err: Error) => { if (/Kafka Connect failed/.test(err.message)) throw err; });
  }
}, 400_000);

afterAll(async () => {
  await connect?.stop();
});

describe('Sluice and Kafka Connect (Debezium JDBC sink) on the same records', () => {
  it('Debezium change events: same table, columns, key and rows (upserts, deletes, tombstones, semantic types, an added column)', async () => {
    await compare(dbzTopic);
  });

  it('ExtractNewRecordState + ReplaceField + InsertField + Cast + RegexRouter: same routed table and rows', async () => {
    await compare(`${flatTopic}_flat`);
  });

  it('primary.key.mode=record_value with two fields and insert mode: same table and rows', async () => {
    await compare(valueKeyTopic);
  });

  it('primary.key.mode=kafka with Flatten, TimestampConverter, MaskField and InsertField record fields: same table and rows', async () => {
    await compare(kafkaKeyTopic);
  });

  it('database.time_zone=America/New_York: same timestamp, time and date values (DST edges), Debezium timestamps unshifted', async () => {
    await compare(zoneTopic);
  });

  it('collection.name.format from the source block, field.exclude.list, truncate.enabled: same table and rows', async () => {
    await compare(`sales_${renamedTopic}_orders`);
  });

  it('schema evolution (a required field with a default, fields left out later) and tombstones as deletes: same table and rows', async () => {
    await compare(evolveTopic);
  });

  it('null and missing fields with a schema default: JsonConverter gives the default; with value.converter.replace.null.with.default=false they stay null', async () => {
    await compare(nullDefaultTopic);
    await compare(nullKeptTopic);
    // And what both wrote, by id.
    const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
    const { sluice: on } = await bothSides(nullDefaultTopic);
    expect(byId(on.rows).map((r) => [r.s, r.n, r.r])).toEqual([['dflt', 7, 'x'], ['dflt', 7, 'y'], ['v', 0, 'z'], ['w', 7, 'req']]);
    const { sluice: off } = await bothSides(nullKeptTopic);
    expect(byId(off.rows).map((r) => [r.s, r.n])).toEqual([[null, null], [null, null], ['v', 0]]);
  });

  it('ValueToKey, SetSchemaMetadata, Filter with HasHeaderKey, TimestampRouter: same tables per day, arrays, rows', async () => {
    await compare(`${routedTopic}_20240101`);
    await compare(`${routedTopic}_20240102`);
  });
});
