// The Kafka Connect schema Confluent's ProtobufData.toConnectSchema makes from
// a message type, with ProtobufConverter's defaults (enhanced.protobuf.schema.support,
// generalized.sum.type.support, optional.for.nullables, int.for.enums and
// flatten.unions false; wrapper.for.raw.primitives and generate.index.for.unions
// true) and wrapper.for.nullables as configured: a struct named by the
// message's simple name; every field carries its tag as the parameter
// io.confluent.connect.protobuf.Tag; sint32/sfixed32/uint32/fixed32 and the
// 64-bit kinds other than int64 carry io.confluent.connect.protobuf.Type;
// enums are strings named by the enum with its symbols and numbers as
// parameters; a oneof is an optional struct named
// io.confluent.connect.protobuf.Union.<oneof> in field <oneof>_<index>; maps
// are named after their entry (tags_count for map field tags_count).
import protobuf from 'protobufjs';
import type { ConnectSchema } from '../schema.js';
import { fieldMetaParams } from './protobuf-meta.js';

const NS = 'io.confluent.connect.protobuf';
const TAG = `${NS}.Tag`;
const TYPE = `${NS}.Type`;
const WRAPPER = `${NS}.Wrapper`;
const CONNECT = 'org.apache.kafka.connect.data.';

const UNWRAPPED: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double', 'google.protobuf.FloatValue': 'float', 'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'int64', 'google.protobuf.Int32Value': 'int32', 'google.protobuf.UInt32Value': 'int64',
  'google.protobuf.BoolValue': 'boolean', 'google.protobuf.StringValue': 'string', 'google.protobuf.BytesValue': 'bytes',
};

/** The Connect schema of a value of message `type` (the one its message indexes name). */
export function protobufConnectSchema(type: protobuf.Type, wrapperForNullables: boolean): ConnectSchema {
  const full = type.fullName.slice(1);
  // wrapper.for.raw.primitives: a top-level wrapper is its (required) primitive.
  if (UNWRAPPED[full]) return { type: UNWRAPPED[full]!, optional: false };
  return new Builder(wrapperForNullables).message(type);
}

function isSynthetic(o: protobuf.OneOf): boolean {
  return o.fieldsArray.length === 1 && o.fieldsArray[0]!.options?.proto3_optional === true;
}

/** Guava's UPPER_CAMEL → LOWER_UNDERSCORE and LOWER_UNDERSCORE → UPPER_CAMEL, as ProtobufSchema names map entries. */
const toLowerUnderscore = (s: string) => s.replace(/(?<=.)([A-Z])/g, '_$1').toLowerCase();
const toUpperCamel = (s: string) => s.split('_').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : '')).join('');

/** ProtobufSchema.toMapField(toMapEntry(field)): the Connect name of a map field's schema. */
export function mapSchemaName(field: string): string {
  return toLowerUnderscore(field.includes('_') ? toUpperCamel(field) : field);
}

class Builder {
  private readonly inProgress = new Set<protobuf.Type>();
  constructor(private readonly wrapperForNullables: boolean) {}

  message(type: protobuf.Type): ConnectSchema {
    if (this.inProgress.has(type)) {
      throw new Error(`message ${type.fullName.slice(1)} contains itself; its Kafka Connect schema is recursive, which Sluice does not project`);
    }
    this.inProgress.add(type);
    const fields: ConnectSchema[] = [];
    const real = type.oneofsArray.filter((o) => !isSynthetic(o));
    real.forEach((o, index) => {
      fields.push({
        type: 'struct', optional: true, name: `${NS}.Union.${o.name}`, field: `${o.name}_${index}`,
        fields: o.fieldsArray.map((f) => this.field(f, true)),
      });
    });
    for (const f of type.fieldsArray) {
      if (f.partOf && !isSynthetic(f.partOf)) continue;
      fields.push(this.field(f, false));
    }
    this.inProgress.delete(type);
    return { type: 'struct', optional: false, name: type.name, fields };
  }

