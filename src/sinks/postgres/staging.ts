// The SQL of a staged write. A group of batches is COPYed (binary) into a
// per-connection temporary table shaped like the plan's columns plus
// __sluice_seq (the record's offset) and __sluice_del (a tombstone); set-based
// statements then apply it to the target, keeping Kafka's per-partition order
// per key:
//   upsert: the last operation per key wins (DISTINCT ON key ORDER BY seq DESC):
//           a delete removes the row, anything else is INSERT … ON CONFLICT DO UPDATE.
//   update: keys with a delete are deleted (an UPDATE after a DELETE finds no
//           row); the others take their last row with UPDATE … FROM.
//   insert: keys with a delete are deleted; rows after a key's last delete are
//           inserted (rows before it would have been deleted).
// Never one statement per row, and no bind parameters at all.
import { quoteIdent } from './names.js';
import { DEL_COLUMN, SEQ_COLUMN, type PgColumn } from './protocol.js';

export type InsertMode = 'insert' | 'upsert' | 'update';

export function stagingTable(planId: number): { create: string; ref: string; name: string } {
  const name = `sluice_stage_${planId}`;
  return { name, create: quoteIdent(name), ref: `pg_temp.${quoteIdent(name)}` };
}

/** ON COMMIT DELETE ROWS: the table lives as long as the connection and is empty at every transaction's start. */
export function stagingDdl(planId: number, columns: readonly PgColumn[], staged: boolean): string {
  const cols = columns.map((c) => `${quoteIdent(c.name)} ${c.sqlType}`);
  if (staged) cols.push(`${quoteIdent(SEQ_COLUMN)} bigint`, `${quoteIdent(DEL_COLUMN)} boolean`);
  return `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable(planId).create} (${cols.join(', ')}) ON COMMIT DELETE ROWS`;
}

export function copyColumns(columns: readonly PgColumn[], staged: boolean): string[] {
  const names = columns.map((c) => c.name);
  if (staged) names.push(SEQ_COLUMN, DEL_COLUMN);
  return names;
}

function join(a: string, b: string, keys: readonly string[]): string {
  return keys.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
}

export interface ApplyOptions {
  mode: InsertMode;
  target: string;
  stage: string;
  columns: readonly PgColumn[];
  /** The staging table has __sluice_seq / __sluice_del. */
  staged: boolean;
  /** The group holds delete tuples. */
  hasDeletes: boolean;
  /**
   * upsert without deletes: skip DISTINCT ON and let PostgreSQL find
   * duplicates (SQLSTATE 21000, "cannot affect row a second time"); the
   * caller runs it under a savepoint and falls back to the deduplicating form.
   */
  assumeUniqueKeys?: boolean;
}

/** Statements, in order, that move the staging table into the target. */
export function applyStatements(o: ApplyOptions): string[] {
  const cols = o.columns.map((c) => quoteIdent(c.name));
  const colList = cols.join(', ');
  const keys = o.columns.filter((c) => c.pk).map((c) => quoteIdent(c.name));
  const rest = o.columns.filter((c) => !c.pk).map((c) => quoteIdent(c.name));
  const seq = quoteIdent(SEQ_COLUMN);
  const del = quoteIdent(DEL_COLUMN);
  const sColList = cols.map((c) => `s.${c}`).join(', ');
  if (!o.staged) {
    // A plan without seq/del columns only reaches here as a plain insert (e.g. encoded before a widening).
    return [`INSERT INTO ${o.target} (${colList}) SELECT ${colList} FROM ${o.stage}`];
  }
  if (keys.length === 0) throw new Error(`insert.mode=${o.mode} / delete.enabled need key columns`);
  const keyList = keys.join(', ');
  const deletedKeys = `SELECT DISTINCT ${keyList} FROM ${o.stage} WHERE ${del}`;
  const deleteAny = `DELETE FROM ${o.target} t USING (${deletedKeys}) d WHERE ${join('t', 'd', keys)}`;
  switch (o.mode) {
    case 'upsert': {
      const last = `SELECT DISTINCT ON (${keyList}) * FROM ${o.stage} ORDER BY ${keyList}, ${seq} DESC`;
      const conflict = rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'DO NOTHING';
      if (!o.hasDeletes) {
        const from = o.assumeUniqueKeys ? o.stage : `(${last})`;
        return [`INSERT INTO ${o.target} (${colList}) SELECT ${colList} FROM ${from} s ON CONFLICT (${keyList}) ${conflict}`];
      }
      // Keys whose last operation is a delete, and keys whose last one is a write, are disjoint sets.
      return [
        `WITH last AS MATERIALIZED (${last}), gone AS (DELETE FROM ${o.target} t USING last l WHERE l.${del} AND ${join('t', 'l', keys)}) ` +
          `INSERT INTO ${o.target} (${colList}) SELECT ${sColList} FROM last s WHERE NOT s.${del} ON CONFLICT (${keyList}) ${conflict}`,
      ];
    }
    case 'update': {
      const out: string[] = [];
      if (o.hasDeletes) out.push(deleteAny);
      if (rest.length > 0) {
        const noDelete = o.hasDeletes ? ` AND NOT EXISTS (SELECT 1 FROM ${o.stage} x WHERE x.${del} AND ${join('x', 's', keys)})` : '';
        const last = `SELECT DISTINCT ON (${keyList}) * FROM ${o.stage} s WHERE NOT s.${del}${noDelete} ORDER BY ${keyList}, ${seq} DESC`;
        out.push(`UPDATE ${o.target} t SET ${rest.map((c) => `${c} = l.${c}`).join(', ')} FROM (${last}) l WHERE ${join('t', 'l', keys)}`);
      }
      return out;
    }
    case 'insert': {
      if (!o.hasDeletes) return [`INSERT INTO ${o.target} (${colList}) SELECT ${sColList} FROM ${o.stage} s WHERE NOT s.${del}`];
      return [
        deleteAny,
        `INSERT INTO ${o.target} (${colList}) SELECT ${sColList} FROM ${o.stage} s WHERE NOT s.${del} ` +
          `AND NOT EXISTS (SELECT 1 FROM ${o.stage} x WHERE x.${del} AND ${join('x', 's', keys)} AND x.${seq} > s.${seq})`,
      ];
    }
  }
}
