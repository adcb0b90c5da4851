// Seeded generators of the reference rows, in every wire format Sluice reads.
// Shared by the benchmarks, the demo and the tests, so all of them measure and
// check the same data.
import avro from 'avsc';
import { Packr } from 'msgpackr';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Order {
  id: number;
  customer: string;
  /** Cents; the decimal(12,2) amount is cents / 100. */
  amountCents: number;
  quantity: number;
  createdAt: number; // epoch ms
  status: string;
  note: string | null;
}

const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
const BASE_TIME = Date.UTC(2026, 0, 1);

export function* orders(count: number, seed = 42, firstId = 1): Generator<Order> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    yield {
      id: firstId + i,
      customer: `customer-${Math.floor(r() * 100_000)}`,
      amountCents: Math.floor(r() * 10_000_000),
      quantity: 1 + Math.floor(r() * 20),
      createdAt: BASE_TIME + Math.floor(r() * 86_400_000 * 30),
      status: STATUSES[Math.floor(r() * STATUSES.length)]!,
      note: r() < 0.3 ? null : `note ${Math.floor(r() * 1e9).toString(36)}`,
    };
  }
}

export const ORDERS_TABLE_DDL = (table: string) => `CREATE TABLE ${table} (
  id bigint NOT NULL,
  customer text NOT NULL,
  amount numeric(12,2) NOT NULL,
  quantity integer NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL,
  note text
)`;

export const ORDER_AVRO_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'sluice.bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'quantity', type: 'int' },
    { name: 'created_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: [...STATUSES] } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

const orderType = avro.Type.forSchema(ORDER_AVRO_SCHEMA as avro.Schema);

/** Big-endian two's complement of the unscaled value, as Avro's decimal wants. */
export function decimalBytes(unscaled: number): Buffer {
  const hex = BigInt.asUintN(64, BigInt(unscaled)).toString(16).padStart(16, '0');
  const b = Buffer.from(hex, 'hex');
  // Trim redundant sign bytes.
  let start = 0;
  while (start < b.length - 1 && ((b[start] === 0 && (b[start + 1]! & 0x80) === 0) || (b[start] === 0xff && (b[start + 1]! & 0x80) !== 0))) start++;
  return b.subarray(start);
}

export function orderAvroBody(o: Order): Buffer {
  return orderType.toBuffer({
    id: o.id, customer: o.customer, amount: decimalBytes(o.amountCents), quantity: o.quantity,
    created_at: o.createdAt, status: o.status, note: o.note,
  });
}

export function orderAvro(o: Order, schemaId: number): Buffer {
  const body = orderAvroBody(o);
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

export function orderJsonObject(o: Order): Record<string, unknown> {
  return {
    id: o.id, customer: o.customer, amount: (o.amountCents / 100).toFixed(2), quantity: o.quantity,
    created_at: new Date(o.createdAt).toISOString(), status: o.status, note: o.note,
  };
}

export function orderJson(o: Order): Buffer {
  return Buffer.from(JSON.stringify(orderJsonObject(o)));
}

export const ORDER_CONNECT_SCHEMA = {
  type: 'struct',
  name: 'sluice.bench.Order',
  optional: false,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'customer', type: 'string', optional: false },
    { field: 'amount', type: 'bytes', optional: false, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '12' } },
    { field: 'quantity', type: 'int32', optional: false },
    { field: 'created_at', type: 'int64', optional: false, name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
    { field: 'status', type: 'string', optional: false },
    { field: 'note', type: 'string', optional: true },
  ],
};

export function orderConnectJson(o: Order): Buffer {
  return Buffer.from(JSON.stringify({
    schema: ORDER_CONNECT_SCHEMA,
    payload: {
      id: o.id, customer: o.customer, amount: decimalBytes(o.amountCents).toString('base64'), quantity: o.quantity,
      created_at: o.createdAt, status: o.status, note: o.note,
    },
  }));
}

const packr = new Packr({ useRecords: false });
export function orderMsgpack(o: Order): Buffer {
  return packr.pack({
    id: o.id, customer: o.customer, amount: (o.amountCents / 100).toFixed(2), quantity: o.quantity,
    created_at: o.createdAt, status: o.status, note: o.note,
  });
}

export type WireFormat = 'avro' | 'json' | 'connect-json' | 'msgpack';

export function encodeOrder(format: WireFormat, o: Order, schemaId = 0): Buffer {
  switch (format) {
    case 'avro': return orderAvro(o, schemaId);
    case 'json': return orderJson(o);
    case 'connect-json': return orderConnectJson(o);
    case 'msgpack': return orderMsgpack(o);
  }
}

/** Connector JSON keys that make Sluice read a format. */
export function converterConfig(format: WireFormat, registryUrl?: string): Record<string, string> {
  switch (format) {
    case 'avro': return { 'value.converter': 'io.confluent.connect.avro.AvroConverter', 'value.converter.schema.registry.url': registryUrl! };
    case 'json': return { 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'false' };
    case 'connect-json': return { 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true' };
    case 'msgpack': return { 'value.format': 'msgpack' };
  }
}
