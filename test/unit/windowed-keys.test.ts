// ksqlDB windowed keys (src/workers/decode/windowed.ts): the key, then an
// 8-byte window start (TUMBLING/HOPPING) or a 16-byte window end and start
// (SESSION). Keys only: the window is ignored where Kafka Connect's converter
// ignores it (Avro, JSON Schema, schemaless JSON not a number); any other
// trailing length, values, and the formats Connect fails on or would change
// (Protobuf, a number JSON, StringConverter) stay errors.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoder, type Decoder } from '../../src/workers/decode/decoders.js';

const KEY_PROTO = 'syntax = "proto3";\npackage k;\nmessage K { string id = 1; int64 n = 2; }\n';
const byId = new Map<number, { schema: string; schemaType?: string }>([
  [1, { schema: '"string"' }],
  [2, { schema: JSON.stringify({ type: 'record', name: 'K', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'long' }] }) }],
  [3, { schema: JSON.stringify({ oneOf: [{ type: 'null' }, { type: 'string' }] }), schemaType: 'JSON' }],
  [4, { schema: JSON.stringify({ type: 'integer' }), schemaType: 'JSON' }],
  [5, { schema: JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } } }), schemaType: 'JSON' }],
  [6, { schema: KEY_PROTO, schemaType: 'PROTOBUF' }],
]);

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const found = byId.get(Number(/\/schemas\/ids\/(\d+)$/.exec(req.url ?? '')?.[1]));
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ?? { error_code: 40403, message: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const START = Date.UTC(2023, 5, 1, 10);
const HOUR = 3_600_000;
/** TimeWindowedSerializer: the window start, big-endian. */
const timeWindow = (start = START) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(start));
  return b;
};
/** SessionWindowedSerializer: end, then start. */
const sessionWindow = (start = START, end = START + HOUR) => Buffer.concat([timeWindow(end), timeWindow(start)]);
const frame = (id: number, body: Uint8Array) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), body]);

async function decoders(format: 'avro' | 'json-schema' | 'protobuf' | 'json' | 'string'): Promise<{ key: Decoder; value: Decoder }> {
  const key = createDecoder(format, { registryUrl: base, key: true });
  const value = createDecoder(format, { registryUrl: base });
  return { key, value };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'decoded';
}

