// Confluent's ProtobufConverter: magic byte 0, schema id, message indexes,
// then the Protobuf message. The .proto text comes from the registry (imports
// from its references); protobufjs parses and decodes it, and the mapping to
// Sluice's RecordSchema follows Confluent's ProtobufData with its defaults:
// every field optional; int32/sint32/sfixed32 → int32; uint32, fixed32 and the
// 64-bit types → int64 (a uint64/fixed64 of 2^63 or more is an error, where
// Confluent would wrap it negative); enum → its name; oneof → a struct named
// <oneof>_<index>; map → map; repeated → array; google.protobuf.Timestamp →
// timestamp (nanoseconds, exact), google.type.Date → date, google.type.TimeOfDay
// → time, confluent.type.Decimal → decimal (precision and scale from the
// field's confluent.field_meta params); wrappers (StringValue…) → a struct
// with one field "value", or with wrapper.for.nullables=true the optional
// value itself (and then plain scalars are required). Scalars that are not
// `optional` read as their default when absent; messages and optional scalars
// as null.
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import type { Decoded } from './decoders.js';
import { bigToBytes, referencedSchemas, WireFormatDecoder } from './confluent.js';
import type { RegisteredSchema, SchemaRegistryClient } from './registry.js';
import { intType, intWidthOf, type Field, type FieldType, type RecordSchema } from '../schema.js';
import { setConnectView } from '../connect-view.js';
import { protobufConnectSchema } from './protobuf-connect.js';
import { fieldMetaParams } from './protobuf-meta.js';

type Long = { low: number; high: number; unsigned: boolean };

/**
 * Message indexes after the schema id: a zigzag varint count, then that many
 * zigzag varints, the path to the message type (the index among the file's
 * top-level messages, then among that message's nested messages...). A count
 * of 0 is the shortcut for [0], the first message. Returns the indexes and
 * where the message starts.
 */
export function readMessageIndexes(bytes: Uint8Array, at: number): { indexes: number[]; next: number } {
  const count = readZigzag(bytes, at);
  if (count.value === 0) return { indexes: [0], next: count.next };
  if (count.value < 0 || count.value > bytes.length) throw new Error(`message indexes: count ${count.value} is not a valid number of indexes`);
  const indexes: number[] = [];
  let next = count.next;
  for (let i = 0; i < count.value; i++) {
    const v = readZigzag(bytes, next);
    if (v.value < 0) throw new Error(`message indexes: index ${v.value} is negative`);
    indexes.push(v.value);
    next = v.next;
  }
  return { indexes, next };
}

/** Kafka's ByteUtils.readVarint: a 32-bit zigzag varint of at most 5 bytes. */
function readZigzag(bytes: Uint8Array, at: number): { value: number; next: number } {
  let raw = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= bytes.length) throw new Error('message indexes: truncated varint');
    const b = bytes[at + i]!;
    raw |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), next: at + i + 1 };
  }
  throw new Error('message indexes: varint longer than 5 bytes');
}

/** Zigzag varints as Confluent's serializer writes them (tests, and the [0] shortcut as one 0 byte). */
export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  for (const n of [indexes.length, ...indexes]) {
    let z = ((n << 1) ^ (n >> 31)) >>> 0;
    while (z > 0x7f) {
      out.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    out.push(z);
  }
  return Buffer.from(out);
}

// Types Confluent's serializer does not register as references (skip.known.types):
// protobufjs ships google/protobuf/*; these are the others, as published.
const KNOWN_FILES: Record<string, string> = {
  'google/type/date.proto': 'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'google/type/timeofday.proto': 'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }',
  'confluent/type/decimal.proto': 'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
  // The options it declares are read from the field's parsed options text; only the message is needed.
  'confluent/meta.proto': 'syntax = "proto3"; package confluent; message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }',
};

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `google.protobuf.${n}`));

/** One field of a message: how to read it from a decoded protobufjs message. */
interface FieldPlan {
  readonly name: string;
  readonly read: (msg: Record<string, unknown>) => unknown;
}

