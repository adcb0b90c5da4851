// PostgreSQL column types for schemaless data (JSON without a schema,
// msgpack): inferred from the values of a batch and merged safely (an integer
// field that also holds fractions is a double; a field holding text and
// numbers is text; anything mixing objects and scalars is JSON). A field seen
// only as null gets no column yet: nothing would be lost by leaving it out.
// Only the top level becomes columns: nested objects are one jsonb column.
// (The S3 sink infers Parquet types by its own rules: s3-parquet/types.ts.)
import type { Field, FieldType, RecordSchema } from '../../workers/schema.js';
import { isStruct } from '../../workers/encoder.js';
import { INFERRED_SCHEMA_ID } from './protocol.js';

const ANY: FieldType = { kind: 'any' };

/** The type of one value; undefined for null (no evidence). */
function inferColumnType(v: unknown): FieldType | undefined {
  switch (typeof v) {
    case 'boolean': return { kind: 'boolean' };
    case 'number': return Number.isSafeInteger(v) ? { kind: 'int64' } : { kind: 'float64' };
    case 'bigint': return { kind: 'int64' };
    case 'string': return { kind: 'string' };
    case 'undefined': return undefined;
  }
  if (v === null) return undefined;
  if (v instanceof Uint8Array) return { kind: 'bytes' };
  if (v instanceof Date) return { kind: 'timestamp-millis' };
  if (Array.isArray(v)) {
    let items: FieldType | undefined;
    let itemsOptional = false;
    for (const x of v) {
      const t = inferColumnType(x);
      if (!t) itemsOptional = true;
      else items = items ? mergeColumnTypes(items, t) : t;
    }
    // An empty array says nothing about its items.
    if (!items) return undefined;
    return { kind: 'array', items, itemsOptional };
  }
  return { kind: 'map', values: ANY };
}

const NUMERIC = new Set(['int32', 'int64', 'float32', 'float64']);
const SCALAR = new Set(['boolean', 'int32', 'int64', 'float32', 'float64', 'string', 'bytes', 'timestamp-millis']);

export function mergeColumnTypes(a: FieldType, b: FieldType): FieldType {
  if (a.kind === b.kind) {
    if (a.kind === 'array' && b.kind === 'array') {
      return { kind: 'array', items: mergeColumnTypes(a.items, b.items), itemsOptional: a.itemsOptional || b.itemsOptional };
    }
    return a;
  }
  if (NUMERIC.has(a.kind) && NUMERIC.has(b.kind)) {
    return a.kind.startsWith('float') || b.kind.startsWith('float') ? { kind: 'float64' } : { kind: 'int64' };
  }
  if (SCALAR.has(a.kind) && SCALAR.has(b.kind)) return { kind: 'string' };
  return ANY;
}

/** Merges the shapes of many schemaless objects into one RecordSchema. */
export class TableSchemaInferrer {
  private readonly fields = new Map<string, FieldType>();
  private scalar: FieldType | undefined;
  private sawObject = false;

  add(v: unknown): void {
    if (isStruct(v)) {
      this.sawObject = true;
      for (const k of Object.keys(v)) {
        const t = inferColumnType(v[k]);
        if (!t) continue;
        const prev = this.fields.get(k);
        this.fields.set(k, prev ? mergeColumnTypes(prev, t) : t);
      }
    } else {
      const t = inferColumnType(v);
      if (t) this.scalar = this.scalar ? mergeColumnTypes(this.scalar, t) : t;
    }
  }

  get empty(): boolean {
    return !this.sawObject && !this.scalar;
  }

  schema(): RecordSchema {
    if (!this.sawObject && this.scalar) {
      return { id: INFERRED_SCHEMA_ID, scalar: true, fields: [{ name: 'value', type: this.scalar, optional: false }] };
    }
    const fields: Field[] = [...this.fields].map(([name, type]) => ({ name, type, optional: true }));
    return { id: INFERRED_SCHEMA_ID, fields };
  }
}
