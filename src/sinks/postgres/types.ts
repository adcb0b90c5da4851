// Record field types ↔ PostgreSQL column types: what auto.create makes of a
// field, and whether an existing column takes a field as it is, needs a safe
// widening (auto.evolve), or cannot take it at all. Pure functions, used by
// the main thread (DDL) and the workers (spotting a plan that no longer fits).
import { intBits, type FieldType } from '../../workers/schema.js';

export const OID = {
  bool: 16, bytea: 17, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114,
  float4: 700, float8: 701, bpchar: 1042, varchar: 1043, date: 1082, time: 1083,
  timestamp: 1114, timestamptz: 1184, numeric: 1700, uuid: 2950, jsonb: 3802,
  xml: 142, timetz: 1266, bit: 1560, varbit: 1562,
} as const;

/** Array type oid → element type oid, for the element types Sluice writes. */
export const ARRAY_OF: Record<number, number> = {
  1000: OID.bool, 1001: OID.bytea, 1005: OID.int2, 1007: OID.int4, 1009: OID.text, 1014: OID.bpchar,
  1015: OID.varchar, 1016: OID.int8, 1021: OID.float4, 1022: OID.float8, 1182: OID.date, 1183: OID.time,
  1115: OID.timestamp, 1185: OID.timestamptz, 1231: OID.numeric, 2951: OID.uuid, 199: OID.json, 3807: OID.jsonb,
  143: OID.xml, 1270: OID.timetz, 1561: OID.bit, 1563: OID.varbit,
};

const WRITABLE = new Set<number>(Object.values(OID).filter((o) => o !== OID.oid));

export function columnTypeSupported(typeOid: number, elemOid: number): boolean {
  if (WRITABLE.has(typeOid)) return true;
  return elemOid !== 0 && WRITABLE.has(elemOid);
}

/**
 * Whose DDL auto.create and auto.evolve follow: Confluent's JDBC sink (its
 * connector class and Sluice's own configs) or Debezium's (its connector class).
 */
export type DdlDialect = 'confluent' | 'debezium';

/**
 * The column type of a Connect Decimal (Avro decimal, Connect JSON Decimal,
 * Protobuf confluent.type.Decimal, JSON Schema's Decimal: what Confluent's
 * converters make a Connect Decimal).
 * Confluent: PostgreSqlDatabaseDialect.getSqlType maps Decimal.LOGICAL_NAME to
 * "DECIMAL", whatever the precision and scale: an unconstrained numeric, which
 * holds every value exactly.
 * Debezium: ConnectDecimalType.getTypeName makes numeric(p,s) from
 * connect.decimal.precision (38 when absent, as schema.ts reads it). Sluice
 * keeps the schema's precision and scale where Debezium's column would refuse
 * or round values of the schema (connect-race.test.ts KNOWN_DIFFERENCES): it
 * caps the precision at Hibernate's default 38, and a Decimal with neither a
 * precision nor a positive scale gets numeric(38,-1) from Hibernate, which
 * PostgreSQL 15 takes and which rounds every integer to tens.
 */
function decimalType(ft: { precision: number; scale: number }, dialect: DdlDialect): string {
  if (dialect === 'confluent') return 'numeric';
  return ft.precision >= 1 && ft.precision <= 1000 && ft.scale >= 0 && ft.scale <= ft.precision ? `numeric(${ft.precision},${ft.scale})` : 'numeric';
}

