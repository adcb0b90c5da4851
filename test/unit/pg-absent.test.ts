// Fields absent from a record's schema (src/sinks/postgres/absent.ts): the
// worker marks runs of tuples lacking the same columns, the writer cuts them
// into pieces and each piece's statements name only its columns.
import { describe, expect, it } from 'vitest';
import { PgEncoder } from '../../src/sinks/postgres/encoding.js';
import { appendPieces, presentColumns, splitRuns } from '../../src/sinks/postgres/absent.js';
import { outputAbsentRuns, outputTuples, readOutputHeader, type PgColumn, type PgPlan } from '../../src/sinks/postgres/protocol.js';
import { tupleStarts } from '../../src/sinks/postgres/rejects.js';
import { applyStatements } from '../../src/sinks/postgres/staging.js';
import { alterTableSql, planEvolution } from '../../src/sinks/postgres/ddl.js';
import { OID } from '../../src/sinks/postgres/types.js';
import type { CatalogColumn } from '../../src/sinks/postgres/service.js';
import type { RecordSchema } from '../../src/workers/schema.js';

const col = (name: string, extra: Partial<PgColumn> = {}): PgColumn => ({
  name, typeOid: OID.int8, typeName: 'int8', elemOid: 0, typmod: -1, sqlType: 'bigint', notNull: false, pk: false,
  source: { from: 'value', field: name }, ...extra,
});

function plan(staged: boolean): PgPlan {
  return {
    id: 7, table: '"t"', staged, deletes: staged, textNul: 'escape', autoEvolve: false, missingTable: false,
    rules: { pkMode: 'record_key', pkFields: ['id'], exclude: [] },
    columns: [col('id', { pk: true, notNull: true, source: { from: 'key', field: 'id' } }), col('a'), col('b', { notNull: true, hasDefault: true }), col('c', { notNull: true })],
  };
}

const int64 = { kind: 'int64' } as const;
const schema = (id: string, names: string[]): RecordSchema => ({ id, fields: names.map((name) => ({ name, type: int64, optional: true })) });
const KEY: RecordSchema = schema('connect:key', ['id']);
const ctx = (offset: number, id: number) => ({ topic: 't', partition: 0, offset, timestamp: 0, key: { id }, keyBytes: null, headers: () => [] });

function encode(p: PgPlan, records: ({ value: Record<string, unknown> | null; schema?: RecordSchema })[]) {
  const enc = new PgEncoder();
  enc.begin(p as never, 't', 0);
  records.forEach((r, i) => {
    const c = ctx(100 + i, i);
    if (r.value === null) enc.tombstone({ value: { id: i }, schema: KEY }, c);
    else enc.add({ value: r.value, schema: r.schema! }, { value: { id: i }, schema: KEY }, c);
  });
  const out = enc.finish();
  const header = readOutputHeader(out.output!);
  return { output: out.output!, header, runs: outputAbsentRuns(out.output!, header) };
}