interface MessagePlan {
  readonly type: protobuf.Type;
  readonly fields: FieldPlan[];
}

interface Compiled {
  /** By the message indexes' text ("0", "1.0"). */
  readonly byIndexes: Map<string, Entry | string>;
  readonly root: protobuf.Root;
  readonly own: protobuf.Namespace;
  readonly pkg: string;
  readonly opts: Opts;
}

interface Opts {
  readonly wrapperForNullables: boolean;
  /** Each message's plan, built once. */
  readonly plans: WeakMap<protobuf.Type, { plan: MessagePlan; fields: Field[] }>;
}

interface ScalarPlan {
  readonly type: protobuf.Type;
  readonly scalar: (msg: Record<string, unknown>) => unknown;
}

/** The ProtobufConverter settings Sluice reads (Confluent's defaults otherwise). */
export interface ProtobufOptions {
  /** <key|value>.converter.wrapper.for.nullables: wrapper types are their (optional) value, and plain scalars are required. */
  readonly wrapperForNullables?: boolean;
}

const FIRST: readonly number[] = [0];
const requireJson = createRequire(import.meta.url);
/**
 * Adds the types of a well-known file's JSON that the root does not have yet:
 * those files repeat each other's types (type.json holds Any, api.json Option).
 */
function addMissing(ns: protobuf.Namespace, nested: Record<string, protobuf.AnyNestedObject>): void {
  for (const [name, json] of Object.entries(nested)) {
    const existing = ns.get(name);
    const nestedJson = (json as protobuf.INamespace).nested;
    if (!existing) ns.addJSON({ [name]: json });
    else if (existing.constructor === protobuf.Namespace && nestedJson) addMissing(existing as protobuf.Namespace, nestedJson);
  }
}

/** What those JSON files import (the JSON does not say). */
const SHIPPED_IMPORTS: Record<string, string[]> = { api: ['type', 'source_context'], type: ['any', 'source_context'] };

export class ProtobufDecoder extends WireFormatDecoder<Compiled> {
  constructor(
    registry: SchemaRegistryClient,
    private readonly opts: ProtobufOptions = {},
  ) {
    super(registry, 'PROTOBUF', 'Protobuf');
  }

  protected async compile(_id: number, registered: RegisteredSchema): Promise<Compiled> {
    const refs = await referencedSchemas(this.registry, registered);
    return compileProto(registered.schema, new Map([...refs].map(([name, s]) => [name, s.schema])), this.opts);
  }

  protected versionTarget(c: Compiled, id: number, bytes: Uint8Array): { schema: RecordSchema; recordName: string } {
    const { entry } = entryFor(c, id, bytes, 5);
    return { schema: entry.schema, recordName: entry.name };
  }

  protected decodeBody(c: Compiled, id: number, bytes: Uint8Array, start: number): Decoded {
    const { entry, next } = entryFor(c, id, bytes, start);
    const body = bytes.subarray(next);
    let msg: Record<string, unknown>;
    try {
      msg = entry.plan.type.decode(body) as unknown as Record<string, unknown>;
    } catch (err) {
      throw new Error(`Protobuf body does not match ${entry.plan.type.fullName.slice(1)} of schema id ${id}: ${(err as Error).message}`);
    }
    const plan = entry.plan;
    return { value: 'scalar' in plan ? plan.scalar(msg) : readMessage(plan, msg), schema: entry.schema };
  }
}

type Entry = { plan: MessagePlan | ScalarPlan; schema: RecordSchema; name: string };

/** The message the value's indexes name, and where its body starts. */
function entryFor(c: Compiled, id: number, bytes: Uint8Array, start: number): { entry: Entry; next: number } {
  // The single byte 0 (the first message) is what nearly every record carries.
  let key = '0';
  let next = start + 1;
  let indexes = FIRST;
  if (bytes[start] !== 0) {
    ({ indexes, next } = readMessageIndexes(bytes, start));
    key = indexes.join('.');
  }
  let entry = c.byIndexes.get(key);
  if (entry === undefined) {
    entry = planFor(c, id, indexes);
    if (c.byIndexes.size < 1000) c.byIndexes.set(key, entry);
  }
  if (typeof entry === 'string') throw new Error(entry);
  return { entry, next };
}

