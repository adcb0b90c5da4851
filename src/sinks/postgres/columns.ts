// Which parts of a record become which columns, as Kafka Connect's JDBC sink
// decides it: pk.mode / pk.fields pick the primary key (Kafka coordinates,
// the record key, or value fields), fields.whitelist / field.exclude.list
// pick the value fields. Pure; shared by the plan, the DDL and the workers.
import { SinkSchemaError } from '../../errors.js';
import type { Field, FieldType, RecordSchema } from '../../workers/schema.js';

export type PkMode = 'none' | 'kafka' | 'record_key' | 'record_value' | 'record_header';

export interface FieldRules {
  readonly pkMode: PkMode;
  /** pk.fields as configured (may be empty: the mode's default applies). */
  readonly pkFields: readonly string[];
  /** fields.whitelist / field.include.list; undefined = every field. */
  readonly include?: readonly string[];
  readonly exclude: readonly string[];
}

export const KAFKA_COLUMNS = ['__connect_topic', '__connect_partition', '__connect_offset'] as const;
/** Confluent's column name for a primitive record key. */
export const DEFAULT_KEY_COLUMN = '__connect_key';

export function kafkaPkNames(rules: FieldRules): readonly string[] {
  return rules.pkFields.length === 3 ? rules.pkFields : KAFKA_COLUMNS;
}

/**
 * The rules for one topic's records: a filter entry `topic:field` (Debezium's
 * field.include.list / field.exclude.list form) applies to that topic only,
 * a plain `field` to every topic. The same object when no entry is qualified.
 */
export function rulesForTopic(rules: FieldRules, topic: string): FieldRules {
  const qualified = (names: readonly string[]) => names.some((n) => n.includes(':'));
  if (!qualified(rules.exclude) && !(rules.include && qualified(rules.include))) return rules;
  const forTopic = (names: readonly string[]) => names.flatMap((n) => {
    const at = n.indexOf(':');
    if (at < 0) return [n];
    return n.slice(0, at).trim() === topic ? [n.slice(at + 1).trim()] : [];
  });
  return { ...rules, exclude: forTopic(rules.exclude), ...(rules.include ? { include: forTopic(rules.include) } : {}) };
}

/** A value field the filters let through (record_value's key fields always pass). */
export function valueFieldAllowed(rules: FieldRules, name: string): boolean {
  if (rules.pkMode === 'record_value' && rules.pkFields.includes(name)) return true;
  if (rules.include && !rules.include.includes(name)) return false;
  return !rules.exclude.includes(name);
}

export interface DesiredColumn {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  readonly pk: boolean;
  readonly from: 'kafka' | 'key' | 'value' | 'header';
  /** The schema's default for a value field (auto.create writes it as the column default). */
  readonly default?: unknown;
}

/** Thrown when pk.fields and the record's schema disagree. */
export class ColumnRuleError extends SinkSchemaError {}

const KAFKA_TYPES: FieldType[] = [{ kind: 'string' }, { kind: 'int32' }, { kind: 'int64' }];

/**
 * The columns a record of these schemas asks for, key columns first (the
 * order auto.create uses). `key` may be undefined when keys are not needed.
 */
export function desiredColumns(rules: FieldRules, value: RecordSchema | undefined, key: RecordSchema | undefined): DesiredColumn[] {
  const out: DesiredColumn[] = [];
  const taken = new Set<string>();
  const push = (c: DesiredColumn) => {
    if (taken.has(c.name)) return;
    taken.add(c.name);
    out.push(c);
  };
  if (rules.pkMode === 'kafka') {
    kafkaPkNames(rules).forEach((name, i) => push({ name, type: KAFKA_TYPES[i]!, optional: false, pk: true, from: 'kafka' }));
  } else if (rules.pkMode === 'record_key') {
    for (const c of keyColumns(rules, key)) push(c);
  } else if (rules.pkMode === 'record_header') {
    // Debezium's record_header: the key is the record's headers, as text (what its header converter gives for plain values).
    if (rules.pkFields.length === 0) throw new ColumnRuleError('pk.mode=record_header: name the key headers in pk.fields (primary.key.fields) so the table can be created with them');
    for (const name of rules.pkFields) push({ name, type: { kind: 'string' }, optional: false, pk: true, from: 'header' });
  }
  const fields = value ? valueFields(rules, value, taken) : [];
  const pkValue = rules.pkMode === 'record_value' ? (rules.pkFields.length > 0 ? rules.pkFields : fields.map((f) => f.name)) : [];
  if (rules.pkMode === 'record_value' && value?.fields) {
    const names = new Set(value.fields.map((f) => f.name));
    const absent = pkValue.filter((n) => !names.has(n));
    if (absent.length > 0) throw new ColumnRuleError(`pk.fields names ${absent.map((n) => `"${n}"`).join(', ')}, which the record value's schema lacks`);
  }
  for (const f of fields) {
    const pk = pkValue.includes(f.name);
    push({ name: f.name, type: f.type, optional: pk ? false : f.optional, pk, from: 'value', ...(f.default === undefined ? {} : { default: f.default }) });
  }
  return out;
}

function keyColumns(rules: FieldRules, key: RecordSchema | undefined): DesiredColumn[] {
  if (!key) throw new ColumnRuleError('pk.mode=record_key but the record has no key');
  if (key.scalar || !key.fields) {
    if (rules.pkFields.length > 1) {
      throw new ColumnRuleError(`pk.fields names ${rules.pkFields.length} fields but the record key is a primitive (one value); name one column or none (default ${DEFAULT_KEY_COLUMN})`);
    }
    const type = key.fields?.[0]?.type ?? { kind: 'any' };
    return [{ name: rules.pkFields[0] ?? DEFAULT_KEY_COLUMN, type, optional: false, pk: true, from: 'key' }];
  }
  const byName = new Map(key.fields.map((f) => [f.name, f]));
  const names = rules.pkFields.length > 0 ? rules.pkFields : key.fields.map((f) => f.name);
  const absent = names.filter((n) => !byName.has(n));
  if (absent.length > 0) throw new ColumnRuleError(`pk.fields names ${absent.map((n) => `"${n}"`).join(', ')}, which the record key's schema lacks`);
  return names.map((n) => ({ name: n, type: byName.get(n)!.type, optional: false, pk: true, from: 'key' as const }));
}

/** The value fields that become columns (minus names the key or Kafka columns already take). */
export function valueFields(rules: FieldRules, value: RecordSchema, taken: ReadonlySet<string> = new Set()): Field[] {
  if (!value.fields) return [];
  if (value.scalar) return taken.has('value') ? [] : [value.fields[0]!];
  return value.fields.filter((f) => valueFieldAllowed(rules, f.name) && !taken.has(f.name));
}