describe('absent fields: what the worker marks', () => {
  const full = schema('connect:full', ['id', 'a', 'b', 'c']);
  const old = schema('connect:old', ['id', 'a']);
  const none = schema('connect:none', ['id']);

  it('no trailer when every record has every column, explicit nulls included (the common case)', () => {
    const r = encode(plan(true), [{ value: { id: 0, a: 1, b: 2, c: 3 }, schema: full }, { value: { id: 1, a: null, b: 5, c: 6 }, schema: full }]);
    expect(r.runs).toBeUndefined();
    expect(r.header.rows).toBe(2);
  });

  it('runs of records lacking the same columns, in order; a NOT NULL column the schema lacks is not refused by the worker', () => {
    const r = encode(plan(true), [
      { value: { id: 0, a: 1, b: 2, c: 3 }, schema: full },
      { value: { id: 1, a: 1 }, schema: old },
      { value: { id: 2, a: 2 }, schema: old },
      { value: null }, // a delete joins the run it is in
      { value: { id: 4 }, schema: none },
      { value: { id: 5, a: null, b: 5, c: 5 }, schema: full },
      { value: { id: 6, a: 6 }, schema: old },
    ]);
    // Plan columns: 0 id, 1 a, 2 b, 3 c.
    expect(r.runs).toEqual({ sets: [[2, 3], [1, 2, 3]], runs: [0, -1, 1, 0, 4, 1, 5, -1, 6, 0] });
    expect(r.header).toMatchObject({ rows: 6, deletes: 1 });
    const tuples = outputTuples(r.output, r.header);
    const pieces = splitRuns(tuples, tupleStarts(tuples, 7), r.runs!);
    expect(pieces.map((p) => [p.tuples, p.absent])).toEqual([[1, undefined], [3, [2, 3]], [1, [1, 2, 3]], [1, undefined], [1, [2, 3]]]);
    expect(Buffer.concat(pieces.flatMap((p) => p.chunks))).toEqual(Buffer.from(tuples));
  });

  it('a field present with a null value is not absent: a NOT NULL column still refuses it in the worker', () => {
    expect(() => encode(plan(true), [{ value: { id: 0, a: 1, b: null, c: 3 }, schema: full }])).toThrow('column "b" is NOT NULL but the record has no value for it');
  });

  it('a first tuple that is a delete starts an "every column" run', () => {
    const r = encode(plan(true), [{ value: null }, { value: { id: 1, a: 1 }, schema: old }]);
    expect(r.runs).toEqual({ sets: [[2, 3]], runs: [0, -1, 1, 0] });
  });

  it('schemaless records keep writing NULL for a missing key (and the NOT NULL check stays)', () => {
    const schemaless: RecordSchema = { id: 'schemaless' };
    const p = plan(true);
    const enc = new PgEncoder();
    enc.begin(p as never, 't', 0);
    enc.add({ value: { id: 0, a: 1, b: 2, c: 3 }, schema: schemaless }, { value: { id: 0 }, schema: KEY }, ctx(1, 0));
    expect(() => enc.add({ value: { id: 1, a: 1, b: 2 }, schema: schemaless }, { value: { id: 1 }, schema: KEY }, ctx(2, 1))).toThrow('column "c" is NOT NULL but the record has no value for it');
    enc.discardCurrent();
    const out = enc.finish();
    expect(outputAbsentRuns(out.output!, readOutputHeader(out.output!))).toBeUndefined();
  });
});

describe('absent fields: pieces and statements', () => {
  it('joins neighbouring pieces lacking the same columns (across batches), keeps the others apart and in order', () => {
    const b = (n: number) => new Uint8Array([n]);
    const out = appendPieces([], [{ chunks: [b(1)], tuples: 1, absent: [2] }, { chunks: [b(2)], tuples: 2, absent: [2] }]);
    appendPieces(out, [
      { chunks: [b(3)], tuples: 1, absent: [2] }, { chunks: [b(4)], tuples: 1, absent: undefined }, { chunks: [b(5)], tuples: 1, absent: [1, 2] },
    ]);
    expect(out.map((p) => [p.chunks.map((c) => c[0]), p.tuples, p.absent])).toEqual([[[1, 2, 3], 4, [2]], [[4], 1, undefined], [[5], 1, [1, 2]]]);
  });

  it('upsert, update and insert name only the columns the records have; the key always', () => {
    const p = plan(true);
    const cols = presentColumns(p.columns, [2, 3]);
    expect(cols.map((c) => c.name)).toEqual(['id', 'a']);
    expect(presentColumns(p.columns, undefined)).toBe(p.columns);
    const base = { target: '"t"', stage: 's', columns: cols, staged: true, hasDeletes: false };
    const [upsert] = applyStatements({ ...base, mode: 'upsert' });
    expect(upsert).toBe('INSERT INTO "t" ("id", "a") SELECT "id", "a" FROM (SELECT DISTINCT ON ("id") * FROM s ORDER BY "id", "__sluice_seq" DESC) s ON CONFLICT ("id") DO UPDATE SET "a" = EXCLUDED."a"');
    expect(applyStatements({ ...base, mode: 'update' })[0]).toContain('SET "a" = l."a" FROM');
    expect(applyStatements({ ...base, mode: 'insert' })[0]).toBe('INSERT INTO "t" ("id", "a") SELECT s."id", s."a" FROM s s WHERE NOT s."__sluice_del"');
    // Only the key left: an upsert keeps the row as it is.
    expect(applyStatements({ ...base, columns: presentColumns(p.columns, [1, 2, 3]), mode: 'upsert' })[0]).toContain('ON CONFLICT ("id") DO NOTHING');
  });
});

