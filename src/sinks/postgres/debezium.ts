// Debezium change events, as io.debezium.connector.jdbc.JdbcSinkConnector
// reads them (worker side). A record whose value schema is a Debezium
// envelope (its name contains "Envelope": before, after, source, op, ts_ms)
// is applied by its op: c, r and u write `after` (insert.mode says how), d
// deletes by the record key (delete.enabled), t empties the table
// (truncate.enabled). Any other record (already flattened, e.g. by
// ExtractNewRecordState) is a row as it is. With ${source.<field>} in
// collection.name.format the table comes from the event's source block; a
// record without one has no table and is skipped, as Debezium does.
import type { Decoded } from '../../workers/decode/decoders.js';
import type { RecordSchema } from '../../workers/schema.js';
import { ConvertError, describeValue, isStruct, type RecordContext } from '../common/encoder.js';
import { collectionNameFor, qualifiedName, SourceFieldError, type TableName } from './names.js';

/** The plan's part for Debezium's JDBC sink (PgPlan.debezium). */
export interface DebeziumPlan {
  /** truncate.enabled: op t empties the table; otherwise it is skipped. */
  readonly truncate: boolean;
  /** collection.name.format when it names ${source.…} fields. */
  readonly sourceFormat?: string;
  /** sourceFormat and the topic's table not known yet: the first change event tells it (a re-plan). */
  readonly unbound?: boolean;
  /** The plan's table, quoted and qualified. */
  readonly table: string;
}

export type ChangeEvent =
  | { kind: 'row'; row: Decoded }
  | { kind: 'delete' }
  | { kind: 'truncate' }
  | { kind: 'skip' }
  | { kind: 'bind'; table: TableName };

const SKIP: ChangeEvent = { kind: 'skip' };
const DELETE: ChangeEvent = { kind: 'delete' };
const TRUNCATE: ChangeEvent = { kind: 'truncate' };

/** Debezium's own test for an envelope (KafkaDebeziumSinkRecord.isDebeziumMessage). */
export function isEnvelopeSchema(schema: RecordSchema): boolean {
  return schema.name !== undefined && schema.name.includes('Envelope') && schema.fields !== undefined && !schema.scalar;
}

export class ChangeEvents {
  private readonly afterSchemas = new WeakMap<RecordSchema, RecordSchema>();
  /** Qualified table per (topic, source db, schema, table), for ${source.…} formats. */
  private readonly tables = new Map<string, { name: TableName; qualified: string }>();

  read(plan: DebeziumPlan, value: Decoded, ctx: RecordContext): ChangeEvent {
    const schema = value.schema;
    if (schema.name !== undefined && schema.name.includes('SchemaChangeValue')) {
      throw new ConvertError('a schema change event: Debezium\'s JDBC sink does not take them; leave the schema change topic out of topics / topics.regex');
    }
    if (!isEnvelopeSchema(schema)) return plan.sourceFormat ? SKIP : { kind: 'row', row: value };
    const env = value.value;
    if (!isStruct(env)) throw new ConvertError(`the change event's value is ${describeValue(env)}, not the envelope struct its schema ${schema.name} describes`);
    if (plan.sourceFormat) {
      const t = this.tableOf(plan.sourceFormat, ctx.topic, env.source);
      if (plan.unbound) return { kind: 'bind', table: t.name };
      if (t.qualified !== plan.table) {
        throw new ConvertError(
          `the change event is for table ${t.qualified} (collection.name.format ${plan.sourceFormat}), but this topic's earlier events went to ${plan.table}; ` +
            'Sluice writes each topic to one table, so route such topics apart',
        );
      }
    }
    const op = env.op;
    switch (op) {
      case 'c':
      case 'r':
      case 'u': {
        const after = env.after;
        if (after === null || after === undefined) throw new ConvertError(`the change event (op "${op}") has no "after" row`);
        return { kind: 'row', row: { value: after, schema: this.afterSchema(schema) } };
      }
      case 'd':
        return DELETE;
      case 't':
        return plan.truncate ? TRUNCATE : SKIP;
      default:
        throw new ConvertError(`the change event has op ${op === undefined ? '(none)' : JSON.stringify(op)}; Debezium's JDBC sink applies c, r, u, d and t`);
    }
  }

  private afterSchema(envelope: RecordSchema): RecordSchema {
    let s = this.afterSchemas.get(envelope);
    if (!s) {
      const after = envelope.fields!.find((f) => f.name === 'after');
      if (!after || after.type.kind !== 'record') throw new ConvertError(`the envelope schema ${envelope.name} has no "after" struct`);
      s = { id: `${envelope.id}/after`, fields: after.type.fields };
      this.afterSchemas.set(envelope, s);
    }
    return s;
  }

  private tableOf(format: string, topic: string, source: unknown): { name: TableName; qualified: string } {
    const src = isStruct(source) ? source : undefined;
    const cacheKey = `${topic}\u0000${String(src?.db)}\u0000${String(src?.schema)}\u0000${String(src?.table)}`;
    let t = this.tables.get(cacheKey);
    if (!t) {
      let name: TableName;
      try {
        name = collectionNameFor(format, topic, src);
      } catch (err) {
        if (err instanceof SourceFieldError) throw new ConvertError(err.message);
        throw err;
      }
      t = { name, qualified: qualifiedName(name) };
      // Only db/schema/table are in the cache key: a format naming other fields is resolved every time.
      if (/\$\{source\.(?!db\}|schema\}|table\})/.test(format)) return t;
      if (this.tables.size > 10_000) this.tables.clear();
      this.tables.set(cacheKey, t);
    }
    return t;
  }
}
