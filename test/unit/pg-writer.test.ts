// The PostgreSQL group writer's control flow with a fake connection: a table
// changed under the plan sends the group through a staging table, a row
// PostgreSQL refuses sends it row range by row range, each at most once, and
// anything else fails the group as it is.
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import type { EncodedBatch, RejectedRecord } from '../../src/sinks/common/sink.js';
import { TableState } from '../../src/sinks/postgres/planner.js';
import { OUTPUT_HEADER_BYTES, readOutputHeader, writeOutputHeader, type PgColumn, type PgPlan } from '../../src/sinks/postgres/protocol.js';
import { classifyPgError, type PgService } from '../../src/sinks/postgres/service.js';
import { OID } from '../../src/sinks/postgres/types.js';
import { GroupWriter, type Pending } from '../../src/sinks/postgres/writer.js';

const TUPLE = 14; // int16 field count, int32 length, int64 value

const column: PgColumn = { name: 'id', typeOid: OID.int8, typeName: 'int8', elemOid: 0, typmod: -1, sqlType: 'bigint', notNull: true, pk: false, source: { from: 'value', field: 'id' } };
const plan = { id: 7, table: '"t"', columns: [column], staged: false, deletes: false, missingTable: false, autoEvolve: false } as unknown as PgPlan;

/** An encoded batch of one int8 column holding each record's offset. */
function encoded(offsets: number[]): SharedArrayBuffer {
  const tupleBytes = offsets.length * TUPLE;
  const out = new SharedArrayBuffer(OUTPUT_HEADER_BYTES + tupleBytes + offsets.length * 8);
  const v = new DataView(out);
  offsets.forEach((o, i) => {
    const at = OUTPUT_HEADER_BYTES + i * TUPLE;
    v.setInt16(at, 1);
    v.setInt32(at + 2, 8);
    v.setBigInt64(at + 6, BigInt(o));
    // Native byte order, as the encoder's Float64Array writes them.
    v.setFloat64(OUTPUT_HEADER_BYTES + tupleBytes + i * 8, o, true);
  });
  writeOutputHeader(out, { planId: plan.id, rows: offsets.length, deletes: 0, tupleBytes });
  return out;
}

function valuesOf(chunks: readonly Uint8Array[]): number[] {
  const out: number[] = [];
  for (const c of chunks) {
    const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
    for (let at = 0; at < c.byteLength; at += TUPLE) out.push(Number(v.getBigInt64(at + 6)));
  }
  return out;
}

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

interface Script {
  /** Thrown by the COPY straight into the table, for the n-th direct COPY (1-based) or when a bad value is in it. */
  directCopy?: (n: number, values: number[]) => Error | undefined;
  /** Thrown by the INSERT from the staging table when it holds these values. */
  insert?: (values: number[]) => Error | undefined;
}

function setup(script: Script) {
  const calls: string[] = [];
  const warnings: string[] = [];
  let directCopies = 0;
  let stage: number[] = [];
  const client = {
    query: async (sql: string) => {
      if (sql.startsWith('SELECT attname')) return { rows: [{ name: 'id', oid: OID.int8 }] };
      if (sql.startsWith('INSERT INTO "t"')) {
        calls.push(`insert ${stage.join(',')}`);
        const err = script.insert?.(stage);
        if (err) throw err;
      }
      if (sql.startsWith('TRUNCATE pg_temp')) stage = [];
      return { rows: [] };
    },
  };
  const service = {
    transaction: async (what: string, fn: (c: unknown) => Promise<unknown>, onCommitted?: (c: unknown) => void) => {
      calls.push('begin');
      try {
        const out = await fn(client);
        onCommitted?.(client);
        calls.push('commit');
        return out;
      } catch (err) {
        calls.push('rollback');
        throw classifyPgError(err, what);
      }
    },
    copyBinary: async (_c: unknown, table: string, _cols: string[], chunks: Uint8Array[]) => {
      const values = valuesOf(chunks);
      if (table === '"t"') {
        calls.push(`copy t ${values.join(',')}`);
        const err = script.directCopy?.(++directCopies, values);
        if (err) throw err;
      } else {
        calls.push(`copy stage ${values.join(',')}`);
        stage = values;
      }
      return values.length;
    },
  } as unknown as PgService;
  const log = { warn: (_o: unknown, m: string) => warnings.push(m), info: () => {}, debug: () => {} } as unknown as Logger;
  const writer = new GroupWriter({ service, mode: 'insert', offsets: undefined, retry: { maxRetries: 0, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 0, log }, log });
  return { writer, calls, warnings };
}

