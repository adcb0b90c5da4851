// Debezium change events as a Debezium PostgreSQL source connector writes them
// through Kafka Connect's JsonConverter with schemas: key struct with the
// primary key, value envelope with before/after/source/op/ts_ms/transaction.
import type { TestMessage } from '../helpers/kafka.js';
import type { ConnectField } from './postgres-helpers.js';

export const SOURCE_FIELDS: ConnectField[] = [
  { field: 'version', type: 'string' },
  { field: 'connector', type: 'string' },
  { field: 'name', type: 'string' },
  { field: 'ts_ms', type: 'int64' },
  { field: 'snapshot', type: 'string', optional: true, name: 'io.debezium.data.Enum', parameters: { allowed: 'true,last,false,incremental' } },
  { field: 'db', type: 'string' },
  { field: 'sequence', type: 'string', optional: true },
  { field: 'schema', type: 'string' },
  { field: 'table', type: 'string' },
  { field: 'txId', type: 'int64', optional: true },
  { field: 'lsn', type: 'int64', optional: true },
  { field: 'xmin', type: 'int64', optional: true },
];

export function connectSchema(server: string, table: string, rowFields: ConnectField[], keyField = 'id') {
  const row = (field: string) => ({ type: 'struct', fields: rowFields, optional: true, name: `${server}.public.${table}.Value`, field });
  return {
    key: { type: 'struct', fields: [{ type: 'int32', optional: false, field: keyField }], optional: false, name: `${server}.public.${table}.Key` },
    value: {
      type: 'struct', optional: false, name: `${server}.public.${table}.Envelope`, version: 1,
      fields: [
        row('before'), row('after'),
        { type: 'struct', fields: SOURCE_FIELDS, optional: false, name: 'io.debezium.connector.postgresql.Source', field: 'source' },
        { type: 'string', optional: false, field: 'op' },
        { type: 'int64', optional: true, field: 'ts_ms' },
        {
          type: 'struct', optional: true, name: 'event.block', version: 1, field: 'transaction',
          fields: [{ type: 'string', optional: false, field: 'id' }, { type: 'int64', optional: false, field: 'total_order' }, { type: 'int64', optional: false, field: 'data_collection_order' }],
        },
      ],
    },
  };
}

let lsn = 24_023_128;
export function source(server: string, table: string, snapshot = 'false', schema = 'public') {
  lsn += 8;
  return { version: '2.7.3.Final', connector: 'postgresql', name: server, ts_ms: 1_704_112_496_000, snapshot, db: 'inventory', sequence: `[null,"${lsn}"]`, schema, table, txId: 771, lsn, xmin: null };
}

export type Row = Record<string, unknown>;

/** Debezium change events (Connect JSON with schemas) for one table: key + envelope, or a tombstone. */
export class JsonEvents {
  private readonly schema: ReturnType<typeof connectSchema>;
  constructor(
    private readonly server: string, private readonly table: string, rowFields: ConnectField[], private readonly schemaName = 'public',
    private readonly keyField = 'id',
  ) {
    this.schema = connectSchema(server, table, rowFields, keyField);
  }
  private key(id: number | null): string | null {
    return id === null ? null : JSON.stringify({ schema: this.schema.key, payload: { [this.keyField]: id } });
  }
  event(op: 'c' | 'r' | 'u' | 'd' | 't', before: Row | null, after: Row | null): TestMessage {
    const id = ((after ?? before)?.[this.keyField] as number | undefined) ?? null;
    const payload = {
      before, after, source: source(this.server, this.table, op === 'r' ? 'true' : 'false', this.schemaName), op, ts_ms: 1_704_112_497_000,
      transaction: op === 't' ? null : { id: `771:${lsn}`, total_order: 1, data_collection_order: 1 },
    };
    return { key: this.key(id), value: JSON.stringify({ schema: this.schema.value, payload }) };
  }
  tombstone(id: number): TestMessage {
    return { key: this.key(id), value: null };
  }
}