/** Parses the schema and everything it imports into one protobufjs root. */
export function compileProto(text: string, files: ReadonlyMap<string, string>, opts: ProtobufOptions = {}): Compiled {
  const parseOpts = { keepCase: true };
  // The file alone, to find its own top-level messages in declaration order (what the indexes count).
  const own = protobuf.parse(text, new protobuf.Root(), parseOpts);
  const root = new protobuf.Root();
  const done = new Set<string>();
  const load = (name: string, importedBy: string): void => {
    if (done.has(name)) return;
    done.add(name);
    const src = files.get(name) ?? KNOWN_FILES[name];
    if (src !== undefined) {
      const p = protobuf.parse(src, root, parseOpts);
      for (const i of [...(p.imports ?? []), ...(p.weakImports ?? [])]) load(i, name);
      return;
    }
    const common = protobuf.common.get(name) as protobuf.INamespace | null;
    if (common) {
      addMissing(root, common.nested ?? {});
      return;
    }
    // The other well-known files protobufjs ships as JSON: descriptor.proto (custom options extend it), api, type, source_context.
    const shipped = /^google\/protobuf\/(descriptor|api|type|source_context)\.proto$/.exec(name);
    if (shipped) {
      const json = requireJson(`protobufjs/google/protobuf/${shipped[1]}.json`) as protobuf.INamespace;
      addMissing(root, json.nested ?? {});
      for (const i of SHIPPED_IMPORTS[shipped[1]!] ?? []) load(`google/protobuf/${i}.proto`, name);
      return;
    }
    throw new Error(`${importedBy} imports "${name}", which is neither a reference registered with the schema nor a well-known type`);
  };
  const main = protobuf.parse(text, root, parseOpts);
  for (const i of [...(main.imports ?? []), ...(main.weakImports ?? [])]) load(i, 'the schema');
  root.resolveAll();
  const pkg = own.package ?? '';
  const ns = pkg ? own.root.lookup(pkg) : own.root;
  if (!(ns instanceof protobuf.Namespace)) throw new Error('the schema declares no message');
  return { byIndexes: new Map(), root, own: ns, pkg, opts: { wrapperForNullables: opts.wrapperForNullables === true, plans: new WeakMap() } };
}

function messagesOf(ns: protobuf.Namespace): protobuf.Type[] {
  return ns.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type && !(n as { group?: boolean }).group);
}

function planFor(c: Compiled, id: number, indexes: readonly number[]): Entry | string {
  let ns: protobuf.Namespace = c.own;
  const path: string[] = [];
  for (const i of indexes) {
    const t = messagesOf(ns)[i];
    if (!t) return `message indexes [${indexes.join(', ')}] name no message of schema id ${id}`;
    path.push(t.name);
    ns = t;
  }
  const fullName = [c.pkg, ...path].filter(Boolean).join('.');
  const type = c.root.lookupType(fullName);
  const schemaId = `protobuf:${id}:${indexes.join('.')}`;
  if (WRAPPERS.has(fullName)) {
    // wrapper.for.raw.primitives (Confluent's default): a top-level wrapper is its value.
    const field = type.fieldsArray[0]!;
    const ft = scalarType(field);
    const read = scalarReader(field, fullName);
    const schema: RecordSchema = { id: schemaId, fields: [{ name: 'value', type: ft, optional: true }], scalar: true };
    setConnectView(schema, () => protobufConnectSchema(type, c.opts.wrapperForNullables));
    return { plan: { type, scalar: (m) => read(m[field.name]) }, schema, name: fullName };
  }
  const plan = messagePlan(type, new Map(), c.opts);
  const schema: RecordSchema = { id: schemaId, fields: plan.fields };
  setConnectView(schema, () => protobufConnectSchema(type, c.opts.wrapperForNullables));
  return { plan: plan.plan, schema, name: fullName };
}

