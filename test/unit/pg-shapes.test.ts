// Values and keys of the wrong shape for a table row: each is a convert error
// naming what it got, never a row of NULLs.
import { describe, expect, it } from 'vitest';
import { ConvertError, type RecordContext } from '../../src/workers/encoder.js';
import { PgEncoder, readOutputHeader, type PgColumn, type PgPlan } from '../../src/sinks/postgres/encoding.js';
import { OID } from '../../src/sinks/postgres/types.js';
import { createDecoder } from '../../src/workers/decode/decoders.js';
import { SCHEMALESS, type RecordSchema } from '../../src/workers/schema.js';

const col = (name: string, from: 'value' | 'key' = 'value', pk = false): PgColumn => ({
  name, typeOid: OID.text, typeName: 'text', elemOid: 0, typmod: -1, sqlType: 'text', notNull: pk, pk, source: { from, field: name },
});
const plan = (columns: PgColumn[], pkMode: 'none' | 'record_key' = 'none'): PgPlan => ({
  id: 1, table: '"t"', staged: false, deletes: false, textNul: 'escape', autoEvolve: false, missingTable: false,
  rules: { pkMode, pkFields: [], exclude: [] } as never, columns,
});
const ctx = (offset: number, key: unknown = null): RecordContext => ({ topic: 't', partition: 0, offset, timestamp: 0, key, keyBytes: null, headers: () => [] });

/** Adds each value; returns the ConvertError messages (or 'row') in order, and the rows written. */
function run(p: PgPlan, records: { value: unknown; schema: RecordSchema; key?: unknown; keySchema?: RecordSchema }[]) {
  const enc = new PgEncoder();
  enc.begin(p, 't', 0);
  const outcome = records.map((r, i) => {
    try {
      enc.add({ value: r.value, schema: r.schema }, r.keySchema ? { value: r.key, schema: r.keySchema } : undefined, ctx(i, r.key ?? null));
      return 'row';
    } catch (err) {
      if (!(err instanceof ConvertError)) throw err;
      enc.discardCurrent();
      return err.message;
    }
  });
  const out = enc.finish();
  return { outcome, rows: out.output ? readOutputHeader(out.output).rows : 0 };
}

const json = createDecoder('json', {});
const connect = createDecoder('connect-json', {});
const msgpack = createDecoder('msgpack', {});

describe('a value that is not an object, into a table', () => {
  it('schemaless JSON arrays and scalars are convert errors, objects land', () => {
    const values = ['{"a":"x"}', '[5,"bad",5]', '"just a string"', '42', 'true'].map((t) => json.decode(Buffer.from(t)));
    const { outcome, rows } = run(plan([col('a')]), values);
    expect(outcome).toEqual([
      'row',
      'the record value is an array ([5,"bad",5]), not an object: a table row needs an object (a struct) value',
      'the record value is the string "just a string", not an object: a table row needs an object (a struct) value',
      'the record value is the number 42, not an object: a table row needs an object (a struct) value',
      'the record value is the boolean true, not an object: a table row needs an object (a struct) value',
    ]);
    expect(rows).toBe(1);
  });

  it('a Connect envelope whose struct schema has a payload that is not a struct; msgpack arrays and scalars', () => {
    const schema = { type: 'struct', fields: [{ field: 'a', type: 'string', optional: true }] };
    const env = (payload: unknown) => connect.decode(Buffer.from(JSON.stringify({ schema, payload })));
    const schemaless = (payload: unknown) => connect.decode(Buffer.from(JSON.stringify({ schema: null, payload })));
    const { outcome } = run(plan([col('a')]), [env({ a: 'x' }), env([1]), env('s'), schemaless(7), msgpack.decode(Buffer.from([0x93, 1, 2, 3])), msgpack.decode(Buffer.from([0x2a]))]);
    expect(outcome).toEqual([
      'row',
      'the record value is an array ([1]), not an object: a table row needs an object (a struct) value',
      'the record value is the string "s", not an object: a table row needs an object (a struct) value',
      'the record value is the number 7, not an object: a table row needs an object (a struct) value',
      'the record value is an array ([1,2,3]), not an object: a table row needs an object (a struct) value',
      'the record value is the number 42, not an object: a table row needs an object (a struct) value',
    ]);
  });

  it('a primitive schema (StringConverter, a Connect primitive) still lands in the column "value"', () => {
    const str = createDecoder('string', {}).decode(Buffer.from('hello'));
    const prim = connect.decode(Buffer.from(JSON.stringify({ schema: { type: 'string' }, payload: 'hi' })));
    expect(run(plan([col('value')]), [str, prim]).outcome).toEqual(['row', 'row']);
  });
});

describe('keys of the wrong shape for pk.mode=record_key', () => {
  const keyed = plan([col('a', 'key', true), col('b', 'key', true), col('v')], 'record_key');
  const value = { value: { v: 'x' }, schema: SCHEMALESS };

  it('several key columns need a struct key with those fields', () => {
    const { outcome, rows } = run(keyed, [
      { ...value, key: { a: '1', b: '2' }, keySchema: SCHEMALESS },
      { ...value, key: 'k', keySchema: SCHEMALESS },
      { ...value, key: [1, 2], keySchema: SCHEMALESS },
      { ...value, key: { a: '1' }, keySchema: SCHEMALESS },
      { ...value },
    ]);
    expect(outcome).toEqual([
      'row',
      'the record key is the string "k", not an object: pk.fields names several key columns, so the key must be a struct (object) with those fields',
      'the record key is an array ([1,2]): pk.mode=record_key needs a struct (object) key, or a primitive for one key column',
      'the record key has no field "b" (a key column, pk.mode=record_key)',
      'the record has no key, and key column "a" (pk.mode=record_key) comes from it',
    ]);
    expect(rows).toBe(1);
  });

  it('a key whose schema is a struct must be one; one key column takes a primitive schemaless key whole', () => {
    const structKey: RecordSchema = { id: 'connect:k', fields: [{ name: 'a', type: { kind: 'string' }, optional: false }] };
    const one = plan([col('a', 'key', true), col('v')], 'record_key');
    const { outcome } = run(one, [
      { ...value, key: { a: '1' }, keySchema: structKey },
      { ...value, key: 'k', keySchema: structKey },
      { ...value, key: 'k', keySchema: SCHEMALESS },
    ]);
    expect(outcome).toEqual(['row', 'the record key is the string "k", not the struct its schema describes (key column "a")', 'row']);
  });
});
