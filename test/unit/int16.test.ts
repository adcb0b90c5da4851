// Connect INT8 / INT16 as their own types end to end: ShortConverter, a Connect
// JSON "int16", Avro's connect.type "int16" (AvroData), JSON Schema's and
// Protobuf's connect.type all decode to an int32 of width 16 (or 8); PostgreSQL
// auto.create makes smallint as Confluent's PostgreSqlDatabaseDialect does, an
// existing smallint column takes them without widening, and Cast keeps the width.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/workers/decode/decoders.js';
import { compileJsonSchema } from '../../src/workers/decode/json-schema.js';
import { writeMessageIndexes } from '../../src/workers/decode/protobuf.js';
import { recordSchemaFromAvro, recordSchemaFromConnect, intBits, type FieldType } from '../../src/workers/schema.js';
import { createTableSql, defaultLiteral } from '../../src/sinks/postgres/ddl.js';
import { fitColumn, OID, sqlTypeFor } from '../../src/sinks/postgres/types.js';
import { chainOf } from './transform-chains.js';
import type { TRecord } from '../../src/transforms/record.js';

const INT16: FieldType = { kind: 'int32', width: 16 };
const INT8: FieldType = { kind: 'int32', width: 8 };

describe('decoders give INT8 / INT16 their width', () => {
  it('ShortConverter: a Connect INT16', () => {
    const d = createDecoder('short', {}).decode(Uint8Array.from([0x80, 0x00]));
    expect(d.value).toBe(-32768);
    expect(d.schema.fields![0]!.type).toEqual(INT16);
    expect(createDecoder('integer', {}).decode(Uint8Array.from([0, 0, 0, 1])).schema.fields![0]!.type).toEqual({ kind: 'int32' });
  });

  it('Connect JSON envelope int8 / int16 / int32', () => {
    const s = recordSchemaFromConnect('connect:i', {
      type: 'struct', fields: [{ field: 'a', type: 'int8' }, { field: 'b', type: 'int16', optional: true }, { field: 'c', type: 'int32' },
        { field: 'l', type: 'array', items: { type: 'int16' } }],
    });
    expect(s.fields!.map((f) => f.type)).toEqual([INT8, INT16, { kind: 'int32' }, { kind: 'array', items: INT16, itemsOptional: false }]);
    expect(recordSchemaFromConnect('connect:s', { type: 'int16' }).fields![0]!.type).toEqual(INT16);
  });

  it("Avro int with AvroData's connect.type", () => {
    const s = recordSchemaFromAvro('avro:i', {
      type: 'record', name: 'R', fields: [
        { name: 'a', type: { type: 'int', 'connect.type': 'int16' } },
        { name: 'b', type: ['null', { type: 'int', 'connect.type': 'int8' }], default: null },
        { name: 'c', type: 'int' },
        // A logical type wins over connect.type (AvroData reads the logical type first).
        { name: 'd', type: { type: 'int', logicalType: 'date', 'connect.type': 'int16' } },
      ],
    });
    expect(s.fields!.map((f) => [f.type, f.optional])).toEqual([[INT16, false], [INT8, true], [{ kind: 'int32' }, false], [{ kind: 'date' }, false]]);
  });

  it('JSON Schema connect.type int16, range checked', () => {
    const c = compileJsonSchema('json-schema:i16', { type: 'object', properties: { s: { type: 'integer', 'connect.type': 'int16' } } });
    expect(c.schema.fields![0]!.type).toEqual(INT16);
    expect(c.read({ s: -32768 }, '$')).toEqual({ s: -32768 });
    expect(() => c.read({ s: 32768 }, '$')).toThrow('32768 is beyond int16');
  });

  describe('Protobuf connect.type on an int32 (ProtobufData)', () => {
    const PROTO = `syntax = "proto3";
import "confluent/meta.proto";
message M {
  int32 s = 1 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int16" } ] }];
  sint32 t = 2 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int8" } ] }];
  int32 i = 3;
}
`;
    let server: http.Server;
    let url = '';
    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ schema: PROTO, schemaType: 'PROTOBUF' }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('is an INT16 / INT8 field', async () => {
      const M = protobuf.parse('syntax = "proto3"; message M { int32 s = 1; sint32 t = 2; int32 i = 3; }').root.lookupType('M');
      const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), writeMessageIndexes([0]), M.encode(M.fromObject({ s: -300, t: -5, i: 9 })).finish()]);
      const d = createDecoder('protobuf', { registryUrl: url });
      await d.prepare([bytes]);
      const out = d.decode(bytes);
      expect(out.value).toEqual({ s: -300, t: -5, i: 9 });
      expect(out.schema.fields!.map((f) => [f.name, f.type])).toEqual([['s', INT16], ['t', INT8], ['i', { kind: 'int32' }]]);
    });
  });
});

