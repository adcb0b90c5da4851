// replace.null.with.default (KIP-1040) on each of Connect's SMTs that has it:
// true (the default) reads a null field with a schema default as the default
// (Struct.get), false keeps it null (Struct.getWithoutDefault); schemaless
// records have no defaults to read.
import { describe, expect, it } from 'vitest';
import { chainOf, problemsOf } from './transform-chains.js';
import type { Header, TRecord } from '../../src/transforms/record.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, SCHEMALESS, type ConnectSchema, type RecordSchema } from '../../src/workers/schema.js';

const T = 'org.apache.kafka.connect.transforms.';
const dec = new TextDecoder();


const one = (type: string, opts: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = { transforms: 'n', 'transforms.n.type': type };
  for (const [k, v] of Object.entries(opts)) out[`transforms.n.${k}`] = v;
  return out;
};

const DAY = 86_400_000;
// id has no default; s, n, t and inner.x have one; plain is optional without one.
const schema: RecordSchema = recordSchemaFromConnect('connect:nd', {
  type: 'struct',
  fields: [
    { field: 'id', type: 'int32' },
    { field: 's', type: 'string', optional: true, default: 'dflt' },
    { field: 'n', type: 'int32', optional: true, default: 7 },
    { field: 't', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', optional: true, default: DAY },
    { field: 'plain', type: 'string', optional: true },
    { field: 'inner', type: 'struct', optional: true, fields: [{ field: 'x', type: 'string', optional: true, default: 'in' }] },
  ] as ConnectSchema[],
});
const nulls = (): Record<string, unknown> => ({ id: 1, s: null, n: null, t: null, plain: null, inner: { x: null } });
const defaulted = { id: 1, s: 'dflt', n: 7, t: DAY, plain: null, inner: { x: null } };

function runValue(type: string, opts: Record<string, string>, value = nulls(), valueSchema: RecordSchema = schema, headers: Header[] = []): TRecord {
  const r: TRecord = {
    topic: 'orders', partition: 0, offset: 5, timestamp: 1000, key: null, keySchema: undefined,
    value, valueSchema, headers: undefined, readHeaders: () => headers,
  };
  expect(chainOf(one(type, opts)).apply(r)).toBe(true);
  return r;
}

/** Runs with the option absent, true and false: [absent, true, false]. */
function each(type: string, opts: Record<string, string>, value?: () => Record<string, unknown>, valueSchema?: RecordSchema): [TRecord, TRecord, TRecord] {
  const v = value ?? nulls;
  return [
    runValue(type, opts, v(), valueSchema),
    runValue(type, { ...opts, 'replace.null.with.default': 'true' }, v(), valueSchema),
    runValue(type, { ...opts, 'replace.null.with.default': 'false' }, v(), valueSchema),
  ];
}

const headerText = (r: TRecord, name: string): string | null | undefined => {
  const h = r.headers!.find((x) => x.name === name);
  return h && (h.value === null ? null : dec.decode(h.value));
};

describe('replace.null.with.default', () => {
  it('Cast: the default is cast (true), null stays null (false)', () => {
    const [absent, on, off] = each(`${T}Cast$Value`, { spec: 'n:string,t:int64' });
    expect(absent.value).toEqual({ ...defaulted, n: '7' });
    expect(on.value).toEqual({ ...defaulted, n: '7' });
    expect(off.value).toEqual(nulls());
  });

  it('ExtractField: the last step follows the option, with V1 and V2 paths', () => {
    const [absent, on, off] = each(`${T}ExtractField$Value`, { field: 's' });
    expect([absent.value, on.value, off.value]).toEqual(['dflt', 'dflt', null]);
    const nested = each(`${T}ExtractField$Value`, { field: 'inner.x', 'field.syntax.version': 'V2' });
    expect(nested.map((r) => r.value)).toEqual(['in', 'in', null]);
    const noDefault = each(`${T}ExtractField$Value`, { field: 'plain' });
    expect(noDefault.map((r) => r.value)).toEqual([null, null, null]);
  });

  it('HeaderFrom: the header gets the default; a move rebuilds the value with defaults, a copy leaves it', () => {
    const copy = each(`${T}HeaderFrom$Value`, { fields: 's,plain', headers: 'hs,hp', operation: 'copy' });
    expect(copy.map((r) => [headerText(r, 'hs'), headerText(r, 'hp')])).toEqual([['dflt', null], ['dflt', null], [null, null]]);
    expect(copy.map((r) => r.value)).toEqual([nulls(), nulls(), nulls()]);
    const move = each(`${T}HeaderFrom$Value`, { fields: 'id,n', headers: 'hi,hn', operation: 'move' });
    expect(move.map((r) => headerText(r, 'hn'))).toEqual(['7', '7', null]);
    const { id: _id, n: _n, ...restOn } = defaulted;
    const { id: _i2, n: _n2, ...restOff } = nulls();
    expect(move.map((r) => r.value)).toEqual([restOn, restOn, restOff]);
  });

  it('InsertField: the copied fields take their defaults', () => {
    const [absent, on, off] = each(`${T}InsertField$Value`, { 'topic.field': 'tp' });
    expect(absent.value).toEqual({ ...defaulted, tp: 'orders' });
    expect(on.value).toEqual({ ...defaulted, tp: 'orders' });
    expect(off.value).toEqual({ ...nulls(), tp: 'orders' });
  });

  it('MaskField: a masked field\'s default is masked, the others take theirs', () => {
    const [absent, on, off] = each(`${T}MaskField$Value`, { fields: 's,plain' });
    expect(absent.value).toEqual({ ...defaulted, s: '' });
    expect(on.value).toEqual({ ...defaulted, s: '' });
    expect(off.value).toEqual(nulls());
    expect(runValue(`${T}MaskField$Value`, { fields: 'n', replacement: '99' }).value).toEqual({ ...defaulted, n: 99 });
  });

  it('ReplaceField: the kept fields take their defaults', () => {
    const [absent, on, off] = each(`${T}ReplaceField$Value`, { exclude: 'id', renames: 's:s2' });
    const { id: _id, s: _s, ...rest } = defaulted;
    expect(absent.value).toEqual({ ...rest, s2: 'dflt' });
    expect(on.value).toEqual({ ...rest, s2: 'dflt' });
    const { id: _i2, s: _s2, ...restOff } = nulls();
    expect(off.value).toEqual({ ...restOff, s2: null });
  });

  it('SetSchemaMetadata: accepted and checked, the value passes unchanged as in Connect', () => {
    const all = each(`${T}SetSchemaMetadata$Value`, { 'schema.name': 'renamed' });
    expect(all.map((r) => r.value)).toEqual([nulls(), nulls(), nulls()]);
    expect(all.map((r) => r.valueSchema!.name)).toEqual(['renamed', 'renamed', 'renamed']);
  });

  it('TimestampConverter: the converted field\'s default is converted, the others take theirs', () => {
    const [absent, on, off] = each(`${T}TimestampConverter$Value`, { field: 't', 'target.type': 'string', format: 'yyyy-MM-dd' });
    expect(absent.value).toEqual({ ...defaulted, t: '1970-01-02' });
    expect(on.value).toEqual({ ...defaulted, t: '1970-01-02' });
    expect(off.value).toEqual(nulls());
  });

  it('ValueToKey: the key gets the default; the value is unchanged', () => {
    const [absent, on, off] = each(`${T}ValueToKey`, { fields: 's,id,plain' });
    expect([absent.key, on.key, off.key]).toEqual([{ s: 'dflt', id: 1, plain: null }, { s: 'dflt', id: 1, plain: null }, { s: null, id: 1, plain: null }]);
    expect(on.value).toEqual(nulls());
  });

  it('leaves schemaless records as they are (no schema, no default)', () => {
    const v = (): Record<string, unknown> => ({ id: 1, s: null, n: null, t: null });
    const cases: [string, Record<string, string>, (r: TRecord) => unknown][] = [
      [`${T}Cast$Value`, { spec: 'n:string' }, (r) => r.value],
      [`${T}ExtractField$Value`, { field: 's' }, (r) => r.value],
      [`${T}HeaderFrom$Value`, { fields: 's', headers: 'h', operation: 'move' }, (r) => [r.value, headerText(r, 'h')]],
      [`${T}InsertField$Value`, { 'topic.field': 'tp' }, (r) => r.value],
      [`${T}MaskField$Value`, { fields: 's' }, (r) => r.value],
      [`${T}ReplaceField$Value`, { exclude: 'id' }, (r) => r.value],
      [`${T}TimestampConverter$Value`, { field: 't', 'target.type': 'unix' }, (r) => r.value],
      [`${T}ValueToKey`, { fields: 's' }, (r) => r.key],
    ];
    for (const [type, opts, pick] of cases) {
      const [absent, on, off] = each(type, opts, v, SCHEMALESS);
      expect(pick(absent), type).toEqual(pick(off));
      expect(pick(on), type).toEqual(pick(off));
    }
    expect(runValue(`${T}Cast$Value`, { spec: 'n:string' }, v(), SCHEMALESS).value).toEqual({ id: 1, s: null, n: null, t: null });
    expect(runValue(`${T}ValueToKey`, { fields: 's' }, v(), SCHEMALESS).key).toEqual({ s: null });
  });

  it('rejects a value other than true or false, naming the transform and the key', () => {
    const cases: [string, Record<string, string>][] = [
      [`${T}Cast$Value`, { spec: 'n:string' }],
      [`${T}Cast$Key`, { spec: 'n:string' }],
      [`${T}ExtractField$Value`, { field: 's' }],
      [`${T}HeaderFrom$Value`, { fields: 's', headers: 'h', operation: 'copy' }],
      [`${T}InsertField$Value`, { 'topic.field': 'tp' }],
      [`${T}MaskField$Value`, { fields: 's' }],
      [`${T}ReplaceField$Value`, { exclude: 'id' }],
      [`${T}SetSchemaMetadata$Value`, { 'schema.name': 'x' }],
      [`${T}TimestampConverter$Value`, { field: 't', 'target.type': 'unix' }],
      [`${T}ValueToKey`, { fields: 's' }],
    ];
    for (const [type, opts] of cases) {
      expect(problemsOf(one(type, { ...opts, 'replace.null.with.default': 'yes' })), type).toEqual(['transforms.n.replace.null.with.default: expected true or false, got "yes"']);
      expect(problemsOf(one(type, { ...opts, 'replace.null.with.default': ' FALSE ' })), type).toEqual([]);
    }
  });

  const CASES: [string, Record<string, string>][] = [
    [`${T}InsertField$Value`, { 'static.field': 'src', 'static.value': 'x' }], [`${T}ReplaceField$Value`, { exclude: 'none' }],
    [`${T}Cast$Value`, { spec: 'id:int64' }], [`${T}ValueToKey`, { fields: 'b' }],
  ];
  const rec = (value: Record<string, unknown>, valueSchema: RecordSchema): TRecord => ({
    topic: 'orders', partition: 0, offset: 5, timestamp: 1000, key: null, keySchema: undefined, value, valueSchema, headers: undefined, readHeaders: () => [],
  });

  it('Connect JSON bytes and Decimal defaults are applied as the payload carries such values (base64, as JsonConverter reads them)', () => {
    const withBytes = recordSchemaFromConnect('connect:nd-bytes', {
      type: 'struct',
      fields: [
        { field: 'id', type: 'int32' },
        { field: 'b', type: 'bytes', optional: true, default: 'AQI=' },
        { field: 'd', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' }, optional: true, default: 'AQI=' },
      ] as ConnectSchema[],
    });
    for (const [type, opts] of CASES) {
      const r = rec({ id: 1, b: null, d: null }, withBytes);
      expect(chainOf(one(type, opts)).apply(r), type).toBe(true);
      const out = (type.endsWith('ValueToKey') ? r.key : r.value) as Record<string, unknown>;
      expect(out.b, type).toBe('AQI=');
      if (!type.endsWith('ValueToKey')) expect(out.d, type).toBe('AQI=');
    }
  });

  it('Avro bytes, fixed, decimal, record and array defaults are applied as the Avro decoder gives such values (AvroData.defaultValueFromAvro)', () => {
    const avro = recordSchemaFromAvro('avro:nd', {
      type: 'record', name: 'R', fields: [
        { name: 'id', type: 'int' },
        { name: 'b', type: ['bytes', 'null'], default: '\u0001\u00ff' },
        { name: 'f', type: [{ type: 'fixed', name: 'F2', size: 2 }, 'null'], default: '\u0000A' },
        { name: 'd', type: [{ type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 }, 'null'], default: '\u00ff\u0085' },
        { name: 'r', type: [{ type: 'record', name: 'In', fields: [{ name: 'x', type: 'long' }, { name: 'y', type: ['null', 'string'] }] }, 'null'], default: { x: 5, y: 'ignored' } },
        { name: 'a', type: [{ type: 'array', items: 'float' }, 'null'], default: [0.1] },
      ],
    });
    const r = rec({ id: 1, b: null, f: null, d: null, r: null, a: null }, avro);
    expect(chainOf(one(`${T}InsertField$Value`, { 'static.field': 'src', 'static.value': 'x' })).apply(r)).toBe(true);
    expect(r.value).toEqual({
      // AvroData: a union member default is for the first branch; a record's union field with a first branch null reads null.
      id: 1, b: Buffer.from([1, 255]), f: Buffer.from([0, 65]), d: Buffer.from([0xff, 0x85]), r: { x: 5, y: null }, a: [Math.fround(0.1)], src: 'x',
    });
  });

  it('a default that cannot be read exactly fails the record with a message saying why and how to keep the null; a non-null value or false is fine', () => {
    const avro = recordSchemaFromAvro('avro:nd-bad', {
      type: 'record', name: 'R', fields: [
        { name: 'id', type: 'int' },
        { name: 'b', type: ['bytes', 'null'], default: '\u0100' },
      ],
    });
    expect(avro.fields![1]).toMatchObject({ name: 'b', defaultError: expect.stringContaining('holds U+0100') });
    expect(avro.fields![1]!.default).toBeUndefined();
    for (const [type, opts] of CASES) {
      const r = rec({ id: 1, b: null }, avro);
      expect(() => chainOf(one(type, opts)).apply(r), type).toThrow(/field b is null and the schema default of field b cannot be read exactly: .*U\+0100.*replace\.null\.with\.default=false/);
      expect(chainOf(one(type, opts)).apply(rec({ id: 1, b: Buffer.from([1]) }, avro)), type).toBe(true);
      expect(chainOf(one(type, { ...opts, 'replace.null.with.default': 'false' })).apply(rec({ id: 1, b: null }, avro)), type).toBe(true);
    }
  });
});
