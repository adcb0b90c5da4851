// Debezium's ExtractNewRecordState (and its older name UnwrapFromEnvelope):
// turns a change event envelope {before, after, source, op, ts_ms, transaction}
// into the row it describes, with Debezium's delete and tombstone handling,
// add.fields / add.headers and route.by.field. The MongoDB variant
// (ExtractNewDocumentState) reads `after`/`before` as the JSON text of the document.
import { parseJsonExact } from '../workers/json-exact.js';
import type { Field, FieldType, RecordSchema } from '../workers/schema.js';
import { headerBytes } from './connect.js';
import { intern, type Options, type TransformFactory } from './options.js';
import { derived, fieldSchema, plain, structFields, structLike, type ConnectShape } from './derived-schema.js';
import { compileBuilder, getHeaders, hasSchema, isStruct, SCHEMALESS, SchemaCache, schemaOfType, TransformError, type StructBuilder, type TRecord } from './record.js';

type Tombstones = 'drop' | 'keep';
type Deletes = 'drop' | 'rewrite' | 'tombstone';

function deleteHandling(o: Options): { tombstones: Tombstones; deletes: Deletes } {
  if (o.has('delete.tombstone.handling.mode')) {
    const mode = o.oneOf('delete.tombstone.handling.mode', ['drop', 'tombstone', 'rewrite', 'rewrite-with-tombstone'] as const, 'tombstone', true);
    switch (mode) {
      case 'drop': return { tombstones: 'drop', deletes: 'drop' };
      case 'tombstone': return { tombstones: 'drop', deletes: 'tombstone' };
      case 'rewrite': return { tombstones: 'drop', deletes: 'rewrite' };
      case 'rewrite-with-tombstone': return { tombstones: 'keep', deletes: 'rewrite' };
    }
  }
  // The legacy pair, Debezium's defaults: tombstones dropped, delete events dropped.
  const drop = o.bool('drop.tombstones', true);
  const legacy = o.oneOf('delete.handling.mode', ['drop', 'rewrite', 'none'] as const, 'drop', true);
  return { tombstones: drop ? 'drop' : 'keep', deletes: legacy === 'none' ? 'tombstone' : legacy };
}

/** A field of the envelope named in add.fields / add.headers: "op", "source.ts_ms", "table:tbl" (renamed). */
interface FieldRef {
  /** The struct holding it ("source", "transaction"), or undefined for the envelope's own op / ts_ms. */
  struct: string | undefined;
  field: string;
  newName: string;
}

function fieldRefs(o: Options, option: string, prefix: string): FieldRef[] {
  return o.list(option).map((item) => {
    const parts = item.split(':');
    if (parts.length > 2) o.fail(option, `Unexpected field name: ${item}`);
    const splits = parts[0]!.split('.');
    const field = splits.length === 1 ? splits[0]! : splits[1]!;
    const struct = splits.length === 1 ? structOf(field) : splits[0]!;
    const newName = prefix + (parts.length === 2 ? parts[1]! : splits.length === 1 ? field : `${struct}_${field}`);
    return { struct: struct === undefined ? undefined : intern(struct), field: intern(field), newName: intern(newName) };
  });
}

function structOf(field: string): string | undefined {
  switch (field) {
    case 'id':
    case 'total_order':
    case 'data_collection_order':
      return 'transaction';
    case 'op':
    case 'ts_ms':
    case 'ts_us':
    case 'ts_ns':
      return undefined;
    default:
      return 'source';
  }
}

/** The envelope field's value; a field another transform put in the envelope itself counts too (as in Debezium). */
function refValue(ref: FieldRef, env: Record<string, unknown>): unknown {
  const parent = ref.struct === undefined ? env : env[ref.struct];
  if (isStruct(parent) && ref.field in parent) return parent[ref.field] ?? null;
  return env[ref.field] ?? null;
}

function refType(ref: FieldRef, envFields: readonly Field[]): FieldType | undefined {
  const parent = ref.struct === undefined ? undefined : envFields.find((f) => f.name === ref.struct);
  const inParent = parent?.type.kind === 'record' ? parent.type.fields.find((f) => f.name === ref.field) : undefined;
  return (inParent ?? (ref.struct === undefined || !inParent ? envFields.find((f) => f.name === ref.field) : undefined))?.type;
}

