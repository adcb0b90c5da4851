// A null field whose schema has a default, through the layers Kafka Connect
// puts it through (native-notes/null-defaults.md): JsonConverter's
// replace.null.with.default at decode, then the sink's Struct.get (Confluent
// JDBC, S3, Elasticsearch) or getWithoutDefault (Debezium JDBC, optional fields).
import { describe, expect, it } from 'vitest';
import { ConvertError } from '../../src/errors.js';
import { workerSetup } from '../../src/pipeline/compose.js';
import { loadConfig } from '../../src/sinks/index.js';
import { ConnectJsonDecoder, createDecoder } from '../../src/workers/decode/decoders.js';
import { fillNullDefaults, hasNullDefaults } from '../../src/workers/null-defaults.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, type ConnectSchema } from '../../src/workers/schema.js';

const F = (field: string, type: string, extra: object = {}) => ({ field, type, optional: true, ...extra });
const envelope = (fields: object[], payload: string) => Buffer.from(`{"schema":{"type":"struct","optional":false,"fields":${JSON.stringify(fields)}},"payload":${payload}}`);

describe('JsonConverter: replace.null.with.default at decode', () => {
  const fields = [
    F('id', 'int32', { optional: false }),
    F('s', 'string', { default: 'dflt' }),
    F('n', 'int64', { default: 7 }),
    F('plain', 'string'),
    F('xs', 'array', { items: { type: 'int32', optional: true, default: 5 } }),
    F('m', 'map', { keys: { type: 'string' }, values: { type: 'string', optional: true, default: 'v' } }),
    F('in', 'struct', { fields: [F('t', 'string', { default: 'inner' })] }),
  ];

  it('true (the default): a null or missing optional field, array element or map value with a default is the default, at every level', () => {
    for (const d of [new ConnectJsonDecoder(), createDecoder('connect-json', {}), createDecoder('connect-json', { replaceNullWithDefault: true })]) {
      expect(d.decode(envelope(fields, '{"id":1,"s":null,"plain":null,"xs":[1,null],"m":{"a":null,"b":"x"},"in":{"t":null}}')).value).toEqual({
        id: 1, s: 'dflt', n: 7, plain: null, xs: [1, 5], m: { a: 'v', b: 'x' }, in: { t: 'inner' },
      });
      // Values are kept; a null struct stays null (its own schema has no default).
      expect(d.decode(envelope(fields, '{"id":2,"s":"x","n":0,"in":null}')).value).toEqual({ id: 2, s: 'x', n: 0, in: null });
    }
  });

  it('false: nulls stay null where optional; a required field with a default is refused, as JsonConverter refuses it', () => {
    const d = createDecoder('connect-json', { replaceNullWithDefault: false });
    expect(d.decode(envelope(fields, '{"id":1,"s":null,"xs":[1,null],"m":{"a":null},"in":{"t":null}}')).value).toEqual({
      id: 1, s: null, xs: [1, null], m: { a: null }, in: { t: null },
    });
    const required = [F('r', 'string', { optional: false, default: 'd' })];
    expect(() => d.decode(envelope(required, '{"r":null}'))).toThrow('field r is null but its schema says it is required, and replace.null.with.default=false keeps its default from standing in');
    expect(createDecoder('connect-json', {}).decode(envelope(required, '{}')).value).toEqual({ r: 'd' });
  });

  it('gives each record its own copy of a struct default', () => {
    const d = new ConnectJsonDecoder();
    const f = [F('p', 'struct', { fields: [F('c', 'string')], default: { c: 'z' } })];
    const a = d.decode(envelope(f, '{"p":null}')).value as { p: { c: string } };
    a.p.c = 'changed';
    expect(d.decode(envelope(f, '{"p":null}')).value).toEqual({ p: { c: 'z' } });
  });
});

