import { describe, expect, it } from 'vitest';
import { desiredColumns, rulesForTopic, type FieldRules } from '../../src/sinks/postgres/columns.js';
import { alterTableSql, createTableSql, defaultLiteral, planEvolution } from '../../src/sinks/postgres/ddl.js';
import { TableSchemaInferrer, mergeColumnTypes } from '../../src/sinks/postgres/infer.js';
import type { CatalogColumn } from '../../src/sinks/postgres/service.js';
import { fitColumn, OID, sqlTypeFor } from '../../src/sinks/postgres/types.js';
import { zoneOffsets } from '../../src/sinks/postgres/wall-clock.js';
import type { RecordSchema } from '../../src/workers/schema.js';

const rules = (r: Partial<FieldRules>): FieldRules => ({ pkMode: 'none', pkFields: [], exclude: [], ...r });
const value: RecordSchema = {
  id: 'avro:1',
  fields: [
    { name: 'id', type: { kind: 'int64' }, optional: false },
    { name: 'name', type: { kind: 'string' }, optional: true },
    { name: 'tags', type: { kind: 'array', items: { kind: 'string' }, itemsOptional: false }, optional: false },
  ],
};

function catalogCol(name: string, typeOid: number, sqlType: string, extra: Partial<CatalogColumn> = {}): CatalogColumn {
  return { name, typeOid, sqlType, typeName: '', elemOid: 0, typmod: -1, notNull: false, generated: false, hasDefault: false, pk: false, ...extra };
}