/** What auto.create / auto.evolve declare for a field. */
export function sqlTypeFor(ft: FieldType, dialect: DdlDialect = 'confluent'): string {
  switch (ft.kind) {
    case 'boolean': return 'boolean';
    // PostgreSqlDatabaseDialect: INT8 and INT16 → SMALLINT (PostgreSQL has no one-byte integer).
    case 'int32': return ft.width !== undefined ? 'smallint' : 'integer';
    case 'int64': return 'bigint';
    case 'float32': return 'real';
    case 'float64': return 'double precision';
    case 'string':
    case 'enum':
    case 'null': return 'text';
    case 'bytes':
    case 'fixed': return 'bytea';
    case 'uuid': return 'uuid';
    case 'decimal': return decimalType(ft, dialect);
    case 'date': return 'date';
    case 'time-millis':
    case 'time-micros':
    case 'time-nanos': return 'time';
    case 'timestamp-millis':
    case 'timestamp-micros':
    // An instant too (Connect Timestamp): `timestamp`, as both Connect JDBC sinks
    // declare it; it holds the wall clock in db.timezone (values.ts).
    case 'timestamp-nanos': return 'timestamp';
    case 'zoned-timestamp': return 'timestamptz';
    case 'zoned-time': return 'time with time zone';
    case 'variable-decimal': return 'numeric';
    case 'json': return 'json';
    case 'xml': return 'xml';
    case 'bits': return ft.length > 0 ? `bit varying(${ft.length})` : 'bit varying';
    case 'array': {
      const items = ft.items;
      // PostgreSQL arrays hold scalars; arrays of records, maps or arrays are JSON.
      if (items.kind === 'array' || items.kind === 'record' || items.kind === 'map' || items.kind === 'any' || items.kind === 'null') return 'jsonb';
      // Confluent's dialect: getSqlType of the element + "[]" (DECIMAL[] for decimals).
      return `${sqlTypeFor(items, dialect)}[]`;
    }
    case 'record':
    case 'map':
    case 'any': return 'jsonb';
  }
}

export interface ColumnTypeInfo {
  readonly typeOid: number;
  readonly elemOid: number;
  /** atttypmod: numeric precision/scale, varchar length; -1 when unconstrained. */
  readonly typmod: number;
}

export type Fit = { kind: 'ok' } | { kind: 'widen'; to: string } | { kind: 'incompatible' };

const OK: Fit = { kind: 'ok' };
// Decimal digits of the widest value of an integer of so many bits.
const DIGITS: Record<number, number> = { 8: 3, 16: 5, 32: 10, 64: 19 };
const NO: Fit = { kind: 'incompatible' };

/**
 * A numeric column's precision and scale from its atttypmod; undefined when
 * unconstrained. The scale is 11 bits, signed: PostgreSQL 15 allows numeric(p,s)
 * with s < 0 (rounds to tens, hundreds…) or s > p (numeric_typmod_scale in numeric.c).
 */
export function numericTypmod(typmod: number): { precision: number; scale: number } | undefined {
  if (typmod < 4) return undefined;
  const t = typmod - 4;
  return { precision: (t >> 16) & 0xffff, scale: ((t & 0x7ff) ^ 0x400) - 0x400 };
}

type Family = 'bool' | 'int' | 'float' | 'numeric' | 'text' | 'json' | 'bytea' | 'date' | 'time' | 'ts' | 'uuid' | 'timetz' | 'xml' | 'bit' | 'array' | 'other';

function familyOf(typeOid: number, elemOid: number): Family {
  switch (typeOid) {
    case OID.bool: return 'bool';
    case OID.int2: case OID.int4: case OID.int8: return 'int';
    case OID.float4: case OID.float8: return 'float';
    case OID.numeric: return 'numeric';
    case OID.text: case OID.varchar: case OID.bpchar: case OID.name: return 'text';
    case OID.json: case OID.jsonb: return 'json';
    case OID.bytea: return 'bytea';
    case OID.date: return 'date';
    case OID.time: return 'time';
    case OID.timestamp: case OID.timestamptz: return 'ts';
    case OID.uuid: return 'uuid';
    case OID.timetz: return 'timetz';
    case OID.xml: return 'xml';
    case OID.bit: case OID.varbit: return 'bit';
  }
  return elemOid !== 0 ? 'array' : 'other';
}

/**
 * Whether a column takes a field's values. `ok` covers the lenient pairs the
 * value writers handle every time (anything into text or JSON, ISO strings
 * into timestamps, epoch numbers into timestamps, decimal strings into
 * numeric); `widen` is a safe ALTER TYPE (int→bigint, real→double, a larger
 * numeric); `incompatible` is a narrowing or a change of kind. Schemaless
 * (inferred) numbers are JSON numbers, so there an integer column widens to
 * double precision when fractions turn up.
 */
