// A 40-field wide row in Avro: what CDC topics of wide tables look like.
// Many small fixed-width columns stress per-column costs rather than bytes.
import avro from 'avsc';
import { rng } from '../../../test/helpers/orders.js';
import type { Row, Shape, ShapeColumn } from './shape.js';

const BASE_TIME = Date.UTC(2026, 0, 1);
const pad = (n: number) => String(n).padStart(2, '0');

type Kind = 'long' | 'int' | 'double' | 'string' | 'boolean' | 'timestamp' | 'optional-string';
const KINDS: [Kind, number][] = [
  ['long', 8], ['int', 6], ['double', 8], ['string', 10], ['boolean', 3], ['timestamp', 2], ['optional-string', 2],
];
/** id plus 39 typed fields: 40 in all. */
const FIELDS: { name: string; kind: Kind }[] = KINDS.flatMap(([kind, n]) =>
  Array.from({ length: n }, (_, i) => ({ name: `${kind.replace('optional-', 'opt_')}_${pad(i + 1)}`, kind })));

const AVRO_TYPE: Record<Kind, unknown> = {
  long: 'long', int: 'int', double: 'double', string: 'string', boolean: 'boolean',
  timestamp: { type: 'long', logicalType: 'timestamp-millis' }, 'optional-string': ['null', 'string'],
};
const PG_TYPE: Record<Kind, string> = {
  long: 'bigint', int: 'integer', double: 'double precision', string: 'text', boolean: 'boolean', timestamp: 'timestamptz', 'optional-string': 'text',
};
const PARQUET_TYPE: Record<Kind, ShapeColumn['parquet']> = {
  long: 'int64', int: 'int32', double: 'float64', string: 'utf8', boolean: 'bool', timestamp: 'timestamp-ms', 'optional-string': 'utf8',
};

export const WIDE_AVRO_SCHEMA = {
  type: 'record',
  name: 'Wide',
  namespace: 'sluice.bench',
  fields: [
    { name: 'id', type: 'long' },
    ...FIELDS.map((f) => (f.kind === 'optional-string' ? { name: f.name, type: AVRO_TYPE[f.kind], default: null } : { name: f.name, type: AVRO_TYPE[f.kind] })),
  ],
};
const wideType = avro.Type.forSchema(WIDE_AVRO_SCHEMA as avro.Schema);
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

export function* wideRows(count: number, seed = 42, firstId = 1): Generator<Row> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) {
    const row: Row = { id: firstId + i };
    for (const f of FIELDS) {
      switch (f.kind) {
        case 'long': row[f.name] = Math.floor(r() * 1e12); break;
        case 'int': row[f.name] = Math.floor(r() * 2e9) - 1e9; break;
        case 'double': row[f.name] = r() * 1e6; break;
        case 'string': row[f.name] = `${WORDS[Math.floor(r() * 10)]}-${Math.floor(r() * 1e8).toString(36)}`; break;
        case 'boolean': row[f.name] = r() < 0.5; break;
        case 'timestamp': row[f.name] = BASE_TIME + Math.floor(r() * 86_400_000 * 30); break;
        case 'optional-string': row[f.name] = r() < 0.5 ? null : WORDS[Math.floor(r() * 10)]!; break;
      }
    }
    yield row;
  }
}

export const wideShape: Shape = {
  name: 'wide',
  description: '40-field wide row (longs, ints, doubles, strings, booleans, timestamps), Avro, ~330 bytes',
  format: 'avro',
  avroSchema: WIDE_AVRO_SCHEMA,
  columns: [
    { name: 'id', pgType: 'bigint', nullable: false, parquet: 'int64' },
    ...FIELDS.map((f) => ({ name: f.name, pgType: PG_TYPE[f.kind], nullable: f.kind === 'optional-string', parquet: PARQUET_TYPE[f.kind] })),
  ],
  rows: wideRows,
  encode(row, schemaId) {
    const body = wideType.toBuffer(row);
    const out = Buffer.allocUnsafe(5 + body.length);
    out[0] = 0;
    out.writeUInt32BE(schemaId, 1);
    body.copy(out, 5);
    return out;
  },
  columnar: (row) => row,
  copyText(row) {
    const out: (string | null)[] = [String(row.id)];
    for (const f of FIELDS) {
      const v = row[f.name];
      out.push(v === null ? null : f.kind === 'timestamp' ? new Date(v as number).toISOString() : String(v));
    }
    return out;
  },
};
