// The Kafka Connect schema Confluent's JsonSchemaData.toConnectSchema makes
// from a JSON Schema, with JsonSchemaConverter's defaults
// (use.optional.for.nonrequired=false, flatten.singleton.unions=true,
// generalized.sum.type.support=false): objects are structs named by their
// "title" whose properties are required unless their schema is a union with
// null; integer → int64 and number → float64 unless connect.type says
// otherwise; "connect.parameters" are the parameters; enum and const are
// strings with their symbols as io.confluent.connect.json.Enum parameters;
// "default" is the default. Constructs whose Connect schema Sluice cannot
// match exactly, or that Sluice keeps as JSON (a union of several types, a
// schema allowing anything, allOf, a schema referenced twice or recursively),
// throw, naming the construct.
import type { ConnectSchema } from '../schema.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const ENUM = 'io.confluent.connect.json.Enum';
const NUMERIC: Record<string, string> = { int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64', float32: 'float', float64: 'double', bytes: 'bytes' };

/** The Connect schema of a registered JSON Schema (`docs`: its references by name). */
export function jsonSchemaConnectSchema(root: Json, docs: ReadonlyMap<string, Json> = new Map()): ConnectSchema {
  return new Builder(docs).of(root, root, false, '');
}

/** ParsedSchema.name() of a JSON Schema: its "title" as text; undefined without one. */
export function jsonSchemaName(root: Json): string | undefined {
  if (!isObj(root) || root.title === undefined || root.title === null) return undefined;
  return typeof root.title === 'string' ? root.title : JSON.stringify(root.title);
}

/** The version JsonSchemaData puts on the value's schema before the registry's: the top-level "connect.version". */
export function jsonSchemaDeclaredVersion(root: Json): number | undefined {
  const v = isObj(root) ? root['connect.version'] : undefined;
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function isObj(j: Json | undefined): j is Obj {
  return j !== null && typeof j === 'object' && !Array.isArray(j);
}

const isNull = (j: Json) => isObj(j) && j.type === 'null';

class Builder {
  private readonly inProgress = new Set<Json>();
  private readonly referenced = new Set<Json>();
  constructor(private readonly docs: ReadonlyMap<string, Json>) {}

  private deref(ref: string, doc: Json, at: string): { node: Json; doc: Json } {
    const hash = ref.indexOf('#');
    const url = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    let target = doc;
    if (url !== '') {
      const found = this.docs.get(url) ?? [...this.docs].find(([name]) => url.endsWith('/' + name) || name.endsWith('/' + url))?.[1];
      if (found === undefined) throw new Error(`${at}: $ref "${ref}" names a schema that is not among the schema's references`);
      target = found;
    }
    let node: Json | undefined = target;
    for (const raw of pointer.split('/').slice(1)) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObj(node) ? node[part] : Array.isArray(node) ? node[Number(part)] : undefined;
    }
    if (node === undefined) throw new Error(`${at}: $ref "${ref}" points at nothing`);
    return { node, doc: target };
  }

  of(node: Json | undefined, doc: Json, forceOptional: boolean, at: string): ConnectSchema {
    const where = at || 'the top-level schema';
    const unsupported = (what: string) => new Error(`${where}: ${what}; Sluice does not project it (its Kafka Connect schema cannot be matched exactly)`);
    if (!isObj(node) || Object.keys(node).length === 0) throw unsupported('a schema that allows any value');
    if (typeof node.$ref === 'string') {
      // The value's version would be the target's connect.version, which the decoder does not read.
      if (at === '') throw unsupported('a top-level $ref');
      const { node: target, doc: tdoc } = this.deref(node.$ref, doc, where);
      if (this.inProgress.has(target)) throw unsupported(`a schema that contains itself ($ref "${node.$ref}")`);
      // JsonSchemaData shares one builder between the uses of a referenced schema and marks it with an id parameter.
      if (this.referenced.has(target)) throw unsupported(`a schema referenced more than once ($ref "${node.$ref}")`);
      this.referenced.add(target);
      this.inProgress.add(target);
      try {
        return this.of(target, tdoc, forceOptional, at);
      } finally {
        this.inProgress.delete(target);
      }
    }
    if (node.allOf !== undefined || node.not !== undefined || node.if !== undefined) throw unsupported('allOf / not / if');
    const union = node.oneOf ?? node.anyOf;
    if (union !== undefined) {
      if (!Array.isArray(union)) throw unsupported('oneOf/anyOf that is not an array');
      // JsonSchemaData takes the value's version from inside the union (or none, for one branch): the decoder reads the top level's.
      if (at === '') throw unsupported('a top-level oneOf/anyOf');
      const rest = Object.keys(node).filter((k) => !['oneOf', 'anyOf', 'title', 'description', '$id', '$schema', 'definitions', '$defs'].includes(k));
      if (rest.length > 0 || node.title !== undefined) throw unsupported(`oneOf/anyOf next to ${[...rest, ...(node.title !== undefined ? ['title'] : [])].join(', ')}`);
      if (union.length === 1) return this.of(union[0], doc, false, at);
      const nonNull = union.filter((s) => !isNull(s));
      if (union.length === 2 && nonNull.length === 1) return this.of(nonNull[0], doc, true, at);
      throw unsupported('a union of several types (io.confluent.connect.json.OneOf)');
    }
    let type: Json | undefined = node.type;
    if (Array.isArray(type)) {
      const nonNull = type.filter((t) => t !== 'null');
      if (nonNull.length !== 1 || type.length > 2) throw unsupported(`"type" ${JSON.stringify(type)}`);
      for (const k of ['title', 'default', 'connect.parameters', 'connect.version']) if (node[k] !== undefined) throw unsupported(`"type" ${JSON.stringify(type)} with "${k}"`);
      return this.of({ ...node, type: nonNull[0]! }, doc, forceOptional || type.length === 2, at);
    }
    let s: ConnectSchema;
    if (Array.isArray(node.enum) || node.const !== undefined) {
      // With "type", the JSON Schema library makes an allOf of the two: JsonSchemaData then keeps a string enum but
      // ignores a const, takes any other type over the enum, and the title, default and parameters stay on the allOf.
      if (node.type !== undefined) {
        if (node.type !== 'string') throw unsupported(`an enum or const with "type" ${JSON.stringify(node.type)}`);
        for (const k of ['title', 'default', 'connect.parameters', 'connect.type']) if (node[k] !== undefined) throw unsupported(`an enum or const with "type" and "${k}"`);
        if (!Array.isArray(node.enum)) return { type: 'string', optional: forceOptional };
      }
      const params: Record<string, string> = { [ENUM]: '' };
      for (const sym of Array.isArray(node.enum) ? node.enum : [node.const!]) {
        if (sym === null) params[`${ENUM}.<NULL>`] = '<NULL>';
        else if (typeof sym === 'string' || typeof sym === 'boolean' || (typeof sym === 'number' && Number.isSafeInteger(sym))) params[`${ENUM}.${String(sym)}`] = String(sym);
        else throw unsupported(`enum symbol ${JSON.stringify(sym)}`);
      }
      s = { type: 'string', optional: false, parameters: params };
    } else {
      if (type === undefined) type = node.properties !== undefined ? 'object' : node.items !== undefined ? 'array' : undefined;
      const connectType = typeof node['connect.type'] === 'string' ? node['connect.type'] : undefined;
      switch (type) {
        case 'boolean':
          s = { type: 'boolean', optional: false };
          break;
        case 'integer':
        case 'number':
          if (connectType !== undefined && !NUMERIC[connectType]) throw unsupported(`connect.type "${connectType}"`);
          s = { type: connectType ? NUMERIC[connectType]! : type === 'integer' ? 'int64' : 'double', optional: false };
          break;
        case 'string':
          s = { type: connectType === 'bytes' ? 'bytes' : 'string', optional: false };
          break;
        case 'array': {
          const items = node.items;
          if (!isObj(items)) throw unsupported('an array without one "items" schema');
          if (connectType === 'map' && isObj(items.properties)) {
            const p = items.properties;
            if (p.key === undefined || p.value === undefined) throw unsupported('a connect.type "map" array whose items lack key or value');
            s = { type: 'map', optional: false, keys: this.of(p.key, doc, false, `${at}{key}`), values: this.of(p.value, doc, false, `${at}{}`) };
          } else s = { type: 'array', optional: false, items: this.of(items, doc, false, `${at}[]`) };
          break;
        }
        case 'object': {
          if (connectType === 'map') {
            if (!isObj(node.additionalProperties)) throw unsupported('a connect.type "map" object without an additionalProperties schema');
            s = { type: 'map', optional: false, keys: { type: 'string', optional: false }, values: this.of(node.additionalProperties, doc, false, `${at}{}`) };
            break;
          }
          const props = isObj(node.properties) ? node.properties : {};
          if (Object.keys(props).length === 0 && node.additionalProperties !== false) throw unsupported('an object that declares no properties');
          const fields = Object.entries(props).map(([name, sub]) => ({ ...this.of(sub, doc, false, at ? `${at}.${name}` : name), field: name }));
          s = { type: 'struct', optional: false, fields };
          break;
        }
        default:
          throw unsupported(type === undefined ? 'a schema without a type' : `type "${String(type)}"`);
      }
    }
    if (typeof node.title === 'string') s.name = node.title;
    else if (node.title !== undefined) throw unsupported('a "title" that is not a string');
    const cp = node['connect.parameters'];
    if (cp !== undefined) {
      if (!isObj(cp)) throw unsupported('"connect.parameters" that is not an object');
      s.parameters = { ...(s.parameters ?? {}), ...Object.fromEntries(Object.entries(cp).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) };
    }
    if (node.default !== undefined && node.default !== null) {
      if (s.type === 'struct' || s.type === 'array' || s.type === 'map') throw unsupported('a default for a struct, array or map');
      s.default = node.default;
    }
    if (forceOptional) s.optional = true;
    return s;
  }
}