function group(offsets: number[], state: TableState, deadLetters?: RejectedRecord[][]): Pending[] {
  const output = encoded(offsets);
  const batch = {
    topic: 'x', partition: 0, firstOffset: offsets[0]!, lastOffset: offsets.at(-1)!, records: offsets.length, rows: offsets.length, tombstones: 0, output,
    outputBytes: output.byteLength, ...(deadLetters ? { deadLetter: async (r: readonly RejectedRecord[]) => void deadLetters.push([...r]) } : {}),
  } as EncodedBatch;
  return [{ batch, segments: [{ output, header: readOutputHeader(output), plan, state, truncate: false }], resolve: () => {}, reject: () => {} }];
}

describe('GroupWriter', () => {
  it('writes a group in one transaction, straight into the table', async () => {
    const { writer, calls, warnings } = setup({});
    expect(await writer.write(group([0, 1, 2], new TableState({ table: 't' })))).toEqual(new Set());
    expect(calls).toEqual(['begin', 'copy t 0,1,2', 'commit']);
    expect(warnings).toEqual([]);
  });

  it('a table changed under the plan: the same bytes again through a staging table of the plan\'s types, and the plan is dropped', async () => {
    const state = new TableState({ table: 't' });
    state.current = Promise.resolve(plan);
    const { writer, calls, warnings } = setup({ directCopy: (n) => (n === 1 ? pgError('22P03', 'incorrect binary data format') : undefined) });
    await writer.write(group([0, 1, 2], state));
    expect(calls).toEqual(['begin', 'copy t 0,1,2', 'rollback', 'begin', 'copy stage 0,1,2', 'insert 0,1,2', 'commit']);
    expect(state.current).toBeUndefined();
    expect(warnings).toEqual(['table changed under the plan; writing through a staging table and re-planning']);
  });

  it('then a refused row: row ranges under savepoints find it; it goes to the dead-letter topic and the rest is written', async () => {
    const state = new TableState({ table: 't' });
    const dead: RejectedRecord[][] = [];
    const { writer, calls, warnings } = setup({
      directCopy: (n) => (n === 1 ? pgError('22P03', 'incorrect binary data format') : undefined),
      insert: (values) => (values.includes(2) ? pgError('23502', 'null value in column "id"') : undefined),
    });
    await writer.write(group([0, 1, 2, 3], state, dead));
    expect(warnings).toEqual([
      'table changed under the plan; writing through a staging table and re-planning',
      'PostgreSQL refused a row; writing the group again row range by row range to find it',
      'rows PostgreSQL refused went to the dead-letter topic; the rest are written',
    ]);
    // Direct, then staged, then staged row by row: each way at most once, never direct again.
    expect(calls.filter((c) => c === 'begin')).toHaveLength(3);
    expect(calls.filter((c) => c.startsWith('copy t'))).toEqual(['copy t 0,1,2,3']);
    expect(calls.at(-1)).toBe('commit');
    // The rows around the refused one are written, in order, in the committed transaction.
    const last = calls.lastIndexOf('begin');
    expect(calls.slice(last).filter((c) => c.startsWith('insert') && !c.includes('2'))).toEqual(['insert 0,1', 'insert 3']);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.map((r) => r.offset)).toEqual([2]);
    expect(dead[0]![0]!.reason).toMatch(/^"t" refused the row: null value in column "id" \(SQLSTATE 23502\)/);
  });

  it('a refused row in a direct COPY: row ranges straight into the table; without a dead-letter topic Sluice stops naming the record', async () => {
    const { writer, calls } = setup({ directCopy: (_n, values) => (values.includes(1) ? pgError('23505', 'duplicate key value violates unique constraint "t_pkey"') : undefined) });
    const err = await writer.write(group([0, 1, 2], new TableState({ table: 't' }))).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^write failed at topic x partition 0 offset 1: "t" refused the row: duplicate key value/);
    expect((err as SluiceError).action).toBe('dead-letter');
    // Never through a staging table: the table did not change.
    expect(calls.some((c) => c.startsWith('copy stage'))).toBe(false);
  });

  it('any other failure fails the group as it is, after one transaction', async () => {
    const { writer, calls } = setup({ directCopy: () => pgError('42P01', 'relation "t" does not exist') });
    const err = await writer.write(group([0], new TableState({ table: 't' }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).action).toBe('stop');
    expect(calls).toEqual(['begin', 'copy t 0', 'rollback']);
  });
});
