// The shape of schemaless values: inference, widening, and a stable text
// for a type. No Arrow here, so the main thread does not load it.
import type { Field, FieldType } from '../../workers/schema.js';

// ---------- schemaless values ----------

const EMPTY_RECORD: FieldType = { kind: 'record', fields: [] };
export const EMPTY_INFERRED = EMPTY_RECORD;

/** The narrowest type that holds v. Objects become records whose fields are all optional. */
export function inferType(v: unknown): FieldType {
  if (v === null || v === undefined) return { kind: 'null' };
  switch (typeof v) {
    case 'boolean': return { kind: 'boolean' };
    case 'number': return Number.isSafeInteger(v) ? { kind: 'int64' } : { kind: 'float64' };
    case 'bigint': return { kind: 'int64' };
    case 'string': return { kind: 'string' };
    case 'object': {
      if (v instanceof Uint8Array) return { kind: 'bytes' };
      if (v instanceof Date) return { kind: 'timestamp-micros' };
      if (Array.isArray(v)) {
        let items: FieldType = { kind: 'null' };
        for (const x of v) items = mergeTypes(items, inferType(x));
        // Elements of no common type: the whole array is JSON text, so each keeps its own JSON type.
        if (items.kind === 'any') return { kind: 'any' };
        return { kind: 'array', items, itemsOptional: true };
      }
      const fields: Field[] = [];
      for (const k in v as Record<string, unknown>) {
        fields.push({ name: k, type: inferType((v as Record<string, unknown>)[k]), optional: true });
      }
      return { kind: 'record', fields };
    }
    default:
      return { kind: 'any' };
  }
}

/** Scalars a schemaless text column takes as their text. */
const TEXTUAL = new Set<FieldType['kind']>(['int64', 'float64', 'boolean']);

/**
 * The narrowest type that holds values of both: null gives way to anything,
 * int64 widens to float64, records gain each other's fields, lists merge their
 * items; anything else that disagrees becomes JSON text ('any').
 */
export function mergeTypes(a: FieldType, b: FieldType): FieldType {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'any' || b.kind === 'any') return { kind: 'any' };
  if (a.kind === 'record' && b.kind === 'record') {
    let changed = false;
    const fields = a.fields.map((f) => {
      const other = b.fields.find((g) => g.name === f.name);
      if (!other) return f;
      const t = mergeTypes(f.type, other.type);
      if (t === f.type) return f;
      changed = true;
      return { name: f.name, type: t, optional: true };
    });
    for (const g of b.fields) {
      if (!a.fields.some((f) => f.name === g.name)) {
        fields.push({ name: g.name, type: g.type, optional: true });
        changed = true;
      }
    }
    return changed ? { kind: 'record', fields } : a;
  }
  if (a.kind === 'array' && b.kind === 'array') {
    const items = mergeTypes(a.items, b.items);
    if (items.kind === 'any') return { kind: 'any' };
    return items === a.items ? a : { kind: 'array', items, itemsOptional: true };
  }
  if (a.kind === b.kind) return a;
  if ((a.kind === 'int64' && b.kind === 'float64') || (a.kind === 'float64' && b.kind === 'int64')) return { kind: 'float64' };
  // Text and scalars: a text column, numbers and booleans as their text (as PostgreSQL's text columns take them),
  // so a string lands as itself whatever its neighbours are.
  if ((a.kind === 'string' && TEXTUAL.has(b.kind)) || (b.kind === 'string' && TEXTUAL.has(a.kind))) return a.kind === 'string' ? a : b;
  return { kind: 'any' };
}

/** A stable text for a type: equal texts mean equal Arrow schemas. */
export function typeKey(t: FieldType): string {
  switch (t.kind) {
    case 'decimal': return `decimal(${t.precision},${t.scale})`;
    case 'fixed': return `fixed(${t.size})`;
    case 'enum': return 'enum';
    case 'array': return `array<${typeKey(t.items)}${t.itemsOptional ? '?' : ''}>`;
    case 'map': return t.keys ? `map<${typeKey(mapKeyType(t))},${typeKey(t.values)}>` : `map<${typeKey(t.values)}>`;
    case 'record': return `record<${t.fields.map(fieldKey).join(',')}>`;
    default: return t.kind;
  }
}

export function fieldKey(f: Field): string {
  return `${JSON.stringify(f.name)}:${typeKey(f.type)}${f.optional ? '?' : ''}`;
}

/** Map keys Parquet holds as themselves; any other key type (a struct, a float) is a key written as its JSON text. */
const PLAIN_MAP_KEYS = new Set<FieldType['kind']>(['string', 'int32', 'int64', 'boolean']);

export function mapKeyType(t: FieldType & { kind: 'map' }): FieldType {
  return t.keys && PLAIN_MAP_KEYS.has(t.keys.kind) ? t.keys : { kind: 'string' };
}

/**
 * A map key as its key type holds it: an object's keys are strings, so a number or boolean key is read back from
 * its exact text. Undefined when the text is no value of that type.
 */
export function typedMapKey(k: unknown, keyType: FieldType): unknown {
  if (keyType.kind === 'string' || typeof k !== 'string') return k;
  if (keyType.kind === 'boolean') return k === 'true' ? true : k === 'false' ? false : undefined;
  if ((keyType.kind === 'int32' || keyType.kind === 'int64') && /^-?(0|[1-9]\d*)$/.test(k)) {
    const n = Number(k);
    return Number.isSafeInteger(n) ? n : BigInt(k);
  }
  return undefined;
}