describe("the sinks' Struct.get (fillNullDefaults)", () => {
  const avro = recordSchemaFromAvro('avro:1', {
    type: 'record', name: 'R', fields: [
      { name: 'id', type: 'int' },
      // AvroData: a union's default is for its first branch; ["string","null"] "x" is an optional string defaulting to "x".
      { name: 'sn', type: ['string', 'null'], default: 'x' },
      // ["null","string"] default null: no Connect default, stays null.
      { name: 'ns', type: ['null', 'string'], default: null },
      { name: 'in', type: ['null', { type: 'record', name: 'In', fields: [{ name: 'k', type: ['long', 'null'], default: 3 }] }], default: null },
      { name: 'rs', type: { type: 'array', items: 'In' } },
    ],
  });

  it('puts an Avro field default in a null, at any depth; a null-default or default-less field stays null', () => {
    expect(hasNullDefaults(avro)).toBe(true);
    const v = { id: 1, sn: null, ns: null, in: { k: null }, rs: [{ k: null }, { k: 9 }] };
    fillNullDefaults(v, avro);
    expect(v).toEqual({ id: 1, sn: 'x', ns: null, in: { k: 3 }, rs: [{ k: 3 }, { k: 9 }] });
    const kept = { id: 2, sn: 'y', ns: 'z', in: null, rs: [] };
    fillNullDefaults(kept, avro);
    expect(kept).toEqual({ id: 2, sn: 'y', ns: 'z', in: null, rs: [] });
  });

  it('compiles to nothing for a schema with no non-null default', () => {
    const none = recordSchemaFromAvro('avro:2', { type: 'record', name: 'N', fields: [{ name: 'a', type: ['null', 'string'], default: null }, { name: 'b', type: 'int' }] });
    expect(hasNullDefaults(none)).toBe(false);
    const v = { a: null, b: 1 };
    fillNullDefaults(v, none);
    expect(v).toEqual({ a: null, b: 1 });
  });

  it('refuses a null whose default cannot be read exactly, naming the field, rather than writing null', () => {
    const s = recordSchemaFromConnect('connect:x', { type: 'struct', optional: false, fields: [{ field: 'b', type: 'bytes', optional: true, default: '!!' } as ConnectSchema] });
    expect(() => fillNullDefaults({ b: null }, s)).toThrow(ConvertError);
    expect(() => fillNullDefaults({ b: null }, s)).toThrow(/field b is null and the schema default of field b cannot be read exactly/);
  });
});

describe('which sinks read fields as Struct.get', () => {
  const base = { topics: 't', 'bootstrap.servers': '127.0.0.1:9092' };
  const setup = (config: Record<string, unknown>) => workerSetup(loadConfig({ json: { name: 'n', config: { ...base, ...config } }, env: {} }));
  const pg = { 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'connection.url': 'jdbc:postgresql://127.0.0.1:5432/db' };

  it("Confluent's JDBC sink per its replace.null.with.default (true by default); Debezium's JDBC sink never; S3 and Elasticsearch always; the file sink never", () => {
    expect(setup(pg).sinkNullDefaults).toBe(true);
    expect(setup({ ...pg, 'replace.null.with.default': 'false' }).sinkNullDefaults).toBe(false);
    expect(setup({ ...pg, 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector' }).sinkNullDefaults).toBe(false);
    expect(setup({ 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', 's3.bucket.name': 'b' }).sinkNullDefaults).toBe(true);
    expect(setup({ 'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector', 'connection.url': 'http://es:9200', 'key.ignore': 'true' }).sinkNullDefaults).toBe(true);
    expect(setup({ 'connector.class': 'FileStreamSink' }).sinkNullDefaults).toBe(false);
  });

  it('reads key.converter / value.converter.replace.null.with.default (true unless set), and refuses anything but a boolean', () => {
    expect(setup(pg)).toMatchObject({ keyReplaceNullWithDefault: true, valueReplaceNullWithDefault: true });
    expect(setup({ ...pg, 'value.converter.replace.null.with.default': 'false', 'key.converter.replace.null.with.default': 'FALSE' }))
      .toMatchObject({ keyReplaceNullWithDefault: false, valueReplaceNullWithDefault: false });
    expect(() => setup({ ...pg, 'value.converter.replace.null.with.default': 'maybe' })).toThrow(/value\.converter\.replace\.null\.with\.default/);
  });
});