describe('columns from pk.mode', () => {
  it('record_key with a primitive key: one column, __connect_key unless pk.fields names it', () => {
    const key: RecordSchema = { id: 'string', scalar: true, fields: [{ name: 'value', type: { kind: 'string' }, optional: true }] };
    expect(desiredColumns(rules({ pkMode: 'record_key' }), value, key).slice(0, 2).map((c) => [c.name, c.pk, c.from])).toEqual([
      ['__connect_key', true, 'key'], ['id', false, 'value'],
    ]);
    expect(desiredColumns(rules({ pkMode: 'record_key', pkFields: ['k'] }), undefined, key).map((c) => c.name)).toEqual(['k']);
    expect(() => desiredColumns(rules({ pkMode: 'record_key', pkFields: ['a', 'b'] }), undefined, key)).toThrow(/primitive/);
  });

  it('record_key with a struct key: the named key fields (all by default); value fields of the same name are not repeated', () => {
    const key: RecordSchema = { id: 'k', fields: [{ name: 'tenant', type: { kind: 'string' }, optional: false }, { name: 'id', type: { kind: 'int64' }, optional: false }] };
    expect(desiredColumns(rules({ pkMode: 'record_key' }), value, key).map((c) => `${c.name}:${c.from}:${c.pk}`)).toEqual([
      'tenant:key:true', 'id:key:true', 'name:value:false', 'tags:value:false',
    ]);
    expect(() => desiredColumns(rules({ pkMode: 'record_key', pkFields: ['nope'] }), value, key)).toThrow(/"nope", which the record key's schema lacks/);
  });

  it('kafka: the three coordinates first; record_value: pk.fields from the value; filters apply to value fields', () => {
    expect(desiredColumns(rules({ pkMode: 'kafka' }), value, undefined).map((c) => c.name)).toEqual(['__connect_topic', '__connect_partition', '__connect_offset', 'id', 'name', 'tags']);
    const rv = desiredColumns(rules({ pkMode: 'record_value', pkFields: ['id'], include: ['name'] }), value, undefined);
    expect(rv.map((c) => `${c.name}:${c.pk}`)).toEqual(['id:true', 'name:false']);
    expect(desiredColumns(rules({ exclude: ['tags'] }), value, undefined).map((c) => c.name)).toEqual(['id', 'name']);
  });

  it("Debezium's topic:field filter entries apply to that topic only; plain entries to every topic", () => {
    const r = rules({ exclude: ['orders:tags', ' other : name', 'nope'] });
    expect(desiredColumns(rulesForTopic(r, 'orders'), value, undefined).map((c) => c.name)).toEqual(['id', 'name']);
    expect(desiredColumns(rulesForTopic(r, 'other'), value, undefined).map((c) => c.name)).toEqual(['id', 'tags']);
    // An include list whose entries all name other topics lets no value field through.
    expect(desiredColumns(rulesForTopic(rules({ include: ['orders:id'] }), 'orders'), value, undefined).map((c) => c.name)).toEqual(['id']);
    expect(desiredColumns(rulesForTopic(rules({ include: ['orders:id'] }), 'other'), value, undefined).map((c) => c.name)).toEqual([]);
    const plain = rules({ exclude: ['tags'] });
    expect(rulesForTopic(plain, 'orders')).toBe(plain);
  });
});

describe('auto.create', () => {
  it('maps every field type and declares the primary key', () => {
    const cols = desiredColumns(rules({ pkMode: 'record_value', pkFields: ['id'] }), value, undefined);
    expect(createTableSql('"s"."t"', cols)).toBe('CREATE TABLE IF NOT EXISTS "s"."t" ("id" bigint NOT NULL, "name" text, "tags" text[] NOT NULL, PRIMARY KEY ("id"))');
  });

  it("writes the schema's field defaults as column defaults, as constants that cannot inject SQL", () => {
    const withDefaults: RecordSchema = {
      id: 'avro:2',
      fields: [
        { name: 'id', type: { kind: 'int64' }, optional: false, default: 0 },
        { name: 'status', type: { kind: 'string' }, optional: false, default: "it's \\ new'); DROP TABLE t; --" },
        { name: 'n', type: { kind: 'int32' }, optional: true, default: null },
        { name: 'ok', type: { kind: 'boolean' }, optional: false, default: true },
        { name: 'blob', type: { kind: 'bytes' }, optional: false, default: '\u00ff' },
      ],
    };
    const cols = desiredColumns(rules({ pkMode: 'record_value', pkFields: ['id'] }), withDefaults, undefined);
    // Confluent's writeColumnSpec: a default and no NOT NULL (the key stays NOT NULL); Debezium's: NOT NULL DEFAULT.
    expect(createTableSql('"t"', cols)).toBe(
      `CREATE TABLE IF NOT EXISTS "t" ("id" bigint DEFAULT 0 NOT NULL, "status" text DEFAULT E'it''s \\\\ new''); DROP TABLE t; --', "n" integer, "ok" boolean DEFAULT TRUE, "blob" bytea NOT NULL, PRIMARY KEY ("id"))`,
    );
    expect(createTableSql('"t"', cols, { dialect: 'debezium' })).toBe(
      `CREATE TABLE IF NOT EXISTS "t" ("id" bigint DEFAULT 0 NOT NULL, "status" text DEFAULT E'it''s \\\\ new''); DROP TABLE t; --' NOT NULL, "n" integer, "ok" boolean DEFAULT TRUE NOT NULL, "blob" bytea NOT NULL, PRIMARY KEY ("id"))`,
    );
    expect(defaultLiteral({ kind: 'float64' }, 1.5)).toBe('1.5');
    expect(defaultLiteral({ kind: 'float64' }, 'NaN')).toBeUndefined();
    expect(defaultLiteral({ kind: 'int64' }, 2n ** 62n)).toBe('4611686018427387904');
    expect(defaultLiteral({ kind: 'int32' }, 1.5)).toBeUndefined();
    expect(defaultLiteral({ kind: 'date' }, 19000)).toBe("DATE '1970-01-01' + 19000");
    // A Connect Timestamp default is a constant wall clock (Confluent's formatColumnValue: formatTimestamp in db.timezone,
    // quoted), not an expression a session's TimeZone would turn into another wall clock at insert time.
    expect(defaultLiteral({ kind: 'timestamp-millis' }, 1700000000123)).toBe("'2023-11-14 22:13:20.123'");
    expect(defaultLiteral({ kind: 'timestamp-millis' }, 1700000000123, zoneOffsets('America/New_York'))).toBe("'2023-11-14 17:13:20.123'");
    expect(defaultLiteral({ kind: 'timestamp-millis', local: true }, 1700000000123, zoneOffsets('America/New_York'))).toBe("'2023-11-14 22:13:20.123'");
    expect(defaultLiteral({ kind: 'timestamp-micros' }, -1n)).toBe("'1969-12-31 23:59:59.999999'");
    expect(defaultLiteral({ kind: 'timestamp-nanos' }, 1_000_000_000n)).toBe("'1970-01-01 00:00:01.000'");
    expect(defaultLiteral({ kind: 'timestamp-nanos' }, 1_000_000_001n)).toBeUndefined();
    expect(defaultLiteral({ kind: 'timestamp-millis' }, Date.UTC(-1, 0, 1))).toBeUndefined();
    const at: RecordSchema = { id: 'avro:4', fields: [{ name: 'at', type: { kind: 'timestamp-millis' }, optional: false, default: 0 }] };
    expect(createTableSql('"t"', desiredColumns(rules({}), at, undefined), { timeZone: 'Europe/Paris' })).toBe(`CREATE TABLE IF NOT EXISTS "t" ("at" timestamp DEFAULT '1970-01-01 01:00:00.000')`);
    expect(planEvolution([], [{ name: 'at', type: { kind: 'timestamp-millis' }, optional: true, default: 0 }], { schemaless: false, timeZone: 'Europe/Paris' }).add)
      .toEqual([{ name: 'at', sqlType: 'timestamp', default: "'1970-01-01 01:00:00.000'" }]);
    expect(defaultLiteral({ kind: 'int32' }, 2 ** 31)).toBeUndefined();
    expect(defaultLiteral({ kind: 'int32' }, -(2 ** 31))).toBe('-2147483648');
    expect(defaultLiteral({ kind: 'uuid' }, 'not-a-uuid')).toBeUndefined();
    expect(defaultLiteral({ kind: 'enum', symbols: ['A', 'B'] }, 'B')).toBe("E'B'");
    expect(defaultLiteral({ kind: 'string' }, 'nul\u0000')).toBeUndefined();
  });

  it("Connect Decimal per connector class: Confluent's unconstrained DECIMAL, Debezium's ConnectDecimalType", () => {
    const dec = (precision: number, scale: number) => ({ kind: 'decimal' as const, precision, scale });
    // Confluent's PostgreSqlDatabaseDialect.getSqlType: "DECIMAL" whatever the precision and scale (Sluice's own configs too).
    expect(sqlTypeFor(dec(10, 2))).toBe('numeric');
    expect(sqlTypeFor(dec(10, 2), 'confluent')).toBe('numeric');
    expect(sqlTypeFor(dec(50, 5), 'confluent')).toBe('numeric');
    expect(sqlTypeFor(dec(38, -2), 'confluent')).toBe('numeric');
    expect(sqlTypeFor({ kind: 'array', items: dec(10, 2), itemsOptional: true }, 'confluent')).toBe('numeric[]');
    // Debezium's ConnectDecimalType: numeric(p,s) from connect.decimal.precision (38 when absent). Where its column
    // would refuse or round values of the schema (precision capped at 38, numeric(38,-1)) Sluice keeps every value.
    expect(sqlTypeFor(dec(10, 2), 'debezium')).toBe('numeric(10,2)');
    expect(sqlTypeFor(dec(38, 3), 'debezium')).toBe('numeric(38,3)');
    expect(sqlTypeFor(dec(50, 5), 'debezium')).toBe('numeric(50,5)');
    expect(sqlTypeFor(dec(38, 0), 'debezium')).toBe('numeric(38,0)');
    expect(sqlTypeFor(dec(38, -2), 'debezium')).toBe('numeric');
    expect(sqlTypeFor({ kind: 'array', items: dec(10, 2), itemsOptional: true }, 'debezium')).toBe('numeric(10,2)[]');
    const cols = desiredColumns(rules({ pkMode: 'record_value', pkFields: ['id'] }), {
      id: 'avro:3', fields: [{ name: 'id', type: { kind: 'int64' }, optional: false }, { name: 'amount', type: dec(12, 2), optional: false }],
    }, undefined);
    expect(createTableSql('"t"', cols)).toBe('CREATE TABLE IF NOT EXISTS "t" ("id" bigint NOT NULL, "amount" numeric NOT NULL, PRIMARY KEY ("id"))');
    expect(createTableSql('"t"', cols, { dialect: 'debezium' })).toBe('CREATE TABLE IF NOT EXISTS "t" ("id" bigint NOT NULL, "amount" numeric(12,2) NOT NULL, PRIMARY KEY ("id"))');
    const added = planEvolution([catalogCol('id', OID.int8, 'bigint', { pk: true, notNull: true })], [{ name: 'amount', type: dec(12, 2), optional: true }], { schemaless: false });
    expect(added.add).toEqual([{ name: 'amount', sqlType: 'numeric' }]);
    expect(planEvolution([catalogCol('id', OID.int8, 'bigint', { pk: true, notNull: true })], [{ name: 'amount', type: dec(12, 2), optional: true }], { schemaless: false, dialect: 'debezium' }).add)
      .toEqual([{ name: 'amount', sqlType: 'numeric(12,2)' }]);
  });

  it('type mapping', () => {
    // An instant (Connect Timestamp) is `timestamp`, as both Connect JDBC sinks declare it; only Debezium's ZonedTimestamp is timestamptz.
    expect(sqlTypeFor({ kind: 'timestamp-micros' })).toBe('timestamp');
    expect(sqlTypeFor({ kind: 'timestamp-millis', local: true })).toBe('timestamp');
    expect(sqlTypeFor({ kind: 'zoned-timestamp' })).toBe('timestamptz');
    expect(sqlTypeFor({ kind: 'time-millis' })).toBe('time');
    expect(sqlTypeFor({ kind: 'enum', symbols: ['A'] })).toBe('text');
    expect(sqlTypeFor({ kind: 'array', items: { kind: 'record', fields: [] }, itemsOptional: false })).toBe('jsonb');
    expect(sqlTypeFor({ kind: 'array', items: { kind: 'array', items: { kind: 'int32' }, itemsOptional: false }, itemsOptional: false })).toBe('jsonb');
    expect(sqlTypeFor({ kind: 'map', values: { kind: 'string' } })).toBe('jsonb');
    expect(sqlTypeFor({ kind: 'fixed', size: 16 })).toBe('bytea');
  });
});

describe('auto.evolve', () => {
  it('safe widenings only', () => {
    const int4 = { typeOid: OID.int4, elemOid: 0, typmod: -1 };
    expect(fitColumn(int4, { kind: 'int32' })).toEqual({ kind: 'ok' });
    expect(fitColumn(int4, { kind: 'int64' })).toEqual({ kind: 'widen', to: 'bigint' });
    expect(fitColumn({ typeOid: OID.float4, elemOid: 0, typmod: -1 }, { kind: 'float64' })).toEqual({ kind: 'widen', to: 'double precision' });
    // A numeric(8,2) column (an older Sluice made Decimals so) that a decimal(12,3) outgrows: Confluent's class makes it
    // what it declares a Decimal as, unconstrained (no table rewrite); Debezium's the smallest that holds both.
    const num82 = { typeOid: OID.numeric, elemOid: 0, typmod: ((8 << 16) | 2) + 4 };
    expect(fitColumn(num82, { kind: 'decimal', precision: 12, scale: 3 })).toEqual({ kind: 'widen', to: 'numeric' });
    expect(fitColumn(num82, { kind: 'decimal', precision: 12, scale: 3 }, false, 'debezium')).toEqual({ kind: 'widen', to: 'numeric(12,3)' });
    // One it holds stays as it is, whichever the class.
    expect(fitColumn(num82, { kind: 'decimal', precision: 7, scale: 2 })).toEqual({ kind: 'ok' });
    expect(fitColumn(num82, { kind: 'decimal', precision: 7, scale: 2 }, false, 'debezium')).toEqual({ kind: 'ok' });
    // numeric(38,-1), what Debezium's sink makes of a Decimal without precision or scale on PostgreSQL 15: it would round to tens.
    const num38m1 = { typeOid: OID.numeric, elemOid: 0, typmod: ((38 << 16) | (-1 & 0x7ff)) + 4 };
    expect(fitColumn(num38m1, { kind: 'decimal', precision: 38, scale: 0 }, false, 'debezium')).toEqual({ kind: 'widen', to: 'numeric(39,0)' });
    expect(fitColumn(num38m1, { kind: 'int64' })).toEqual({ kind: 'widen', to: 'numeric(39,0)' });
    expect(fitColumn({ typeOid: OID.int8, elemOid: 0, typmod: -1 }, { kind: 'int32' })).toEqual({ kind: 'ok' });
    // narrowing or a change of kind
    expect(fitColumn(int4, { kind: 'float64' })).toEqual({ kind: 'incompatible' });
    expect(fitColumn(int4, { kind: 'string' })).toEqual({ kind: 'incompatible' });
    expect(fitColumn({ typeOid: OID.date, elemOid: 0, typmod: -1 }, { kind: 'timestamp-millis' })).toEqual({ kind: 'incompatible' });
    // schemaless numbers are JSON numbers: an integer column widens to double
    expect(fitColumn({ typeOid: OID.int8, elemOid: 0, typmod: -1 }, { kind: 'float64' }, true)).toEqual({ kind: 'widen', to: 'double precision' });
    // lenient pairs stay as they are
    expect(fitColumn({ typeOid: OID.timestamptz, elemOid: 0, typmod: -1 }, { kind: 'string' })).toEqual({ kind: 'ok' });
    expect(fitColumn({ typeOid: OID.jsonb, elemOid: 0, typmod: -1 }, { kind: 'record', fields: [] })).toEqual({ kind: 'ok' });
  });

  it('adds nullable columns, widens, drops NOT NULL, and never drops or narrows', () => {
    const cols = [
      catalogCol('id', OID.int8, 'bigint', { notNull: true, pk: true }),
      catalogCol('qty', OID.int4, 'integer', { notNull: true }),
      catalogCol('old', OID.text, 'text', { notNull: true }),
    ];
    const ev = planEvolution(cols, [
      { name: 'id', type: { kind: 'int64' }, optional: false },
      { name: 'qty', type: { kind: 'int64' }, optional: true },
      { name: 'colour', type: { kind: 'string' }, optional: false },
      { name: 'size', type: { kind: 'int32' }, optional: false, default: 42 },
    ], { schemaless: false, absent: ['old'] });
    expect(ev).toEqual({ add: [{ name: 'colour', sqlType: 'text' }, { name: 'size', sqlType: 'integer', default: '42' }], widen: [{ name: 'qty', from: 'integer', to: 'bigint' }], dropNotNull: ['qty', 'old'], incompatible: [] });
    expect(alterTableSql('"t"', ev)).toBe('ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "colour" text, ADD COLUMN IF NOT EXISTS "size" integer DEFAULT 42, ALTER COLUMN "qty" TYPE bigint, ALTER COLUMN "qty" DROP NOT NULL, ALTER COLUMN "old" DROP NOT NULL');
    const bad = planEvolution(cols, [{ name: 'qty', type: { kind: 'string' }, optional: false }], { schemaless: false });
    expect(bad.incompatible).toEqual(['column "qty" is integer but field "qty" is string']);
  });
});

describe('schemaless inference', () => {
  it('merges safely across records', () => {
    const inf = new TableSchemaInferrer();
    inf.add({ a: 1, b: 'x', c: null, d: [1, 2], e: { z: 1 } });
    inf.add({ a: 2.5, b: 3, d: [1.5], f: true, g: [] });
    expect(inf.schema().fields!.map((f) => [f.name, f.type.kind === 'array' ? `array<${f.type.items.kind}>` : f.type.kind])).toEqual([
      ['a', 'float64'], ['b', 'string'], ['d', 'array<float64>'], ['e', 'map'], ['f', 'boolean'],
    ]);
    expect(mergeColumnTypes({ kind: 'map', values: { kind: 'any' } }, { kind: 'int64' })).toEqual({ kind: 'any' });
  });
});
