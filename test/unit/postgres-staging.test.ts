import { describe, expect, it } from 'vitest';
import type { PgColumn } from '../../src/sinks/postgres/protocol.js';
import { applyStatements, stagingDdl } from '../../src/sinks/postgres/staging.js';

function col(name: string, sqlType: string, pk = false): PgColumn {
  return { name, sqlType, pk, typeOid: 0, typeName: '', elemOid: 0, typmod: -1, notNull: pk, source: { from: 'value', field: name } };
}

const columns = [col('id', 'bigint', true), col('na"me', 'text'), col('qty', 'integer')];
const base = { target: '"s"."t"', stage: 'pg_temp."sluice_stage_1"', columns, staged: true };

describe('staged writes', () => {
  it('the staging table is temporary, emptied at each commit, with seq and del columns and no constraints', () => {
    expect(stagingDdl(1, columns, true)).toBe(
      'CREATE TEMP TABLE IF NOT EXISTS "sluice_stage_1" ("id" bigint, "na""me" text, "qty" integer, "__sluice_seq" bigint, "__sluice_del" boolean) ON COMMIT DELETE ROWS');
  });

  it('upsert keeps the last row per key by offset and updates every other column', () => {
    expect(applyStatements({ ...base, mode: 'upsert', hasDeletes: false })).toEqual([
      'INSERT INTO "s"."t" ("id", "na""me", "qty") SELECT "id", "na""me", "qty" FROM (SELECT DISTINCT ON ("id") * FROM pg_temp."sluice_stage_1" ORDER BY "id", "__sluice_seq" DESC) s ' +
        'ON CONFLICT ("id") DO UPDATE SET "na""me" = EXCLUDED."na""me", "qty" = EXCLUDED."qty"',
    ]);
  });

  it('upsert assuming unique keys skips DISTINCT ON (the caller falls back on SQLSTATE 21000)', () => {
    expect(applyStatements({ ...base, mode: 'upsert', hasDeletes: false, assumeUniqueKeys: true })).toEqual([
      'INSERT INTO "s"."t" ("id", "na""me", "qty") SELECT "id", "na""me", "qty" FROM pg_temp."sluice_stage_1" s ' +
        'ON CONFLICT ("id") DO UPDATE SET "na""me" = EXCLUDED."na""me", "qty" = EXCLUDED."qty"',
    ]);
  });

  it('upsert with deletes: one statement, deleting keys whose last operation is a delete', () => {
    const [sql] = applyStatements({ ...base, mode: 'upsert', hasDeletes: true });
    expect(sql).toContain('WITH last AS MATERIALIZED (SELECT DISTINCT ON ("id") * FROM pg_temp."sluice_stage_1" ORDER BY "id", "__sluice_seq" DESC)');
    expect(sql).toContain('gone AS (DELETE FROM "s"."t" t USING last l WHERE l."__sluice_del" AND t."id" = l."id")');
    expect(sql).toContain('FROM last s WHERE NOT s."__sluice_del" ON CONFLICT ("id") DO UPDATE');
  });

  it('update deletes keys with any delete and updates the rest from their last row', () => {
    const stmts = applyStatements({ ...base, mode: 'update', hasDeletes: true });
    expect(stmts).toHaveLength(2);
    expect(stmts[0]).toBe('DELETE FROM "s"."t" t USING (SELECT DISTINCT "id" FROM pg_temp."sluice_stage_1" WHERE "__sluice_del") d WHERE t."id" = d."id"');
    expect(stmts[1]).toMatch(/^UPDATE "s"\."t" t SET "na""me" = l\."na""me", "qty" = l\."qty" FROM \(SELECT DISTINCT ON \("id"\) \* FROM .* WHERE NOT s\."__sluice_del" AND NOT EXISTS/);
  });

  it('insert with deletes inserts only rows after the key\'s last delete', () => {
    const stmts = applyStatements({ ...base, mode: 'insert', hasDeletes: true });
    expect(stmts[1]).toContain('AND NOT EXISTS (SELECT 1 FROM pg_temp."sluice_stage_1" x WHERE x."__sluice_del" AND x."id" = s."id" AND x."__sluice_seq" > s."__sluice_seq")');
  });

  it('a table with only key columns upserts with DO NOTHING', () => {
    const stmts = applyStatements({ ...base, columns: [col('id', 'bigint', true)], mode: 'upsert', hasDeletes: false });
    expect(stmts[0]).toMatch(/ON CONFLICT \("id"\) DO NOTHING$/);
  });
});