describe('PostgreSQL: INT8 / INT16 are smallint', () => {
  const col = (typeOid: number, typmod = -1) => ({ typeOid, elemOid: 0, typmod });

  it('auto.create and auto.evolve declare smallint (arrays too)', () => {
    expect(sqlTypeFor(INT16)).toBe('smallint');
    expect(sqlTypeFor(INT8)).toBe('smallint');
    expect(sqlTypeFor({ kind: 'int32' })).toBe('integer');
    expect(sqlTypeFor({ kind: 'array', items: INT16, itemsOptional: true })).toBe('smallint[]');
    const sql = createTableSql('"t"', [
      { name: 'id', type: { kind: 'int64' }, optional: false, pk: true, from: 'value' },
      { name: 'qty', type: INT16, optional: true, pk: false, from: 'value' },
    ] as never);
    expect(sql).toContain('"qty" smallint');
  });

  it('an existing smallint column takes them as they are; INT32 still widens it; numeric needs room for the digits', () => {
    expect(fitColumn(col(OID.int2), INT16)).toEqual({ kind: 'ok' });
    expect(fitColumn(col(OID.int2), INT8)).toEqual({ kind: 'ok' });
    expect(fitColumn(col(OID.int2), { kind: 'int32' })).toEqual({ kind: 'widen', to: 'integer' });
    expect(fitColumn(col(OID.int4), INT16)).toEqual({ kind: 'ok' });
    const numeric = (p: number, s: number) => ((p << 16) | s) + 4;
    expect(fitColumn(col(OID.numeric, numeric(5, 0)), INT16)).toEqual({ kind: 'ok' });
    expect(fitColumn(col(OID.numeric, numeric(4, 0)), INT16)).toEqual({ kind: 'widen', to: 'numeric(5,0)' });
    expect(fitColumn(col(OID.numeric, numeric(5, 0)), { kind: 'int32' })).toEqual({ kind: 'widen', to: 'numeric(10,0)' });
  });

  it('defaults are literals only inside the type', () => {
    expect(defaultLiteral(INT16, -32768)).toBe('-32768');
    expect(defaultLiteral(INT16, 32768)).toBeUndefined();
    expect(defaultLiteral(INT8, 127)).toBe('127');
    expect(defaultLiteral(INT8, 128)).toBeUndefined();
    expect(intBits(INT8)).toBe(8);
    expect(intBits({ kind: 'int64' })).toBe(64);
    expect(intBits({ kind: 'string' })).toBeUndefined();
  });
});

describe('Cast keeps the Connect type it names', () => {
  const T = 'org.apache.kafka.connect.transforms.';
  const rec = (value: unknown, s = recordSchemaFromConnect('connect:c', { type: 'struct', fields: [{ field: 'a', type: 'string' }, { field: 'b', type: 'int64' }] })): TRecord => ({
    topic: 't', partition: 0, offset: 0, timestamp: 0, key: null, keySchema: undefined, value, valueSchema: s, headers: undefined, readHeaders: () => [],
  });

  it('int8 / int16 casts are INT8 / INT16 fields, range checked as Connect does', () => {
    const chain = chainOf({ transforms: 'c', 'transforms.c.type': `${T}Cast$Value`, 'transforms.c.spec': 'a:int16,b:int8' });
    const r = rec({ a: '-32768', b: 5 });
    expect(chain.apply(r)).toBe(true);
    expect(r.value).toEqual({ a: -32768, b: 5 });
    expect(r.valueSchema!.fields!.map((f) => f.type)).toEqual([INT16, INT8]);
    expect(sqlTypeFor(r.valueSchema!.fields![0]!.type)).toBe('smallint');
    expect(() => chain.apply(rec({ a: '40000', b: 1 }))).toThrow(/out of range for requested data type int16/);
  });
});
