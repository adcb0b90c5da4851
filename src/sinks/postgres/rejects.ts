// Rows PostgreSQL refuses. A data error (SQLSTATE class 22: a value too long,
// a numeric overflow; class 23: NOT NULL, CHECK, UNIQUE, FOREIGN KEY) comes
// from one row, but it aborts the whole COPY. The sink then writes the group
// again in ranges, each under a SAVEPOINT, narrowing down to the rows that
// fail on their own: "reject only these rows of the batch". With
// errors.tolerance=all those records go to the dead-letter topic (before the
// transaction commits, so before their offsets can move); otherwise Sluice
// stops, naming the record's topic, partition and offset.

/** A data error a single row causes: rejecting that row can help, retrying cannot. */
export function isRowDataError(code: string | undefined): boolean {
  if (!code) return false;
  // 22P03 (invalid binary representation) means the plan's types no longer match the table: not one row's fault.
  return (code.startsWith('22') && code !== '22P03') || code.startsWith('23');
}

export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** PostgreSQL's "COPY t, line N, column c: …" context: the 1-based tuple that failed, when given. */
export function copyLine(err: unknown): number | undefined {
  const where = (err as { where?: unknown } | undefined)?.where;
  const m = typeof where === 'string' ? /\bCOPY [^\n]*?, line (\d+)/.exec(where) : null;
  return m ? Number(m[1]) : undefined;
}

/** Why a row was refused, without the row's data (PostgreSQL's context line quotes the value). */
export function rejectReason(err: unknown): string {
  const e = err as { message?: string; code?: string; detail?: string; column?: string; constraint?: string; where?: string };
  const column = e.column ?? (typeof e.where === 'string' ? /, column ([^:\n]+)/.exec(e.where)?.[1] : undefined);
  return [
    e.message ?? String(err),
    e.code ? `(SQLSTATE ${e.code})` : '',
    column ? `column ${column}` : '',
    e.constraint ? `constraint ${e.constraint}` : '',
    e.detail ?? '',
  ].filter(Boolean).join(' ');
}

/**
 * Start of each tuple in binary COPY tuple data (int16 field count, then per
 * field an int32 length, -1 for NULL, and the bytes); the last entry is the end.
 */
export function tupleStarts(tuples: Uint8Array, count: number): Int32Array {
  const view = new DataView(tuples.buffer, tuples.byteOffset, tuples.byteLength);
  const starts = new Int32Array(count + 1);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    starts[i] = pos;
    const fields = view.getInt16(pos);
    pos += 2;
    for (let f = 0; f < fields; f++) {
      const len = view.getInt32(pos);
      pos += 4 + (len > 0 ? len : 0);
    }
  }
  starts[count] = pos;
  if (pos !== tuples.byteLength) throw new Error(`internal: ${count} COPY tuples end at byte ${pos} of ${tuples.byteLength}`);
  return starts;
}

/**
 * Finds the rows of [0, n) that fail alone. `attempt(lo, hi)` writes rows
 * [lo, hi) under a savepoint and returns the data error (rolled back) or
 * undefined (kept); rows are always attempted in order, so a partition's
 * order holds. A COPY's line number jumps straight to the failing row;
 * without one the range is halved.
 */
export async function isolateRejects(
  n: number,
  attempt: (lo: number, hi: number) => Promise<unknown>,
  onReject: (row: number, err: unknown) => Promise<void>,
): Promise<void> {
  const solve = async (lo: number, hi: number): Promise<void> => {
    while (lo < hi) {
      const err = await attempt(lo, hi);
      if (err === undefined) return;
      if (hi - lo === 1) return onReject(lo, err);
      const line = copyLine(err);
      if (line !== undefined && line >= 1 && line <= hi - lo) {
        const bad = lo + line - 1;
        await solve(lo, bad);
        await solve(bad, bad + 1);
        lo = bad + 1;
        continue;
      }
      const mid = (lo + hi) >>> 1;
      await solve(lo, mid);
      lo = mid;
    }
  };
  await solve(0, n);
}
