// quote.sql.identifiers=NEVER (Confluent's JDBC sink): Connect then writes
// table and column names into its SQL unquoted, so PostgreSQL folds them to
// lower case (downcase_identifier: ASCII A-Z only). Sluice keeps quoting
// every identifier (names.ts) but quotes the names PostgreSQL would have
// resolved: the folded ones. A name PostgreSQL cannot take unquoted (a
// space, a leading digit, a reserved word) makes Connect's statement a syntax
// error; here it is an error naming quote.sql.identifiers and the name.
import { ConvertError } from '../../errors.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import { isStruct } from '../../workers/encoder.js';
import type { Field, RecordSchema } from '../../workers/schema.js';

/** PostgreSQL's reserved and type/function-name keywords (pg_get_keywords() catcode R and T, PostgreSQL 16): not a table or column name unquoted. */
const RESERVED = new Set((
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog ' +
  'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except ' +
  'false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp ' +
  'not null offset on only or order placing primary references returning select session_user some symmetric system_user table ' +
  'then to trailing true union unique user using variadic when where window with ' +
  'authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural ' +
  'notnull outer overlaps right similar tablesample verbose'
).split(' '));

/** PostgreSQL's lexer: ident_start [A-Za-z\200-\377_], ident_cont adds digits and $. Non-ASCII characters are letters to it. */
const UNQUOTED = /^[a-z_\u0080-\u{10FFFF}][a-z0-9_$\u0080-\u{10FFFF}]*$/u;

/** Thrown for a name that PostgreSQL could not read unquoted. */
export class UnquotedNameError extends ConvertError {}

/** The name PostgreSQL resolves an unquoted identifier to; throws when it cannot be written unquoted. `what`: "column", "table"… */
export function foldIdentifier(name: string, what: string): string {
  const folded = name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  if (!UNQUOTED.test(folded) || RESERVED.has(folded)) {
    const why = RESERVED.has(folded) ? `"${folded}" is a reserved word in PostgreSQL` : 'PostgreSQL reads an unquoted name only when it is letters, digits, _ and $, not starting with a digit or $';
    throw new UnquotedNameError(`${what} ${JSON.stringify(name)} cannot be written unquoted (quote.sql.identifiers=NEVER): ${why}, ` +
      'so Kafka Connect\'s statement would fail; rename it (a ReplaceField transform, table.name.format) or set quote.sql.identifiers=ALWAYS');
  }
  return folded;
}

/**
 * Records with their top-level field names folded (nested fields are not
 * identifiers: they are written inside a column's value). Schemas are folded
 * once each; a value is copied only when a name changes.
 */
export class FoldedRecords {
  private readonly schemas = new WeakMap<RecordSchema, RecordSchema | UnquotedNameError>();

  decoded(d: Decoded, part: 'key' | 'value'): Decoded {
    const s = d.schema;
    if (s.scalar) return d;
    if (!s.fields) return { value: this.schemalessValue(d.value, part), schema: s };
    let f = this.schemas.get(s);
    if (!f) {
      try {
        f = foldSchema(s, part);
      } catch (err) {
        if (!(err instanceof UnquotedNameError)) throw err;
        f = err;
      }
      this.schemas.set(s, f);
    }
    if (f instanceof UnquotedNameError) throw new UnquotedNameError(f.message);
    if (f === s || !isStruct(d.value)) return { value: d.value, schema: f };
    return { value: renamed(d.value, s.fields, f.fields!), schema: f };
  }

  private schemalessValue(v: unknown, part: 'key' | 'value'): unknown {
    if (!isStruct(v)) return v;
    let out: Record<string, unknown> | undefined;
    const seen = new Map<string, string>();
    for (const k of Object.keys(v)) {
      const n = foldIdentifier(k, `${part} field`);
      const prev = seen.get(n);
      if (prev !== undefined) throw sameName(part, prev, k, n);
      seen.set(n, k);
      if (n !== k && !out) out = {};
    }
    if (!out) return v;
    for (const [n, k] of seen) out[n] = v[k];
    return out;
  }
}

function sameName(part: string, a: string, b: string, n: string): UnquotedNameError {
  return new UnquotedNameError(`${part} fields "${a}" and "${b}" are both the column "${n}" unquoted (quote.sql.identifiers=NEVER folds names to lower case); rename one, or set quote.sql.identifiers=ALWAYS`);
}

function foldSchema(s: RecordSchema, part: 'key' | 'value'): RecordSchema {
  const seen = new Map<string, string>();
  let changed = false;
  const fields: Field[] = s.fields!.map((f) => {
    const n = foldIdentifier(f.name, `${part} field`);
    const prev = seen.get(n);
    if (prev !== undefined) throw sameName(part, prev, f.name, n);
    seen.set(n, f.name);
    if (n === f.name) return f;
    changed = true;
    return { ...f, name: n };
  });
  return changed ? { ...s, id: `${s.id}|unquoted`, fields } : s;
}

function renamed(v: Record<string, unknown>, from: readonly Field[], to: readonly Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < from.length; i++) {
    const k = from[i]!.name;
    if (k in v) out[to[i]!.name] = v[k];
  }
  return out;
}