describe('ksqlDB windowed keys', () => {
  it('Avro (AvroConverter ignores what follows the record): an 8- or 16-byte window after a key is ignored; other lengths and values still refused', async () => {
    const str = frame(1, avro.Type.forSchema('string').toBuffer('customer-1'));
    const rec = frame(2, avro.Type.forSchema(JSON.parse(byId.get(2)!.schema) as avro.Schema).toBuffer({ id: 'a', n: 7 }));
    const { key, value } = await decoders('avro');
    await key.prepare([str, rec]);
    await value.prepare([str, rec]);
    for (const w of [timeWindow(), sessionWindow()]) {
      expect(key.decode(Buffer.concat([str, w])).value).toBe('customer-1');
      expect(key.decode(Buffer.concat([rec, w])).value).toEqual({ id: 'a', n: 7 });
    }
    expect(key.decode(str).value).toBe('customer-1');
    for (const n of [1, 7, 9, 15, 17, 24]) {
      expect(reasonOf(() => key.decode(Buffer.concat([rec, Buffer.alloc(n)])))).toBe(
        `Avro body has ${n} trailing bytes after schema id 2's record (a key may be followed by a ksqlDB window of 8 or 16 bytes, no other length)`);
    }
    // Values: no window, any trailing byte is refused as before.
    expect(reasonOf(() => value.decode(Buffer.concat([rec, timeWindow()])))).toBe("Avro body has 8 trailing bytes after schema id 2's record");
  });

  it('JSON Schema (Jackson stops after the root value): a string or object key before an 8- or 16-byte window reads without it; a number does not', async () => {
    const str = frame(3, Buffer.from('"customer-1"'));
    const obj = frame(5, Buffer.from('{"id":"a","n":7}'));
    const num = frame(4, Buffer.from('42'));
    const { key, value } = await decoders('json-schema');
    await key.prepare([str, obj, num]);
    await value.prepare([str, obj, num]);
    for (const w of [timeWindow(), sessionWindow()]) {
      expect(key.decode(Buffer.concat([str, w])).value).toBe('customer-1');
      expect(key.decode(Buffer.concat([obj, w])).value).toEqual({ id: 'a', n: 7 });
    }
    expect(key.decode(num).value).toBe(42);
    // Connect's Jackson wants whitespace after a root-level number: it fails on a windowed number key, so Sluice does too.
    expect(reasonOf(() => key.decode(Buffer.concat([num, timeWindow()])))).toMatch(
      /^JSON Schema payload \(schema id 4\) is not valid UTF-8 JSON: .* \(JSON Schema key is a number followed by 8 more bytes, which look like an 8-byte window start .*Expected space separating root-level values/);
    for (const n of [1, 7, 9, 15, 17]) {
      expect(reasonOf(() => key.decode(Buffer.concat([str, Buffer.alloc(n)])))).toMatch(/^JSON Schema payload \(schema id 3\) is not valid UTF-8 JSON: /);
    }
    expect(reasonOf(() => value.decode(Buffer.concat([str, timeWindow()])))).toMatch(/^JSON Schema payload \(schema id 3\) is not valid UTF-8 JSON: /);
  });

  it('schemaless JSON (JsonConverter: Jackson readTree): the same rule', async () => {
    const { key, value } = await decoders('json');
    for (const w of [timeWindow(), sessionWindow()]) {
      expect(key.decode(Buffer.concat([Buffer.from('"customer-1"'), w])).value).toBe('customer-1');
      expect(key.decode(Buffer.concat([Buffer.from('{"id":1}'), w])).value).toEqual({ id: 1 });
    }
    expect(reasonOf(() => key.decode(Buffer.concat([Buffer.from('42'), sessionWindow()])))).toMatch(/\(JSON key is a number followed by 16 more bytes, which look like a 16-byte window end and start/);
    expect(reasonOf(() => key.decode(Buffer.concat([Buffer.from('"a"'), Buffer.alloc(9)])))).not.toBe('decoded');
    expect(reasonOf(() => value.decode(Buffer.concat([Buffer.from('"a"'), timeWindow()])))).not.toBe('decoded');
  });

  it('Protobuf stays refused (ProtobufConverter parses the window as fields and fails), with a hint', async () => {
    const root = protobuf.parse(KEY_PROTO).root;
    const K = root.lookupType('k.K');
    // Message index [0] as the single byte 0, then the message.
    const msg = frame(6, Buffer.concat([Buffer.from([0]), K.encode(K.create({ id: 'a', n: 7 })).finish()]));
    const { key } = await decoders('protobuf');
    await key.prepare([msg]);
    expect(key.decode(msg).value).toEqual({ id: 'a', n: 7 });
    for (const [w, n] of [[timeWindow(), 8], [sessionWindow(), 16]] as const) {
      expect(reasonOf(() => key.decode(Buffer.concat([msg, w])))).toMatch(new RegExp(
        `^Protobuf body does not match k\\.K of schema id 6: .*; without its last ${n} bytes the key reads completely: it looks like a ksqlDB windowed key .*Protobuf converter fails on too`));
    }
  });

  it('StringConverter keys (KAFKA format) stay refused when not UTF-8, and say they look windowed', async () => {
    const { key, value } = await decoders('string');
    const reason = reasonOf(() => key.decode(Buffer.concat([Buffer.from('customer-1'), timeWindow()])));
    expect(reason).toMatch(/^The encoded data was not valid for encoding utf-8: all but its last 8 bytes are UTF-8, so it looks like a ksqlDB windowed key in the KAFKA format/);
    expect(reason).toMatch(/U\+FFFD, a changed key, which Sluice refuses/);
    expect(reasonOf(() => value.decode(Buffer.concat([Buffer.from('customer-1'), timeWindow()])))).toBe('The encoded data was not valid for encoding utf-8');
    expect(key.decode(Buffer.from('customer-1')).value).toBe('customer-1');
  });
});
