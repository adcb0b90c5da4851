// auto.create and auto.evolve as SQL. Pure: given the catalog and the columns
// a record asks for, say what to CREATE / ALTER, or what cannot be done.
// Evolution only ever adds nullable columns (or, as Debezium's JDBC sink, a
// required field with a default as NOT NULL DEFAULT), widens a type safely or
// drops a NOT NULL; it never drops a column or narrows a type.
import { intBits, type FieldType } from '../../workers/schema.js';
import type { DesiredColumn } from './columns.js';
import { quoteIdent } from './names.js';
import type { CatalogColumn } from './service.js';
import { fitColumn, sqlTypeFor, type DdlDialect } from './types.js';
import { epochMicros, isoFromEpoch, type Exact } from '../common/timestamps.js';
import { wallMicros, zoneOffsets, type ZoneOffsets } from './wall-clock.js';

/**
 * CREATE TABLE for auto.create, as the connector class' sink would write it (`dialect`, Confluent's
 * by default). A required field with a default: Debezium's JDBC sink makes it NOT NULL DEFAULT x;
 * Confluent's (GenericDatabaseDialect.writeColumnSpec) writes DEFAULT x and no NOT NULL, so the
 * column is nullable unless it is in the primary key. Column types: sqlTypeFor.
 */
export function createTableSql(target: string, cols: readonly DesiredColumn[], opts: { dialect?: DdlDialect; timeZone?: string } = {}): string {
  if (cols.length === 0) throw new Error('a table needs at least one column');
  const dialect = opts.dialect ?? 'confluent';
  const zone = zoneOffsets(opts.timeZone);
  const defs = cols.map((c) => {
    const dflt = defaultClause(c.type, c.default, zone);
    const notNull = c.pk || (!c.optional && (dflt === '' || dialect === 'debezium'));
    return `${quoteIdent(c.name)} ${sqlTypeFor(c.type, dialect)}${dflt}${notNull ? ' NOT NULL' : ''}`;
  });
  const pk = cols.filter((c) => c.pk).map((c) => quoteIdent(c.name));
  if (pk.length > 0) defs.push(`PRIMARY KEY (${pk.join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${target} (${defs.join(', ')})`;
}

/**
 * The schema's default for a field as a SQL constant, as Kafka Connect's JDBC
 * sink writes it into CREATE TABLE and ADD COLUMN; undefined when there is
 * none, it is null, or the type has no plain literal (bytes, decimals, records).
 * `zone`: the zone whose wall clock an instant's `timestamp` column holds
 * (db.timezone under Confluent's class, wall-clock.ts); absent: UTC.
 */
export function defaultLiteral(ft: FieldType, v: unknown, zone?: ZoneOffsets): string | undefined {
  if (v === undefined || v === null) return undefined;
  switch (ft.kind) {
    case 'boolean':
      return typeof v === 'boolean' ? String(v).toUpperCase() : undefined;
    case 'int32':
    case 'int64': {
      const limit = 2n ** BigInt(intBits(ft)! - 1);
      const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
      return b !== undefined && b >= -limit && b < limit ? String(b) : undefined;
    }
    case 'float32':
    case 'float64':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
    case 'string':
    case 'enum':
      return typeof v === 'string' && !v.includes('\u0000') ? quoteLiteral(v) : undefined;
    case 'uuid':
      return typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ? quoteLiteral(v) : undefined;
    case 'date':
      return typeof v === 'number' && Number.isSafeInteger(v) ? `DATE '1970-01-01' + ${v}` : undefined;
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'timestamp-nanos': {
      // The column is `timestamp` (sqlTypeFor): a constant wall clock, as Confluent's formatColumnValue writes a
      // Connect Timestamp default (DateTimeUtils.formatTimestamp in db.timezone, quoted) and Debezium's
      // ConnectTimestampType (UTC) - the wall clock the values get (values.ts). An expression of timestamptz
      // would be turned into a wall clock in the time zone of whichever session inserts the row.
      if (!((typeof v === 'number' && Number.isSafeInteger(v)) || typeof v === 'bigint')) return undefined;
      let us: Exact;
      try {
        us = epochMicros(v, ft.kind);
      } catch {
        return undefined; // nanoseconds PostgreSQL cannot hold: left out rather than rounded
      }
      if (zone && !ft.local) us = wallMicros(us, zone);
      const iso = isoFromEpoch(us, 'timestamp-micros');
      // Years 1..9999 as ISO text; PostgreSQL's further years are left without a default.
      return iso !== undefined && /^\d{4}-/.test(iso) && !iso.startsWith('0000') ? `'${iso.slice(0, 10)} ${iso.slice(11, -1)}'` : undefined;
    }
    default:
      return undefined;
  }
}

function defaultClause(ft: FieldType, v: unknown, zone?: ZoneOffsets): string {
  const lit = defaultLiteral(ft, v, zone);
  return lit === undefined ? '' : ` DEFAULT ${lit}`;
}

/** An escape-string literal: right whatever standard_conforming_strings says. */
function quoteLiteral(s: string): string {
  return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export interface Evolution {
  add: { name: string; sqlType: string; default?: string; notNull?: boolean }[];
  widen: { name: string; from: string; to: string }[];
  dropNotNull: string[];
  /** Human descriptions of what differs and cannot be evolved. */
  incompatible: string[];
}

export interface WantedColumn {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  /** The schema's default for the field, if any. */
  readonly default?: unknown;
}

function describeType(ft: FieldType): string {
  switch (ft.kind) {
    case 'decimal': return `decimal(${ft.precision},${ft.scale})`;
    case 'array': return `array<${describeType(ft.items)}>`;
    case 'map': return 'map';
    case 'enum': return 'enum';
    default: return ft.kind;
  }
}

/**
 * What the table needs so that every wanted column fits. `absent` are value
 * columns the schema no longer has: NOT NULL on them is dropped (or every
 * record would fail). Inferred (schemaless) types widen integers to double.
 */
export function planEvolution(
  columns: readonly CatalogColumn[],
  wanted: readonly WantedColumn[],
  opts: {
    schemaless: boolean;
    absent?: readonly string[];
    /**
     * Whose DDL to follow (Confluent's by default): column types (sqlTypeFor,
     * fitColumn's widenings), and a required field that has a default, which
     * Debezium's JDBC sink adds as NOT NULL DEFAULT x and Confluent's as
     * DEFAULT x, nullable.
     */
    dialect?: DdlDialect;
    /** db.timezone where instants' `timestamp` columns hold its wall clock (defaultLiteral); absent: UTC. */
    timeZone?: string;
  },
): Evolution {
  const dialect = opts.dialect ?? 'confluent';
  const zone = zoneOffsets(opts.timeZone);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const ev: Evolution = { add: [], widen: [], dropNotNull: [], incompatible: [] };
  for (const w of wanted) {
    const col = byName.get(w.name);
    if (!col) {
      if (w.type.kind !== 'null') {
        const lit = defaultLiteral(w.type, w.default, zone);
        const notNull = dialect === 'debezium' && !w.optional && lit !== undefined;
        ev.add.push({ name: w.name, sqlType: sqlTypeFor(w.type, dialect), ...(lit === undefined ? {} : { default: lit }), ...(notNull ? { notNull } : {}) });
      }
      continue;
    }
    if (col.generated) {
      ev.incompatible.push(`column "${col.name}" is generated, but the record has a field "${w.name}" for it`);
      continue;
    }
    const fit = fitColumn(col, w.type, opts.schemaless, dialect);
    if (fit.kind === 'widen') ev.widen.push({ name: col.name, from: col.sqlType, to: fit.to });
    else if (fit.kind === 'incompatible') {
      ev.incompatible.push(`column "${col.name}" is ${col.sqlType} but field "${w.name}" is ${describeType(w.type)}${opts.schemaless ? ' (inferred from the data)' : ''}`);
    }
    if (w.optional && col.notNull && !col.pk) ev.dropNotNull.push(col.name);
  }
  for (const name of opts.absent ?? []) {
    const col = byName.get(name);
    if (col && col.notNull && !col.pk && !ev.dropNotNull.includes(name)) ev.dropNotNull.push(name);
  }
  return ev;
}

export function isEmptyEvolution(ev: Evolution): boolean {
  return ev.add.length === 0 && ev.widen.length === 0 && ev.dropNotNull.length === 0;
}

/** One ALTER TABLE with every action; IF NOT EXISTS makes a racing instance's ADD harmless. */
export function alterTableSql(target: string, ev: Evolution): string | undefined {
  const actions = [
    ...ev.add.map((a) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(a.name)} ${a.sqlType}${a.default === undefined ? '' : ` DEFAULT ${a.default}`}${a.notNull ? ' NOT NULL' : ''}`),
    ...ev.widen.map((w) => `ALTER COLUMN ${quoteIdent(w.name)} TYPE ${w.to}`),
    ...ev.dropNotNull.map((n) => `ALTER COLUMN ${quoteIdent(n)} DROP NOT NULL`),
  ];
  return actions.length > 0 ? `ALTER TABLE ${target} ${actions.join(', ')}` : undefined;
}