const DELETED = '__deleted';

/** The Connect schema of an add.fields field, found as refType finds its type. */
function refConnect(ref: FieldRef, env: ConnectShape): ConnectShape {
  const fields = structFields(env);
  const parent = ref.struct === undefined ? undefined : fields.find((f) => f.name === ref.struct)?.schema;
  const inParent = parent?.type === 'struct' ? parent.fields?.find((f) => f.name === ref.field) : undefined;
  const found = inParent ?? (ref.struct === undefined || !inParent ? fields.find((f) => f.name === ref.field) : undefined);
  if (!found) throw new Error(`the Kafka Connect schema has no field ${ref.field}`);
  return found.schema;
}

function extractNewRecordState(mongo: boolean): TransformFactory {
  return {
    info: { usesKey: mongo, routing: 'record' },
    create(o) {
      const { tombstones, deletes } = deleteHandling(o);
      const addFields = fieldRefs(o, 'add.fields', o.str('add.fields.prefix', '__'));
      const addHeaders = fieldRefs(o, 'add.headers', o.str('add.headers.prefix', '__'));
      const routeBy = o.str('route.by.field', '').trim() || undefined;
      const rewrite = deletes === 'rewrite';
      // Per (envelope schema, before|after), once: the output schema, which add.fields exist, and a builder.
      type Out = { schema: RecordSchema; refs: FieldRef[]; build: StructBuilder };
      const caches = { after: new SchemaCache<Out>('unwrap.after'), before: new SchemaCache<Out>('unwrap.before') };

      const outFor = (env: RecordSchema & { fields: readonly Field[] }, which: 'after' | 'before'): Out =>
        caches[which].get(env, (id) => {
          const row = env.fields.find((f) => f.name === which);
          if (!row || row.type.kind !== 'record') throw new TransformError(`the envelope's "${which}" is not a struct`);
          // Debezium 3's order: the row's fields, __deleted (the delete strategy's), then add.fields.
          const fields: Field[] = [...row.type.fields];
          if (rewrite) fields.push({ name: DELETED, type: { kind: 'string' }, optional: true });
          const refs: FieldRef[] = [];
          for (const ref of addFields) {
            const t = refType(ref, env.fields);
            if (!t) continue; // as in Debezium: a field the envelope lacks is left out
            refs.push(ref);
            fields.push({ name: ref.newName, type: t, optional: true });
          }
          const build = compileBuilder(row.type.fields.map((f) => [f.name, f.name]), [...(rewrite ? [DELETED] : []), ...refs.map((r) => r.newName)]);
          const schema = derived(schemaOfType(id, { kind: 'record', fields }, false), {
            // ExtractField's "after" (or "before") schema, a nested one without version; add.fields and __deleted onto copySchemaBasics of it.
            from: env, by: 'ExtractNewRecordState', version: 'none',
            connect: (c) => {
              const rowC = fieldSchema(c, which);
              if (refs.length === 0 && !rewrite) return rowC;
              const more = refs.map((ref) => ({ name: ref.newName, schema: refConnect(ref, c) }));
              if (rewrite) more.unshift({ name: DELETED, schema: plain('string', true) });
              return structLike(rowC, [...structFields(rowC), ...more]);
            },
          });
          return { schema, refs, build };
        });
      const extra: unknown[] = [];

      const parseDoc = (x: unknown): unknown => {
        if (!mongo || x === null || x === undefined) return x ?? null;
        if (typeof x !== 'string') return x;
        try {
          return fromExtendedJson(parseJsonExact(x));
        } catch (err) {
          throw new TransformError(`the MongoDB document is not JSON: ${(err as Error).message}`);
        }
      };

      return {
        routing: routeBy === undefined ? 'none' : 'record',
        apply(r: TRecord) {
          if (r.value === null || r.value === undefined) {
            if (tombstones === 'drop') return false;
            for (const ref of addHeaders) if (ref.field === 'op') getHeaders(r).push({ name: ref.newName, value: headerBytes('d') });
            return true;
          }
          const env = r.value;
          const s = r.valueSchema;
          const withSchema = hasSchema(s) && !mongo;
          // Anything that is not a change event (heartbeats, schema changes) passes unchanged, as in Debezium.
          if (!isStruct(env) || !('op' in env) || !('after' in env || 'before' in env)) return true;
          if (withSchema && (s.scalar || !s.fields.some((f) => f.name === 'after' || f.name === 'before'))) return true;

          for (const ref of addHeaders) {
            if (withSchema && !refType(ref, s.fields)) continue;
            getHeaders(r).push({ name: ref.newName, value: headerBytes(refValue(ref, env)) });
          }
          const after = parseDoc(env.after);
          const before = parseDoc(env.before);
          if ((after === null || after === undefined) && (before === null || before === undefined) && env.op !== 'd') {
            // A MongoDB update captured without the full document carries only a patch: no row to write.
            if (mongo && env.op === 'u') throw new TransformError('a MongoDB update event without the full document ("after" is null): capture it with capture.mode=change_streams_update_full');
            return false; // a truncate event has neither state; Debezium drops it
          }

          const finish = (row: unknown, which: 'after' | 'before', deleted: boolean): boolean => {
            if (!isStruct(row)) throw new TransformError(`the envelope's "${which}" is ${row === null ? 'null' : 'not a struct'}`);
            if (withSchema) {
              const o = outFor(s, which);
              let k = 0;
              if (rewrite) extra[k++] = deleted ? 'true' : 'false';
              for (const ref of o.refs) extra[k++] = refValue(ref, env);
              r.value = o.build(row, extra);
              r.valueSchema = o.schema;
              return true;
            }
            const out: Record<string, unknown> = { ...row };
            if (rewrite) out[DELETED] = deleted ? 'true' : 'false';
            for (const ref of addFields) out[ref.newName] = refValue(ref, env);
            r.value = out;
            r.valueSchema = SCHEMALESS;
            return true;
          };

          if (after === null || after === undefined) {
            if (routeBy !== undefined && isStruct(before) && typeof before[routeBy] === 'string') r.topic = before[routeBy] as string;
            switch (deletes) {
              case 'drop': return false;
              case 'tombstone':
                r.value = null;
                r.valueSchema = undefined;
                return true;
              case 'rewrite': {
                let row = before;
                // A MongoDB delete carries no document (without pre-images): the key's id stands for it.
                if ((row === null || row === undefined) && mongo) row = { _id: mongoId(r.key) };
                return finish(row, 'before', true);
              }
            }
          }
          if (routeBy !== undefined && isStruct(after) && typeof after[routeBy] === 'string') r.topic = after[routeBy] as string;
          return finish(after, 'after', false);
        },
      };
    },
  };
}