describe('auto.evolve of a required field with a default', () => {
  const catalog: CatalogColumn[] = [{ name: 'id', typeOid: OID.int8, typeName: 'int8', elemOid: 0, typmod: -1, sqlType: 'bigint', notNull: true, generated: false, hasDefault: false, pk: true }];
  const wanted = [
    { name: 'b', type: { kind: 'string' } as const, optional: false, default: 'dflt' },
    { name: 'o', type: { kind: 'string' } as const, optional: true, default: 'x' },
    { name: 'r', type: { kind: 'int32' } as const, optional: false },
  ];
  it("Debezium's sink: NOT NULL DEFAULT; Confluent's: DEFAULT, nullable; without a default, nullable either way", () => {
    expect(alterTableSql('"t"', planEvolution(catalog, wanted, { schemaless: false, dialect: 'debezium' })))
      .toBe(`ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "b" text DEFAULT E'dflt' NOT NULL, ADD COLUMN IF NOT EXISTS "o" text DEFAULT E'x', ADD COLUMN IF NOT EXISTS "r" integer`);
    expect(alterTableSql('"t"', planEvolution(catalog, wanted, { schemaless: false })))
      .toBe(`ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "b" text DEFAULT E'dflt', ADD COLUMN IF NOT EXISTS "o" text DEFAULT E'x', ADD COLUMN IF NOT EXISTS "r" integer`);
  });
});

describe('serial / identity BY DEFAULT columns (autoFilled)', () => {
  // Plan columns: 0 id (key), 1 a, 2 n: bigserial NOT NULL, an ordinary column Connect writes a record's value into.
  const serialPlan = (): PgPlan => ({
    ...plan(false), columns: [col('id', { pk: true, notNull: true, source: { from: 'key', field: 'id' } }), col('a'), col('n', { notNull: true, hasDefault: true, autoFilled: true })],
  });
  const SCHEMALESS: RecordSchema = { id: 'schemaless' };

  it('a schemaful record writes its value into it; one whose schema lacks the field leaves it to the sequence', () => {
    const r = encode(serialPlan(), [
      { value: { id: 0, a: 1, n: 41 }, schema: schema('connect:an', ['id', 'a', 'n']) },
      { value: { id: 1, a: 2 }, schema: schema('connect:a', ['id', 'a']) },
    ]);
    expect(r.runs).toEqual({ sets: [[2]], runs: [0, -1, 1, 0] });
  });

  it('schemaless: per record, left to the database when the object has no such key, written when it has', () => {
    const r = encode(serialPlan(), [1, 2, 3].map((a) => ({ value: a === 3 ? { a, n: 9 } : { a }, schema: SCHEMALESS })));
    expect(r.runs).toEqual({ sets: [[2]], runs: [0, 0, 2, -1] });
    expect(r.header.rows).toBe(3);
  });

  it('a plain insert leaves a serial primary key the schema lacks to the sequence; an upsert matches rows on it, so it must be there', () => {
    const pkPlan = (staged: boolean): PgPlan => ({
      ...plan(staged), rules: { pkMode: 'none', pkFields: [], exclude: [] },
      columns: [col('n', { pk: true, notNull: true, hasDefault: true, autoFilled: true }), col('a')],
    });
    const only = schema('connect:a', ['a']);
    expect(encode(pkPlan(false), [{ value: { a: 1 }, schema: only }]).runs).toEqual({ sets: [[0]], runs: [0, 0] });
    expect(() => encode(pkPlan(true), [{ value: { a: 1 }, schema: only }])).toThrow('column "n" is NOT NULL but the record has no value for it');
  });

  it('schemaless: an explicit null is not absent: the NOT NULL column refuses it', () => {
    expect(() => encode(serialPlan(), [{ value: { a: 1, n: null }, schema: SCHEMALESS }])).toThrow('column "n" is NOT NULL but the record has no value for it');
  });
});
