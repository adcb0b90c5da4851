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

/**
 * Why a row was refused, without the row's data: PostgreSQL's context line
 * quotes the value and its detail the row or key ("Failing row contains …",
 * "Key (email)=(…)"), which would reach logs and dead-letter headers.
 */
export function rejectReason(err: unknown): string {
  const e = err as { message?: string; code?: string; column?: string; constraint?: string; where?: string };
  const column = e.column ?? (typeof e.where === 'string' ? /, column ([^:\n]+)/.exec(e.where)?.[1] : undefined);
  return [
    e.message ?? String(err),
    e.code ? `(SQLSTATE ${e.code})` : '',
    column ? `column ${column}` : '',
    e.constraint && !(e.message ?? '').includes(e.constraint) ? `constraint ${e.constraint}` : '',
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
 * order holds. A COPY's line number says how many rows before it are good;
 * without one the range is halved. After a refused row the next range is
 * twice the good run that preceded it (all the rest after a first bad row,
 * one row inside a run of bad ones), so a lone bad row costs a few attempts
 * and a run of bad ones about one attempt each, rather than re-sending the
 * whole remainder every time.
 */
export async function isolateRejects(
  n: number,
  attempt: (lo: number, hi: number) => Promise<unknown>,
  onReject: (row: number, err: unknown) => Promise<void>,
): Promise<void> {
  let lo = 0;
  let size = n;
  let goodRun = 0;
  let rejectsInRow = 0;
  while (lo < n) {
    const end = Math.min(n, lo + size);
    const err = await attempt(lo, end);
    if (err === undefined) {
      goodRun += end - lo;
      rejectsInRow = 0;
      lo = end;
      size *= 2;
      continue;
    }
    if (end - lo === 1) {
      await onReject(lo, err);
      lo += 1;
      rejectsInRow++;
      // No evidence yet (a first bad row at the start): try all the rest.
      size = goodRun > 0 ? 2 * goodRun : rejectsInRow === 1 ? n - lo : 1;
      goodRun = 0;
      continue;
    }
    const line = copyLine(err);
    // Rows before the failing line are good: write them; a failing first row is tried alone.
    if (line !== undefined && line >= 1 && line <= end - lo) size = Math.max(1, line - 1);
    else size = Math.ceil((end - lo) / 2);
  }
}
