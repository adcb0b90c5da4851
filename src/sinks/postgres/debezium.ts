// Debezium change events, as io.debezium.connector.jdbc.JdbcSinkConnector
// reads them (worker side). A record whose value schema is a Debezium
// envelope (its name contains "Envelope": before, after, source, op, ts_ms)
// is applied by its op: c, r and u write `after` (insert.mode says how), d
// deletes by the record key (delete.enabled), t empties the table
// (truncate.enabled). Any other record (already flattened, e.g. by
// ExtractNewRecordState) is a row as it is. With ${source.<field>} in
// collection.name.format the table comes from the event's source block
// (routing.ts); a record without one has no table and is skipped, as
// Debezium does.
import type { Decoded } from '../../workers/decode/decoders.js';
import type { RecordSchema } from '../../workers/schema.js';
import { ConvertError, describeValue, isStruct } from '../../workers/encoder.js';

/** The plan's part for Debezium's JDBC sink (PgPlan.debezium). */
export interface DebeziumPlan {
  /** truncate.enabled: op t empties the table; otherwise it is skipped. */
  readonly truncate: boolean;
  /** collection.name.format when it names ${source.…} fields. */
  readonly sourceFormat?: string;
}

export type ChangeEvent =
  | { kind: 'row'; row: Decoded; source?: Record<string, unknown> }
  | { kind: 'delete'; source: Record<string, unknown> | undefined }
  | { kind: 'truncate'; source: Record<string, unknown> | undefined }
  | { kind: 'skip' };

const SKIP: ChangeEvent = { kind: 'skip' };

/** Debezium's own test for an envelope (KafkaDebeziumSinkRecord.isDebeziumMessage). */
export function isEnvelopeSchema(schema: RecordSchema): boolean {
  return schema.name !== undefined && schema.name.includes('Envelope') && schema.fields !== undefined && !schema.scalar;
}

export class ChangeEvents {
  private readonly afterSchemas = new WeakMap<RecordSchema, RecordSchema>();

  read(plan: DebeziumPlan, value: Decoded): ChangeEvent {
    const schema = value.schema;
    if (schema.name !== undefined && schema.name.includes('SchemaChangeValue')) {
      throw new ConvertError('a schema change event: Debezium\'s JDBC sink does not take them; leave the schema change topic out of topics / topics.regex');
    }
    if (!isEnvelopeSchema(schema)) return plan.sourceFormat ? SKIP : { kind: 'row', row: value };
    const env = value.value;
    if (!isStruct(env)) throw new ConvertError(`the change event's value is ${describeValue(env)}, not the envelope struct its schema ${schema.name} describes`);
    const source = isStruct(env.source) ? env.source : undefined;
    const op = env.op;
    switch (op) {
      case 'c':
      case 'r':
      case 'u': {
        const after = env.after;
        if (after === null || after === undefined) throw new ConvertError(`the change event (op "${op}") has no "after" row`);
        return { kind: 'row', row: { value: after, schema: this.afterSchema(schema) }, source };
      }
      case 'd':
        return { kind: 'delete', source };
      case 't':
        return plan.truncate ? { kind: 'truncate', source } : SKIP;
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
}
