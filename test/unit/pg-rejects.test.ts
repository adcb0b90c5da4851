import { describe, expect, it } from 'vitest';
import { copyLine, isolateRejects, isRowDataError, rejectReason, tupleStarts } from '../../src/sinks/postgres/rejects.js';

/** A stand-in for PostgreSQL that refuses some rows: each attempt of a range fails at its first bad row. */
function fakeTable(bad: Set<number>, withLines: boolean) {
  const written: number[] = [];
  let attempts = 0;
  const attempt = async (lo: number, hi: number) => {
    attempts++;
    for (let i = lo; i < hi; i++) {
      if (bad.has(i)) return { code: '23514', message: 'violates check constraint', where: withLines ? `COPY t, line ${i - lo + 1}, column c: "x"` : undefined };
    }
    for (let i = lo; i < hi; i++) written.push(i);
    return undefined;
  };
  return { written, attempt, attempts: () => attempts };
}

describe('finding the rows PostgreSQL refuses', () => {
  for (const withLines of [true, false]) {
    it(`writes every other row once, in order, and reports exactly the bad ones (${withLines ? 'COPY line numbers' : 'halving'})`, async () => {
      for (const bad of [[], [0], [999], [5, 6, 7], [1, 500, 501, 998], Array.from({ length: 50 }, (_, i) => i * 20)]) {
        const t = fakeTable(new Set(bad), withLines);
        const rejected: number[] = [];
        await isolateRejects(1000, t.attempt, async (row) => void rejected.push(row));
        expect(rejected).toEqual(bad);
        expect(t.written).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((i) => !bad.includes(i)));
        // Line numbers make it a few attempts per bad row; halving logarithmic per bad row.
        // (plus one ramp of doublings, log2(1000) attempts, after a run of bad rows)
        expect(t.attempts()).toBeLessThanOrEqual(withLines ? 22 + 4 * bad.length : 22 + bad.length * 2 * 11);
      }
    });
  }

  it('costs about one attempt per row, and re-sends little, when most rows are bad', async () => {
    for (const withLines of [true, false]) {
      const bad = new Set(Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 10 !== 3));
      const t = fakeTable(bad, withLines);
      let sent = 0;
      const counting = async (lo: number, hi: number) => {
        sent += hi - lo;
        return t.attempt(lo, hi);
      };
      const rejected: number[] = [];
      await isolateRejects(2000, counting, async (row) => void rejected.push(row));
      expect(rejected.length).toBe(bad.size);
      expect(t.written.length).toBe(200);
      expect(t.attempts()).toBeLessThanOrEqual(withLines ? 2.5 * 2000 : 4 * 2000);
      // Rows sent over all attempts: linear, not quadratic (the whole remainder again per bad row would be ~2M).
      expect(sent).toBeLessThanOrEqual(10 * 2000);
    }
  });

  it('stops at the first refused row when the caller throws', async () => {
    const t = fakeTable(new Set([3, 8]), true);
    await expect(isolateRejects(10, t.attempt, async (row) => { throw new Error(`row ${row}`); })).rejects.toThrow('row 3');
  });

  it('reads SQLSTATE classes, COPY line numbers and reasons without the row data', () => {
    expect(['22001', '22003', '23502', '23505', '23514', '23503'].every(isRowDataError)).toBe(true);
    expect(['22P03', '08006', '40001', '42P01', undefined].some(isRowDataError)).toBe(false);
    const err = { message: 'value too long for type character varying(3)', code: '22001', where: 'COPY t, line 17, column name: "secret-ish value"' };
    expect(copyLine(err)).toBe(17);
    expect(copyLine({ where: 'SQL statement "INSERT …"' })).toBeUndefined();
    expect(rejectReason(err)).toBe('value too long for type character varying(3) (SQLSTATE 22001) column name');
    expect(rejectReason(err)).not.toContain('secret');
  });

  it('splits binary COPY tuple data into rows', () => {
    const tuple = (...fields: (Buffer | null)[]) => Buffer.concat([Buffer.from([0, fields.length]), ...fields.map((f) => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      return f === null ? len : Buffer.concat([len, f]);
    })]);
    const rows = [tuple(Buffer.from('ab'), null), tuple(Buffer.alloc(0), Buffer.from([1, 2, 3, 4])), tuple(null, null)];
    const all = Buffer.concat(rows);
    const starts = tupleStarts(new Uint8Array(all.buffer, all.byteOffset, all.length), 3);
    expect(Array.from(starts)).toEqual([0, rows[0]!.length, rows[0]!.length + rows[1]!.length, all.length]);
    expect(() => tupleStarts(new Uint8Array(all.buffer, all.byteOffset, all.length), 2)).toThrow(/end at byte/);
  });
});