  private field(f: protobuf.Field, oneofMember: boolean): ConnectSchema {
    f.resolve();
    let s: ConnectSchema;
    if (f instanceof protobuf.MapField) {
      const key = this.field(entryField('key', 1, f.keyType, null), false);
      const value = this.field(entryField('value', 2, f.type, f.resolvedType), false);
      s = { type: 'map', optional: true, name: mapSchemaName(f.name), keys: stripField(key), values: stripField(value) };
    } else {
      s = this.element(f);
      if (f.repeated) s = { type: 'array', optional: true, items: { ...s, optional: true } };
    }
    const params = { ...(s.parameters ?? {}) };
    let optional = s.optional ?? false;
    if (oneofMember) {
      optional = true;
      if (this.wrapperForNullables && f.resolvedType instanceof protobuf.Type && UNWRAPPED[f.resolvedType.fullName.slice(1)]) params[WRAPPER] = 'true';
    } else if (!this.wrapperForNullables) optional = true;
    params[TAG] = String(f.id);
    return { ...s, optional, parameters: params, field: f.name };
  }

  /** One element of a field: its type's schema, before the field's optionality and tag. */
  private element(f: protobuf.Field): ConnectSchema {
    const rt = f.resolvedType;
    if (rt instanceof protobuf.Enum) {
      const params: Record<string, string> = { [`${NS}.Enum`]: rt.name };
      for (const [sym, n] of Object.entries(rt.values)) params[`${NS}.Enum.${sym}`] = String(n);
      return { type: 'string', optional: true, name: rt.name, parameters: params };
    }
    if (rt instanceof protobuf.Type) {
      const full = rt.fullName.slice(1);
      switch (full) {
        case 'confluent.type.Decimal': {
          const meta = fieldMetaParams(f);
          const params: Record<string, string> = { scale: String(javaInt(meta.scale) ?? 0) };
          const precision = javaInt(meta.precision);
          if (precision !== undefined) params['connect.decimal.precision'] = String(precision);
          return { type: 'bytes', optional: true, name: `${CONNECT}Decimal`, parameters: params };
        }
        case 'google.type.Date': return { type: 'int32', optional: true, name: `${CONNECT}Date` };
        case 'google.type.TimeOfDay': return { type: 'int32', optional: true, name: `${CONNECT}Time` };
        case 'google.protobuf.Timestamp': return { type: 'int64', optional: true, name: `${CONNECT}Timestamp` };
        case 'confluent.type.Variant': throw new Error(`field ${f.name}: confluent.type.Variant is not a type Sluice projects`);
      }
      if (this.wrapperForNullables && UNWRAPPED[full]) return { type: UNWRAPPED[full]!, optional: true };
      return { ...this.message(rt), optional: true };
    }
    switch (f.type) {
      case 'int32':
      case 'sint32':
      case 'sfixed32': {
        const connectType = fieldMetaParams(f)['connect.type'];
        if (connectType === 'int8' || connectType === 'int16') return { type: connectType, optional: false };
        return f.type === 'int32' ? { type: 'int32', optional: false } : { type: 'int32', optional: false, parameters: { [TYPE]: f.type } };
      }
      case 'uint32':
      case 'fixed32':
      case 'uint64':
      case 'sint64':
      case 'fixed64':
      case 'sfixed64':
        return { type: 'int64', optional: false, parameters: { [TYPE]: f.type } };
      case 'int64': return { type: 'int64', optional: false };
      case 'float': return { type: 'float', optional: false };
      case 'double': return { type: 'double', optional: false };
      case 'bool': return { type: 'boolean', optional: false };
      case 'string': return { type: 'string', optional: false };
      case 'bytes': return { type: 'bytes', optional: false };
      default: throw new Error(`field ${f.name} has type ${f.type}, which Sluice does not know`);
    }
  }
}

/** A field of a map's entry message (protobufjs has none): resolved already, as the map field resolved its value type. */
function entryField(name: string, id: number, type: string, resolved: protobuf.Type | protobuf.Enum | null): protobuf.Field {
  const f = new protobuf.Field(name, id, type);
  f.resolvedType = resolved;
  f.resolved = true;
  return f;
}

function stripField(s: ConnectSchema): ConnectSchema {
  const { field: _field, ...rest } = s;
  return rest;
}

/** Java's Integer.parseInt, else undefined (ProtobufData ignores a precision or scale that does not parse). */
function javaInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}