/** The fields of a message, in Confluent's order: its (real) oneofs first, then the other fields as declared. */
function messagePlan(type: protobuf.Type, inProgress: Map<protobuf.Type, true>, opts: Opts): { plan: MessagePlan; fields: Field[] } {
  const cached = opts.plans.get(type);
  if (cached) return cached;
  inProgress.set(type, true);
  const fields: Field[] = [];
  const readers: FieldPlan[] = [];
  const realOneofs = type.oneofsArray.filter((o) => !isSynthetic(o));
  realOneofs.forEach((o, index) => {
    const members = o.fieldsArray.map((f) => fieldOf(f, type, inProgress, opts));
    const name = `${o.name}_${index}`;
    fields.push({ name, type: { kind: 'record', fields: members.map((m) => ({ name: m.name, type: m.type, optional: true })) }, optional: true });
    const oneofName = o.name;
    const memberReaders = new Map(members.map((m) => [m.name, m.read]));
    readers.push({
      name,
      read: (msg) => {
        const set = msg[oneofName] as string | undefined; // protobufjs's virtual oneof property: the member's name
        if (set === undefined || !memberReaders.has(set)) return null;
        const out: Record<string, unknown> = {};
        for (const m of members) out[m.name] = null;
        out[set] = memberReaders.get(set)!(msg);
        return out;
      },
    });
  });
  for (const f of type.fieldsArray) {
    if (f.partOf && !isSynthetic(f.partOf)) continue;
    const m = fieldOf(f, type, inProgress, opts);
    // Every field is optional, but with wrapper.for.nullables plain scalars are required (they always have a value).
    fields.push({ name: m.name, type: m.type, optional: !opts.wrapperForNullables || m.nullable });
    readers.push({ name: m.name, read: m.read });
  }
  inProgress.delete(type);
  const out = { plan: { type, fields: readers }, fields };
  opts.plans.set(type, out);
  return out;
}

function isSynthetic(o: protobuf.OneOf): boolean {
  return o.fieldsArray.length === 1 && (o.fieldsArray[0]!.options?.proto3_optional === true);
}

function readMessage(plan: MessagePlan, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of plan.fields) out[f.name] = f.read(msg);
  return out;
}

const has = (msg: Record<string, unknown>, name: string) => Object.prototype.hasOwnProperty.call(msg, name) && msg[name] !== null && msg[name] !== undefined;

function fieldOf(
  f: protobuf.Field, owner: protobuf.Type, inProgress: Map<protobuf.Type, true>, opts: Opts,
): { name: string; type: FieldType; nullable: boolean; read: (msg: Record<string, unknown>) => unknown } {
  f.resolve();
  const name = f.name;
  const where = `${owner.fullName.slice(1)}.${name}`;
  if (f instanceof protobuf.MapField) {
    const value = elementOf(f, where, inProgress, opts);
    const key64 = LONG_TYPES.has(f.keyType) ? { unsigned: f.keyType === 'uint64' || f.keyType === 'fixed64' } : undefined;
    return {
      name,
      // Keys other than strings keep their type (Connect's ProtobufData does): the reader gives their text, the sink reads it back.
      type: f.keyType === 'string' ? { kind: 'map', values: value.type } : { kind: 'map', values: value.type, keys: scalarType({ type: f.keyType, name } as protobuf.Field) },
      nullable: true,
      read: (msg) => {
        const m = msg[name] as Record<string, unknown> | undefined;
        const out: Record<string, unknown> = {};
        if (!m) return out;
        for (const k of Object.keys(m)) {
          // protobufjs keys a 64-bit map by the 8 bytes of the number; Connect by the number.
          const key = key64 ? longText(protobuf.util.longFromHash(k, key64.unsigned) as unknown as Long, where) : k;
          out[key] = value.read(m[k]);
        }
        return out;
      },
    };
  }
  const el = elementOf(f, where, inProgress, opts);
  if (f.repeated) {
    return {
      name,
      type: { kind: 'array', items: el.type, itemsOptional: true },
      nullable: true,
      read: (msg) => {
        const arr = msg[name] as unknown[] | undefined;
        return arr ? arr.map(el.read) : [];
      },
    };
  }
  // Messages, and scalars declared `optional` (proto3) or proto2 optional, are null when absent; other scalars read as their default.
  const presence = f.resolvedType instanceof protobuf.Type || Boolean(f.hasPresence);
  return {
    name, type: el.type, nullable: presence || f.resolvedType instanceof protobuf.Enum,
    read: presence ? (msg) => (has(msg, name) ? el.read(msg[name]) : null) : (msg) => el.read(msg[name]),
  };
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** The Sluice type of one element of a field (the field itself, or one item of a repeated field). */
function elementOf(f: protobuf.Field, where: string, inProgress: Map<protobuf.Type, true>, opts: Opts): { type: FieldType; read: (v: unknown) => unknown } {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Enum) {
    const byId = rt.valuesById;
    const enumName = rt.name;
    // A number the enum does not declare (proto3 enums are open) reads as Java's protobuf names it.
    return { type: { kind: 'string' }, read: (v) => byId[v as number] ?? `UNKNOWN_ENUM_VALUE_${enumName}_${String(v)}` };
  }
  if (rt instanceof protobuf.Type) return messageElement(rt, f, where, inProgress, opts);
  return { type: scalarType(f), read: scalarReader(f, where) };
}

