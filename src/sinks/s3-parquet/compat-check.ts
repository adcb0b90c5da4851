// Whether a record whose value schema differs from its file's closes the file
// set, as Confluent's StorageSchemaCompatibility.shouldChangeSchema decides in
// kafka-connect-storage-common since CC-38689 (12.0.6 / 11.2.31, 2026): the
// file rotates when its schema and the record's differ in a way Kafka
// Connect's projection could not bridge, checked at every level (struct
// fields, array items, map keys and values), and otherwise when the versions
// say so (BACKWARD/FULL: a newer record; FORWARD: an older one). Earlier
// releases checked type, name and parameters at the top level only (CC-5963)
// and left nested differences to SchemaProjector, which failed the record.
// Sluice follows the newest: a schema it could not project always rotates.
//
// On top of Confluent's checks, two that Sluice's projection (compatibility.ts)
// makes stricter also rotate: unions of different Avro branches, and map keys
// widened to a floating type.
import { connectSchemaOf, type Compatibility, type CSchema } from './compatibility.js';
import { paramsCompatible } from './compat-params.js';
import { isConnectSchemaText, parseConnectSchemaText } from './compat-connect.js';

/** SchemaIncompatibilityType's values, as Confluent logs them with "ROTATION TRIGGERED". */
export type Incompatibility =
  | 'DIFFERENT_TYPE' | 'DIFFERENT_NAME' | 'DIFFERENT_PARAMS' | 'INCOMPATIBLE_OPTIONALITY' | 'MISSING_REQUIRED_FIELD' | 'DIFFERENT_VERSION';

export interface SchemaChange {
  readonly type: Incompatibility;
  /** Where (a field path; '' for the value itself). */
  readonly path: string;
}

const PROMOTION: readonly CSchema['type'][] = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64'];

/** StorageSchemaCompatibility.checkSchemaTypes: different and not a numeric widening. */
function typesDiffer(s: CSchema, t: CSchema): boolean {
  if (s.type === t.type) return false;
  const a = PROMOTION.indexOf(s.type);
  return a < 0 || PROMOTION.indexOf(t.type) < a;
}

/**
 * StorageSchemaCompatibility.checkSchemaCompatibility: the first difference
 * (record schema `s` against file schema `t`) that projection cannot bridge,
 * or undefined. Versions are not looked at here.
 */
export function structuralChange(s: CSchema, t: CSchema, path = ''): SchemaChange | undefined {
  if (typesDiffer(s, t)) return { type: 'DIFFERENT_TYPE', path };
  if (s.name !== t.name) return { type: 'DIFFERENT_NAME', path };
  if (!paramsCompatible(s, t)) return { type: 'DIFFERENT_PARAMS', path };
  if (s.optional && !t.optional && t.default === undefined) return { type: 'INCOMPATIBLE_OPTIONALITY', path };
  if (s.type === 'union' && s.avro !== t.avro) return { type: 'DIFFERENT_TYPE', path };
  const at = (p: string) => (path ? `${path}.${p}` : p);
  switch (s.type) {
    case 'struct': {
      for (const f of s.fields ?? []) {
        const tf = t.fields?.find((x) => x.name === f.name);
        if (!tf) continue; // a field the file lacks is dropped by projection
        const c = structuralChange(f.schema, tf.schema, at(f.name));
        if (c) return c;
      }
      for (const tf of t.fields ?? []) {
        if (!s.fields?.some((x) => x.name === tf.name) && !tf.schema.optional && tf.schema.default === undefined) return { type: 'MISSING_REQUIRED_FIELD', path: at(tf.name) };
      }
      return undefined;
    }
    case 'array':
      return structuralChange(s.items!, t.items!, `${path}[]`);
    case 'map': {
      const str: CSchema = { type: 'string', optional: false, params: '[]' };
      const sk = s.keys ?? str;
      const tk = t.keys ?? str;
      const keys = structuralChange(sk, tk, `${path}{key}`);
      if (keys) return keys;
      // Keys are held as their text: an integer key read as a float would be another key (compatibility.ts refuses it).
      if (sk.type !== tk.type && (tk.type === 'float32' || tk.type === 'float64')) return { type: 'DIFFERENT_TYPE', path: `${path}{key}` };
      return structuralChange(s.values!, t.values!, `${path}{}`);
    }
    default:
      return undefined;
  }
}

/** StorageSchemaCompatibility.checkVersions: BACKWARD/FULL rotate for a newer record, FORWARD for an older one. */
export function versionChange(compat: Compatibility, fileVersion: number, recordVersion: number): boolean {
  return compat === 'forward' ? recordVersion < fileVersion : recordVersion > fileVersion;
}

/** StorageSchemaCompatibility.check: the structural checks first, then the versions. */
export function schemaChange(compat: Compatibility, record: CSchema, recordVersion: number, file: CSchema, fileVersion: number): SchemaChange | undefined {
  return structuralChange(record, file) ?? (versionChange(compat, fileVersion, recordVersion) ? { type: 'DIFFERENT_VERSION', path: '' } : undefined);
}

const views = new Map<string, CSchema>();

/** The Connect view of a chunk's schema text (an Avro writer schema, or compat-connect.ts's text). */
export function connectSchemaOfText(text: string): CSchema {
  let c = views.get(text);
  if (!c) {
    c = isConnectSchemaText(text) ? parseConnectSchemaText(text).connect : connectSchemaOf(JSON.parse(text));
    if (views.size > 1000) views.clear();
    views.set(text, c);
  }
  return c;
}

const decisions = new Map<string, SchemaChange | null>();

/**
 * For rotation.ts: whether a record of schema text `recordText` (version
 * `recordVersion`) closes a file of `fileText` / `fileVersion`. Without both
 * texts (rows with no value schema) only the versions decide, as before.
 */
export function fileSchemaChange(
  compat: Compatibility,
  file: { schema?: string | undefined; version?: number | undefined },
  record: { schema?: string | undefined; version?: number | undefined },
): SchemaChange | undefined {
  if (file.schema === undefined || record.schema === undefined || file.schema === record.schema) {
    return versionChange(compat, file.version!, record.version!) ? { type: 'DIFFERENT_VERSION', path: '' } : undefined;
  }
  // Rows of one pair come in runs (one row at a time where compat-values.ts looks at values): the last answer first.
  const l = last;
  if (l && l.compat === compat && l.file === file.schema && l.record === record.schema && l.fv === file.version && l.rv === record.version) {
    return l.d ?? undefined;
  }
  const key = `${compat}\u0000${file.version}\u0000${record.version}\u0000${file.schema}\u0000${record.schema}`;
  let d = decisions.get(key);
  if (d === undefined) {
    let change: SchemaChange | undefined;
    try {
      change = schemaChange(compat, connectSchemaOfText(record.schema), record.version!, connectSchemaOfText(file.schema), file.version!);
    } catch {
      // A schema Sluice cannot view as Connect does: never projected, so a file of its own.
      change = { type: 'DIFFERENT_TYPE', path: '' };
    }
    d = change ?? null;
    if (decisions.size > 10_000) decisions.clear();
    decisions.set(key, d);
  }
  last = { compat, file: file.schema, record: record.schema, fv: file.version, rv: record.version, d };
  return d ?? undefined;
}
let last: { compat: Compatibility; file: string; record: string; fv: number | undefined; rv: number | undefined; d: SchemaChange | null } | undefined;