export function fitColumn(col: ColumnTypeInfo, ft: FieldType, schemaless = false, dialect: DdlDialect = 'confluent'): Fit {
  const fam = familyOf(col.typeOid, col.elemOid);
  if (fam === 'other') return NO;
  if (fam === 'text' || fam === 'json' || ft.kind === 'null' || ft.kind === 'any') return OK;
  switch (ft.kind) {
    case 'boolean':
      return fam === 'bool' ? OK : NO;
    case 'int32':
    case 'int64': {
      if (fam === 'int') {
        if (col.typeOid === OID.int2) return ft.kind === 'int32' && ft.width !== undefined ? OK : { kind: 'widen', to: ft.kind === 'int32' ? 'integer' : 'bigint' };
        if (col.typeOid === OID.int4 && ft.kind === 'int64') return { kind: 'widen', to: 'bigint' };
        return OK;
      }
      if (fam === 'float') return schemaless && col.typeOid === OID.float4 ? { kind: 'widen', to: 'double precision' } : OK;
      if (fam === 'numeric') {
        const nm = numericTypmod(col.typmod);
        const digits = DIGITS[intBits(ft)!]!;
        // A negative scale (PostgreSQL 15) would round the integer: widen to scale 0.
        if (nm && nm.scale < 0) return { kind: 'widen', to: `numeric(${Math.max(digits, nm.precision - nm.scale)},0)` };
        if (nm && nm.precision - nm.scale < digits) return { kind: 'widen', to: `numeric(${digits + nm.scale},${nm.scale})` };
        return OK;
      }
      return fam === 'ts' || fam === 'date' || fam === 'time' ? OK : NO;
    }
    case 'float32':
    case 'float64':
      if (fam === 'float') return col.typeOid === OID.float4 && ft.kind === 'float64' ? { kind: 'widen', to: 'double precision' } : OK;
      if (fam === 'numeric') return OK;
      if (fam === 'int') return schemaless ? { kind: 'widen', to: 'double precision' } : NO;
      return NO;
    case 'decimal': {
      if (fam === 'numeric') {
        const nm = numericTypmod(col.typmod);
        if (!nm) return OK;
        const intDigits = Math.max(ft.precision - ft.scale, nm.precision - nm.scale);
        const scale = Math.max(ft.scale, nm.scale);
        if (ft.precision - ft.scale > nm.precision - nm.scale || ft.scale > nm.scale) {
          // Confluent's class declares a Decimal unconstrained (decimalType): a column that must change
          // becomes that, which PostgreSQL does without rewriting the table. Debezium's: the smallest that holds both.
          if (dialect === 'confluent') return { kind: 'widen', to: 'numeric' };
          return intDigits + scale <= 1000 && scale >= 0 ? { kind: 'widen', to: `numeric(${intDigits + scale},${scale})` } : { kind: 'widen', to: 'numeric' };
        }
        return OK;
      }
      if (fam === 'float') return OK;
      if (fam === 'int' && ft.scale === 0) {
        const max = col.typeOid === OID.int2 ? 4 : col.typeOid === OID.int4 ? 9 : 18;
        return ft.precision <= max ? OK : NO;
      }
      return NO;
    }
    case 'string':
    case 'enum':
    case 'uuid':
      return fam === 'uuid' || fam === 'numeric' || fam === 'date' || fam === 'time' || fam === 'ts' || fam === 'bytea' ? OK : NO;
    case 'bytes':
    case 'fixed':
      return fam === 'bytea' || fam === 'uuid' ? OK : NO;
    case 'date':
      return fam === 'date' || fam === 'ts' ? OK : NO;
    case 'time-millis':
    case 'time-micros':
    case 'time-nanos':
      return fam === 'time' ? OK : NO;
    case 'zoned-timestamp':
      return fam === 'ts' ? OK : NO;
    case 'zoned-time':
      return fam === 'timetz' ? OK : NO;
    case 'variable-decimal':
      // Any scale: only an unconstrained numeric holds every value exactly.
      if (fam === 'numeric') return numericTypmod(col.typmod) ? { kind: 'widen', to: 'numeric' } : OK;
      return NO;
    case 'json':
      return NO; // text and JSON columns were taken above
    case 'xml':
      return fam === 'xml' ? OK : NO;
    case 'bits':
      return fam === 'bit' ? OK : NO;
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'timestamp-nanos':
      return fam === 'ts' || col.typeOid === OID.int8 || fam === 'numeric' ? OK : NO;
    case 'array': {
      if (fam !== 'array') return NO;
      const inner = fitColumn({ typeOid: col.elemOid, elemOid: 0, typmod: col.typmod }, ft.items, schemaless, dialect);
      return inner.kind === 'ok' ? OK : NO;
    }
    case 'record':
    case 'map':
      return NO;
  }
}
