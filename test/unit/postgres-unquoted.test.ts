import { describe, expect, it } from 'vitest';
import { desiredColumns } from '../../src/sinks/postgres/columns.js';
import { createTableSql } from '../../src/sinks/postgres/ddl.js';
import { FoldedRecords, foldIdentifier } from '../../src/sinks/postgres/unquoted.js';
import { destinationTable } from '../../src/sinks/postgres/table-names.js';
import { fieldRules } from '../../src/sinks/postgres/unquoted-config.js';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';
import { SCHEMALESS, type RecordSchema } from '../../src/workers/schema.js';

const base = {
  'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
  topics: 'Orders',
  'bootstrap.servers': '127.0.0.1:9092',
  'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
};

function problems(config: Record<string, string>): string[] {
  try {
    loadConfig({ json: { name: 'x', config: { ...base, ...config } }, env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('quote.sql.identifiers config', () => {
  it("takes Confluent's ALWAYS and NEVER in any case, ALWAYS by default, and refuses anything else", () => {
    const opts = (v?: string) => loadConfig({ json: { name: 'x', config: { ...base, ...(v === undefined ? {} : { 'quote.sql.identifiers': v }) } }, env: {} }).options['quote.sql.identifiers'];
    expect(opts()).toBe('always');
    expect(opts('ALWAYS')).toBe('always');
    expect(opts('NEVER')).toBe('never');
    expect(opts('never')).toBe('never');
    expect(opts('Never')).toBe('never');
    expect(problems({ 'quote.sql.identifiers': 'true' })[0]).toBe('quote.sql.identifiers: expected one of always | never, got "true"');
  });

  it('is no longer a key accepted with a notice', () => {
    const c = loadConfig({ json: { name: 'x', config: { ...base, 'quote.sql.identifiers': 'NEVER' } }, env: {} });
    expect(c.notices.join('\n')).not.toMatch(/quote\.sql\.identifiers/);
  });

  it('NEVER: pk.fields, fields.whitelist and the listed topics\' tables must be names PostgreSQL reads unquoted', () => {
    expect(problems({ 'quote.sql.identifiers': 'NEVER', 'pk.mode': 'record_value', 'pk.fields': 'Id,first name', 'insert.mode': 'upsert' })).toEqual([
      expect.stringMatching(/^pk\.fields: field "first name" cannot be written unquoted \(quote\.sql\.identifiers=NEVER\)/),
    ]);
    expect(problems({ 'quote.sql.identifiers': 'never', 'fields.whitelist': 'a,order' })[0]).toMatch(/fields\.whitelist: field "order" .*"order" is a reserved word/);
    expect(problems({ 'quote.sql.identifiers': 'never', topics: 'ok,9lives' })[0]).toMatch(/table\.name\.format: topic "9lives": table "9lives" cannot be written unquoted/);
    // A dotted topic is schema.table, as Connect splits it (postgres-unquoted-table.test.ts); each part is checked.
    expect(problems({ 'quote.sql.identifiers': 'never', topics: 'orders.v1' })).toEqual([]);
    expect(problems({ 'quote.sql.identifiers': 'never', topics: 'orders.1v' })[0]).toMatch(/topic "orders\.1v": table "1v"/);
    expect(problems({ 'quote.sql.identifiers': 'never', topics: 'orders.v1', 'table.name.format': 'Sales.Orders_v1' })).toEqual([]);
    expect(problems({ 'quote.sql.identifiers': 'always', topics: '9lives', 'pk.mode': 'record_value', 'pk.fields': 'first name', 'insert.mode': 'upsert' })).toEqual([]);
  });
});

describe('PostgreSQL folding of unquoted names', () => {
  it('lower-cases ASCII letters only, as downcase_identifier does with UTF-8', () => {
    expect(foldIdentifier('FirstName', 'column')).toBe('firstname');
    expect(foldIdentifier('ÉTÉ_X', 'column')).toBe('ÉtÉ_x');
    expect(foldIdentifier('_a$1', 'column')).toBe('_a$1');
    expect(foldIdentifier('Time', 'column')).toBe('time'); // a column-name keyword is a name
    expect(destinationTable({ format: 'Sales.${topic}', debezium: false, database: 'db', fold: true }, 'MyTopic')).toEqual({ schema: 'sales', table: 'mytopic' });
  });

  it.each(['first name', '1st', '$x', 'a-b', 'a.b', '', 'ORDER', 'User', 'left', 'select', 'a"b'])('refuses %j, naming quote.sql.identifiers', (n) => {
    expect(() => foldIdentifier(n, 'column')).toThrow(new RegExp(`column ${JSON.stringify(JSON.stringify(n)).slice(1, -1).replace(/[.$]/g, '\\$&')} cannot be written unquoted \\(quote\\.sql\\.identifiers=NEVER\\)`));
  });

  it('folds pk.fields, fields.whitelist and field.exclude.list; record_header names headers and keeps them', () => {
    const cfg = { 'pk.mode': 'record_value', 'pk.fields': ['Id'], 'fields.whitelist': ['Id', 'Name'], 'field.exclude.list': ['Secret'], 'quote.sql.identifiers': 'never' } as const;
    expect(fieldRules(cfg as never)).toEqual({ pkMode: 'record_value', pkFields: ['id'], include: ['id', 'name'], exclude: ['secret'] });
    expect(fieldRules({ ...cfg, 'quote.sql.identifiers': 'always' } as never)).toEqual({ pkMode: 'record_value', pkFields: ['Id'], include: ['Id', 'Name'], exclude: ['Secret'] });
    expect(fieldRules({ ...cfg, 'pk.mode': 'record_header', 'pk.fields': ['X-Tenant'] } as never).pkFields).toEqual(['X-Tenant']);
  });
});

describe('FoldedRecords', () => {
  const schema: RecordSchema = {
    id: 'connect:1',
    fields: [
      { name: 'Id', type: { kind: 'int64' }, optional: false },
      { name: 'FirstName', type: { kind: 'string' }, optional: true, default: 'x' },
      { name: 'Nested', type: { kind: 'record', fields: [{ name: 'Inner', type: { kind: 'string' }, optional: false }] }, optional: true },
    ],
  };

  it('folds a schema once, keeps types, defaults and nested names, and renames the value', () => {
    const f = new FoldedRecords();
    const a = f.decoded({ value: { Id: 1, FirstName: 'Ann', Nested: { Inner: 'x' } }, schema }, 'value');
    expect(a.value).toEqual({ id: 1, firstname: 'Ann', nested: { Inner: 'x' } });
    expect(a.schema.fields).toEqual([
      { name: 'id', type: { kind: 'int64' }, optional: false },
      { name: 'firstname', type: { kind: 'string' }, optional: true, default: 'x' },
      { name: 'nested', type: schema.fields![2]!.type, optional: true },
    ]);
    expect(a.schema.id).not.toBe(schema.id);
    const b = f.decoded({ value: { Id: 2 }, schema }, 'value');
    expect(b.schema).toBe(a.schema);
    expect(b.value).toEqual({ id: 2 });
  });

  it('leaves lower-case schemas, primitives and null values as they are', () => {
    const f = new FoldedRecords();
    const lower: RecordSchema = { id: 'l', fields: [{ name: 'id', type: { kind: 'int32' }, optional: false }] };
    const d = { value: { id: 1 }, schema: lower };
    expect(f.decoded(d, 'value')).toEqual(d);
    expect(f.decoded(d, 'value').schema).toBe(lower);
    const prim = { value: 5, schema: { id: 'primitive:int64', scalar: true, fields: [{ name: 'value', type: { kind: 'int64' as const }, optional: true }] } };
    expect(f.decoded(prim, 'key')).toBe(prim);
  });

  it('folds schemaless objects per record, and refuses two fields that fold to one column', () => {
    const f = new FoldedRecords();
    expect(f.decoded({ value: { Id: 1, Tags: ['A'] }, schema: SCHEMALESS }, 'value').value).toEqual({ id: 1, tags: ['A'] });
    expect(() => f.decoded({ value: { Id: 1, ID: 2 }, schema: SCHEMALESS }, 'value')).toThrow(/value fields "Id" and "ID" are both the column "id"/);
    const clash: RecordSchema = { id: 'c', fields: [{ name: 'Name', type: { kind: 'string' }, optional: true }, { name: 'name', type: { kind: 'string' }, optional: true }] };
    expect(() => f.decoded({ value: { Name: 'a', name: 'b' }, schema: clash }, 'value')).toThrow(/"Name" and "name" are both the column "name"/);
    expect(() => f.decoded({ value: { Name: 'a', name: 'b' }, schema: clash }, 'value')).toThrow(/quote\.sql\.identifiers/);
  });

  it('refuses a record field PostgreSQL could not read unquoted, naming the key or value', () => {
    const f = new FoldedRecords();
    const bad: RecordSchema = { id: 'b', fields: [{ name: 'First Name', type: { kind: 'string' }, optional: true }] };
    expect(() => f.decoded({ value: { 'First Name': 'x' }, schema: bad }, 'value')).toThrow(/^value field "First Name" cannot be written unquoted \(quote\.sql\.identifiers=NEVER\)/);
    expect(() => f.decoded({ value: { Order: 1 }, schema: SCHEMALESS }, 'key')).toThrow(/^key field "Order" .*reserved word/);
  });

  it('auto.create DDL of folded records names lower-case columns and key', () => {
    const f = new FoldedRecords();
    const key: RecordSchema = { id: 'k', fields: [{ name: 'Id', type: { kind: 'int64' }, optional: false }] };
    const v = f.decoded({ value: {}, schema }, 'value').schema;
    const k = f.decoded({ value: { Id: 1 }, schema: key }, 'key').schema;
    const cols = desiredColumns(fieldRules({ 'pk.mode': 'record_key', 'pk.fields': ['ID'], 'quote.sql.identifiers': 'never' } as never), v, k);
    const table = destinationTable({ format: '${topic}', debezium: false, database: 'db', fold: true }, 'MyOrders');
    const sql = createTableSql(`"${table.table}"`, cols);
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "myorders" (');
    expect(sql).toMatch(/"id" bigint NOT NULL/);
    expect(sql).toContain('"firstname" text');
    expect(sql).toContain('PRIMARY KEY ("id")');
    expect(sql).not.toMatch(/[A-Z]\w*"/);
  });
});
