// Fields absent from a record's schema. Kafka Connect's JDBC sinks (Confluent's
// and Debezium's) build each INSERT / upsert / UPDATE from the record's own
// fields: a table column whose field the record's schema lacks (an older
// producer's schema after auto.evolve added it) is left out of the statement,
// so an insert gives it the column DEFAULT (a NOT NULL column without one
// fails) and an upsert or update keeps the row's value. A field that is
// present with a null value is written as NULL.
//
// The worker marks runs of consecutive tuples that lack the same columns
// (protocol.ts AbsentRuns; none in the common case, which keeps the one-COPY
// path). A table part with such runs is written run by run, in order, through
// the staging table: each run's statements list only the columns its records
// have, so a key written twice in a group with different schemas ends as
// Connect's per-record statements leave it.
import type { AbsentRuns, PgColumn } from './protocol.js';

/** Consecutive tuples lacking the same columns. */
export interface Piece {
  chunks: Uint8Array[];
  tuples: number;
  /** Plan column indices the records lack; undefined: every column. */
  absent: readonly number[] | undefined;
}

/**
 * Cuts one output's tuples into its runs. `starts` are the tuple boundaries
 * (rejects.ts tupleStarts, count + 1 entries).
 */
export function splitRuns(tuples: Uint8Array, starts: Int32Array, runs: AbsentRuns): Piece[] {
  const count = starts.length - 1;
  const out: Piece[] = [];
  for (let r = 0; r < runs.runs.length; r += 2) {
    const from = runs.runs[r]!;
    const to = r + 2 < runs.runs.length ? runs.runs[r + 2]! : count;
    if (to <= from) continue;
    const set = runs.runs[r + 1]!;
    out.push({ chunks: [tuples.subarray(starts[from]!, starts[to]!)], tuples: to - from, absent: set < 0 ? undefined : runs.sets[set] });
  }
  return out;
}

function sameSet(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((x, i) => x === b[i]);
}

/** Appends pieces, joining a piece to the last one when they lack the same columns (fewer statements). */
export function appendPieces(into: Piece[], pieces: readonly Piece[]): Piece[] {
  for (const p of pieces) {
    const last = into[into.length - 1];
    if (last && sameSet(last.absent, p.absent)) {
      last.chunks.push(...p.chunks);
      last.tuples += p.tuples;
    } else {
      into.push({ chunks: [...p.chunks], tuples: p.tuples, absent: p.absent });
    }
  }
  return into;
}

/** The columns a piece's statements name: the plan's, less those its records lack. */
export function presentColumns(columns: readonly PgColumn[], absent: readonly number[] | undefined): readonly PgColumn[] {
  if (!absent || absent.length === 0) return columns;
  const gone = new Set(absent);
  return columns.filter((_c, i) => !gone.has(i));
}
