// schema.compatibility for values whose schema a transform made: as in Kafka
// Connect, where the S3 sink sees the SMT's output schema, the record's
// version is the one that schema carries (its input's, through
// copySchemaBasics; SetSchemaMetadata's; none where the SMT built a schema
// without one) and its Connect schema is the one the SMT built from its
// input's (transforms/derived-schema.ts). The Connect schema is checked to
// have the very shape of the RecordSchema the values have, so a projected
// value is a value of the file's RecordSchema, written as an unprojected one.
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { derivationOf, type ConnectShape } from '../../transforms/derived-schema.js';
import type { CSchema } from './compatibility.js';

// The two models are one shape: a change to either shows here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameShape: Same<Omit<CSchema, 'type' | 'fields' | 'items' | 'values' | 'keys'>, Omit<ConnectShape, 'type' | 'fields' | 'items' | 'values' | 'keys'>> = true;
void sameShape;

/** The decoded schema a chain of transforms started from (the schema itself when no transform made it). */
export function transformOrigin(schema: RecordSchema): RecordSchema {
  let s = schema;
  for (let d = derivationOf(s); d; d = derivationOf(s)) s = d.from;
  return s;
}

/**
 * Where the value's schema version comes from: a decoded schema's (its own,
 * or the one a chain of copySchemaBasics transforms carried), a number a
 * SetSchemaMetadata set, or none: `by` built a schema without one.
 */
export type CarriedVersion = { of: RecordSchema } | { version: number } | { droppedBy: string };

export function carriedVersion(schema: RecordSchema): CarriedVersion {
  let s = schema;
  for (let d = derivationOf(s); d; d = derivationOf(s)) {
    if (typeof d.version === 'number') return { version: d.version };
    if (d.version === 'none') return { droppedBy: d.by };
    s = d.from;
  }
  return { of: s };
}

/**
 * The Connect schema of a transform-made schema, from its origin's
 * (`originC`); undefined when no transform made it. Throws, saying why,
 * where it cannot be matched exactly.
 */
export function transformedConnect(schema: RecordSchema, originC: (origin: RecordSchema) => CSchema | undefined): CSchema | undefined {
  const d = derivationOf(schema);
  if (!d) return undefined;
  const input = derivationOf(d.from) ? transformedConnect(d.from, originC) : originC(d.from);
  if (!input) throw new Error(`the schema ${d.by} was applied to has no Kafka Connect schema Sluice knows`);
  let out: ConnectShape;
  try {
    out = d.connect(input);
  } catch (err) {
    throw new Error(`${d.by}: ${(err as Error).message}`);
  }
  checkShape(out, schema, d.by);
  return out as CSchema;
}

/** The Connect schema has the RecordSchema's shape: the same field names, nesting, arrays and maps. */
function checkShape(c: ConnectShape, schema: RecordSchema, by: string): void {
  const t: FieldType = schema.scalar ? schema.fields![0]!.type : { kind: 'record', fields: schema.fields ?? [] };
  const walk = (c: ConnectShape, t: FieldType, path: string): void => {
    const mismatch = () => new Error(`${by}: ${path || 'the value'}: the Kafka Connect schema (${c.type}) and Sluice's reading of the value (${t.kind}) differ in shape; Sluice does not project it`);
    switch (c.type) {
      case 'struct': {
        if (t.kind !== 'record' || (c.fields ?? []).length !== t.fields.length) throw mismatch();
        for (const f of c.fields!) {
          const rf = t.fields.find((x) => x.name === f.name);
          if (!rf) throw mismatch();
          walk(f.schema, rf.type, path ? `${path}.${f.name}` : f.name);
        }
        return;
      }
      case 'array':
        if (t.kind !== 'array' || !c.items) throw mismatch();
        return walk(c.items, t.items, `${path}[]`);
      case 'map':
        if (t.kind !== 'map' || !c.values) throw mismatch();
        return walk(c.values, t.values, `${path}{}`);
      case 'union':
        if (t.kind !== 'any') throw mismatch();
        return;
      default:
        if (['record', 'array', 'map', 'any', 'null'].includes(t.kind)) throw mismatch();
    }
  };
  walk(c, t, '');
}