function scalarType(f: protobuf.Field): FieldType {
  switch (f.type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      // ProtobufData writes a Connect INT8 / INT16 as an int32 with the option connect.type.
      return intType(intWidthOf(fieldMetaParams(f)['connect.type']));
    case 'uint32':
    case 'fixed32':
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return { kind: 'int64' };
    case 'float': return { kind: 'float32' };
    case 'double': return { kind: 'float64' };
    case 'bool': return { kind: 'boolean' };
    case 'string': return { kind: 'string' };
    case 'bytes': return { kind: 'bytes' };
    default:
      throw new Error(`field ${f.name} has type ${f.type}, which Sluice does not know`);
  }
}

function scalarReader(f: protobuf.Field, where: string): (v: unknown) => unknown {
  if (LONG_TYPES.has(f.type)) return (v) => exact64(v, where);
  // An absent bytes field reads as protobufjs's default, an empty array.
  if (f.type === 'bytes') return (v) => (v instanceof Uint8Array ? v : Uint8Array.from(v as ArrayLike<number>));
  return (v) => v;
}

/** A 64-bit protobuf integer as Sluice holds int64: a number while safe, a BigInt beyond; uint64 ≥ 2^63 is an error. */
function exact64(v: unknown, where: string): number | bigint {
  if (typeof v === 'number') return v;
  const l = v as Long;
  if (l.high >= -0x200000 && l.high < 0x200000 && !(l.unsigned && l.high < 0)) return l.high * 4294967296 + (l.low >>> 0);
  if (l.unsigned && l.high < 0) {
    const big = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
    throw new Error(`${where}: unsigned 64-bit value ${big} is 2^63 or more, beyond int64 (Confluent's converter would wrap it to ${BigInt.asIntN(64, big)})`);
  }
  return (BigInt(l.high) << 32n) | BigInt(l.low >>> 0);
}

function longText(l: Long, where: string): string {
  return String(exact64(l, where));
}

const TIMESTAMP = 'google.protobuf.Timestamp';
const DATE = 'google.type.Date';
const TIME_OF_DAY = 'google.type.TimeOfDay';
const DECIMAL = 'confluent.type.Decimal';

