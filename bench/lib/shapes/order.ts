// The reference shape: 7-field order rows in Avro with Confluent framing
// (the rows of test/helpers/orders.ts that the tests use too).
import { orderAvro, orders, ORDER_AVRO_SCHEMA, type Order } from '../../../test/helpers/orders.js';
import type { Row, Shape } from './shape.js';

function asOrder(r: Row): Order {
  return r as unknown as Order;
}

export const orderShape: Shape = {
  name: 'order',
  description: '7-field order row, Avro (Confluent framing), ~60 bytes',
  format: 'avro',
  avroSchema: ORDER_AVRO_SCHEMA,
  columns: [
    { name: 'id', pgType: 'bigint', nullable: false, parquet: 'int64' },
    { name: 'customer', pgType: 'text', nullable: false, parquet: 'utf8' },
    { name: 'amount', pgType: 'numeric(12,2)', nullable: false, parquet: 'decimal', precision: 12, scale: 2 },
    { name: 'quantity', pgType: 'integer', nullable: false, parquet: 'int32' },
    { name: 'created_at', pgType: 'timestamptz', nullable: false, parquet: 'timestamp-ms' },
    { name: 'status', pgType: 'text', nullable: false, parquet: 'utf8' },
    { name: 'note', pgType: 'text', nullable: true, parquet: 'utf8' },
  ],
  rows: (count, seed) => orders(count, seed) as Iterable<Row>,
  encode: (row, schemaId) => orderAvro(asOrder(row), schemaId),
  columnar(row) {
    const o = asOrder(row);
    return { id: o.id, customer: o.customer, amount: BigInt(o.amountCents), quantity: o.quantity, created_at: o.createdAt, status: o.status, note: o.note };
  },
  copyText(row) {
    const o = asOrder(row);
    return [String(o.id), o.customer, (o.amountCents / 100).toFixed(2), String(o.quantity), new Date(o.createdAt).toISOString(), o.status, o.note];
  },
};
