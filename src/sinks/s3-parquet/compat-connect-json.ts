// schema.compatibility for Kafka Connect JSON values (JsonConverter,
// schemas.enable=true): the envelope's schema is the Connect schema
// (JsonConverter.asConnectSchema), so it becomes compatibility.ts's CSchema
// as it is: type, optional, name, parameters (compared whole by
// SchemaProjector; "doc" is not), and the default as the payload gives it,
// which is what the decoder puts in place of a missing required value
// (connect-payload.ts), so a projected value holds what an unprojected one
// would. Logical types (Decimal, Date, Time, Timestamp) are their name and
// parameters on their base type, as in Connect.
import type { ConnectSchema } from '../../workers/schema.js';
import type { CSchema } from './compatibility.js';

const TYPES: Record<string, CSchema['type']> = {
  boolean: 'boolean', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64', float: 'float32', double: 'float64',
  string: 'string', bytes: 'bytes', struct: 'struct', array: 'array', map: 'map',
};

/** The CSchema of a JsonConverter envelope schema. */
export function envelopeToC(cs: ConnectSchema, path = ''): CSchema {
  const type = TYPES[cs.type];
  if (!type) throw new Error(`${path || 'the value'}: Kafka Connect type "${String(cs.type)}" is not one JsonConverter knows`);
  const params = cs.parameters ?? {};
  const out: { -readonly [K in keyof CSchema]: CSchema[K] } = {
    type,
    // asConnectSchema: optional only when "optional" is the boolean true.
    optional: cs.optional === true,
    params: JSON.stringify(Object.keys(params).sort().map((k) => [k, String(params[k])])),
  };
  if (typeof cs.name === 'string') out.name = cs.name;
  if (cs.default !== undefined && cs.default !== null) out.default = cs.default;
  switch (type) {
    case 'struct':
      out.fields = (cs.fields ?? []).map((f) => ({ name: String(f.field), schema: envelopeToC(f, path ? `${path}.${String(f.field)}` : String(f.field)) }));
      break;
    case 'array':
      out.items = envelopeToC(required(cs.items, path, 'items'), `${path}[]`);
      break;
    case 'map':
      // Every key schema is kept: a map whose keys are not strings travels as [key, value] pairs, projected key by key.
      out.keys = envelopeToC(required(cs.keys, path, 'keys'), `${path}{key}`);
      out.values = envelopeToC(required(cs.values, path, 'values'), `${path}{}`);
      break;
  }
  return out;
}

function required(s: ConnectSchema | undefined, path: string, what: string): ConnectSchema {
  if (!s) throw new Error(`${path || 'the value'}: a Kafka Connect schema without its "${what}"`);
  return s;
}