/** MongoDB extended JSON as plain values: $oid and $numberDecimal as strings, $date as a Date, $numberLong exact. */
function fromExtendedJson(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(fromExtendedJson);
  if (!isStruct(x)) return x;
  const keys = Object.keys(x);
  if (keys.length === 1) {
    const k = keys[0]!;
    const v = x[k];
    switch (k) {
      case '$oid': case '$numberDecimal': case '$symbol': return String(v);
      case '$numberLong': {
        const b = BigInt(String(v));
        return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      }
      case '$numberInt': case '$numberDouble': return Number(v);
      case '$date': {
        const d = isStruct(v) ? fromExtendedJson(v) : v;
        return new Date(typeof d === 'string' ? Date.parse(d) : Number(d));
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = fromExtendedJson(x[k]);
  return out;
}

function mongoId(key: unknown): unknown {
  if (!isStruct(key)) return key;
  const id = key.id ?? key._id;
  if (typeof id === 'string') {
    try {
      return fromExtendedJson(parseJsonExact(id));
    } catch {
      return id;
    }
  }
  return id ?? null;
}

export const debeziumTransforms: Record<string, TransformFactory> = {
  'io.debezium.transforms.ExtractNewRecordState': extractNewRecordState(false),
  'io.debezium.transforms.UnwrapFromEnvelope': extractNewRecordState(false),
  'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState': extractNewRecordState(true),
  'io.debezium.connector.mongodb.transforms.UnwrapFromMongoDbEnvelope': extractNewRecordState(true),
};