function messageElement(
  rt: protobuf.Type, f: protobuf.Field, where: string, inProgress: Map<protobuf.Type, true>, opts: Opts,
): { type: FieldType; read: (v: unknown) => unknown } {
  const fullName = rt.fullName.slice(1);
  if (opts.wrapperForNullables && WRAPPERS.has(fullName)) {
    const inner = rt.fieldsArray[0]!;
    const read = scalarReader(inner, where);
    return { type: scalarType(inner), read: (v) => read((v as Record<string, unknown>)[inner.name]) };
  }
  switch (fullName) {
    case TIMESTAMP:
      return { type: { kind: 'timestamp-nanos' }, read: (v) => timestampNanos(v as Record<string, unknown>, where) };
    case DATE:
      return { type: { kind: 'date' }, read: (v) => epochDays(v as Record<string, unknown>, where) };
    case TIME_OF_DAY:
      return { type: { kind: 'time-micros' }, read: (v) => timeMicros(v as Record<string, unknown>, where) };
    case DECIMAL: {
      const params = fieldMetaParams(f);
      const scale = params.scale !== undefined && /^-?\d+$/.test(params.scale) ? Number(params.scale) : 0;
      const precision = params.precision !== undefined && /^\d+$/.test(params.precision) ? Number(params.precision) : 38;
      return { type: { kind: 'decimal', precision, scale }, read: (v) => decimalBytes(v as Record<string, unknown>, scale, where) };
    }
  }
  if (inProgress.has(rt)) {
    // A message that contains itself has no finite column shape: that field is kept as JSON.
    return { type: { kind: 'any' }, read: (v) => readMessage(messagePlan(rt, new Map(), opts).plan, v as Record<string, unknown>) };
  }
  const { plan, fields } = messagePlan(rt, inProgress, opts);
  return { type: { kind: 'record', fields }, read: (v) => readMessage(plan, v as Record<string, unknown>) };
}

function int(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const l = v as Long;
  return Number((BigInt(l.high) << 32n) | BigInt(l.low >>> 0));
}

function timestampNanos(t: Record<string, unknown>, where: string): number | bigint {
  const seconds = exact64(t.seconds ?? 0, where);
  const nanos = int(t.nanos);
  if (nanos < 0 || nanos > 999_999_999) throw new Error(`${where}: google.protobuf.Timestamp nanos ${nanos} is outside 0..999999999`);
  const n = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

function epochDays(d: Record<string, unknown>, where: string): number {
  const year = int(d.year);
  const month = int(d.month);
  const day = int(d.day);
  // setUTCFullYear, not Date.UTC: the latter reads years 0..99 as 1900 + year.
  const back = new Date(0);
  back.setUTCFullYear(year, month - 1, day);
  // Java's non-lenient calendar, as Confluent's converter uses: no month or day 0, no 31 February.
  if (year < 1 || month < 1 || month > 12 || day < 1 || back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    throw new Error(`${where}: google.type.Date ${year}-${month}-${day} is not a calendar date`);
  }
  return Math.round(back.getTime() / 86_400_000);
}

function timeMicros(t: Record<string, unknown>, where: string): number {
  const h = int(t.hours);
  const m = int(t.minutes);
  const s = int(t.seconds);
  const n = int(t.nanos);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59 || n < 0 || n > 999_999_999) {
    throw new Error(`${where}: google.type.TimeOfDay ${h}:${m}:${s}.${n} is not a time of day`);
  }
  if (n % 1000 !== 0) throw new Error(`${where}: google.type.TimeOfDay has sub-microsecond digits (${n} ns), and times are held in microseconds`);
  return ((h * 60 + m) * 60 + s) * 1_000_000 + n / 1000;
}

/** confluent.type.Decimal (unscaled big-endian two's complement, its own scale) at the column's scale, exactly. */
function decimalBytes(d: Record<string, unknown>, scale: number, where: string): Uint8Array {
  const value = (d.value as Uint8Array | undefined) ?? new Uint8Array(0);
  const own = int(d.scale);
  if (own === scale) return value;
  let n = 0n;
  for (const b of value) n = (n << 8n) | BigInt(b);
  if (value.length > 0 && value[0]! & 0x80) n -= 1n << BigInt(value.length * 8);
  if (own < scale) n *= 10n ** BigInt(scale - own);
  else {
    const div = 10n ** BigInt(own - scale);
    if (n % div !== 0n) throw new Error(`${where}: decimal with scale ${own} has more fractional digits than the field's scale ${scale}`);
    n /= div;
  }
  return bigToBytes(n);
}
