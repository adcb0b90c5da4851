// replace.null.with.default (KIP-1040) on each of Connect's SMTs that has it:
// true (the default) reads a null field with a schema default as the default
// (Struct.get), false keeps it null (Struct.getWithoutDefault); schemaless
// records have no defaults to read.
import { describe, expect, it } from 'vitest';
import { chainOf, problemsOf } from './transform-chains.js';
import type { Header, TRecord } from '../../src/transforms/record.js';
import { recordSchemaFromConnect, SCHEMALESS, type ConnectSchema, type RecordSchema } from '../../src/workers/schema.js';

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

  it('a default that cannot be applied exactly (bytes, decimal) fails the record with a message saying how to keep the null; a non-null value or false is fine', () => {
    const withBytes = recordSchemaFromConnect('connect:nd-bytes', {
      type: 'struct',
      fields: [
        { field: 'id', type: 'int32' },
        { field: 'b', type: 'bytes', optional: true, default: 'AQI=' },
        { field: 'd', type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' }, optional: true, default: 'AQI=' },
      ] as ConnectSchema[],
    });
    for (const type of [`${T}InsertField$Value`, `${T}ReplaceField$Value`, `${T}Cast$Value`, `${T}ValueToKey`]) {
      const opts: Record<string, string> = type.endsWith('InsertField$Value') ? { 'static.field': 'src', 'static.value': 'x' }
        : type.endsWith('Cast$Value') ? { spec: 'id:int64' } : type.endsWith('ValueToKey') ? { fields: 'b' } : { exclude: 'none' };
      const r: TRecord = {
        topic: 'orders', partition: 0, offset: 5, timestamp: 1000, key: null, keySchema: undefined,
        value: { id: 1, b: null, d: null }, valueSchema: withBytes, headers: undefined, readHeaders: () => [],
      };
      expect(() => chainOf(one(type, opts)).apply(r), type).toThrow(/cannot be applied exactly.*replace\.null\.with\.default=false/);
      const kept = { ...r, value: { id: 1, b: null, d: null } };
      expect(chainOf(one(type, { ...opts, 'replace.null.with.default': 'false' })).apply(kept), type).toBe(true);
    }
  });
});
