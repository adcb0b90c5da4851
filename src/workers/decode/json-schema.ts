// Confluent's JsonSchemaConverter: magic byte 0, schema id, then the JSON
// text. The RecordSchema comes from the registered JSON Schema the way
// Confluent's JsonSchemaData derives a Connect schema, with its defaults:
// object → struct (properties in connect.index order, else as declared; a
// property is optional only when its schema allows null, as
// use.optional.for.nonrequired=false; an absent one reads as its default or
// null), connect.type "map" → map, integer → int64 and number → float64 unless
// connect.type says int8/16/32/64 or float32, string with connect.type "bytes"
// → bytes (base64 text), enum/const → string, oneOf/anyOf of one schema and
// null → that schema, optional; the Connect logical types by their title
// (Decimal with connect.parameters scale / connect.decimal.precision, Date,
// Time, Timestamp). A oneOf of several non-null schemas, a schema that
// allows anything, or an object that declares no properties has no single
// column type: it is kept as JSON (as Sluice does for Avro unions). Payloads
// are validated against the schema only with json.fail.invalid.schema=true
// (Confluent's default is false), by ajv.
import AjvModule, { type ValidateFunction } from 'ajv';
import Ajv2019Module from 'ajv/dist/2019.js';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isLosslessNumber, parse as parseLossless, type LosslessNumber } from 'lossless-json';
import type { Decoded } from './decoders.js';
import { bigToBytes, referencedSchemas, WireFormatDecoder } from './confluent.js';
import type { RegisteredSchema, SchemaRegistryClient } from './registry.js';
import { parseJsonExact } from '../json-exact.js';
import { intType, type Field, type FieldType, type RecordSchema } from '../schema.js';
import { setConnectView, setDeclaredVersion } from '../connect-view.js';
import { jsonSchemaConnectSchema, jsonSchemaDeclaredVersion, jsonSchemaName } from './json-schema-connect.js';
import { jsonWindowRefusal, type WindowSuffix } from './windowed.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Node = Record<string, Json> | boolean;
type Read = (v: unknown, path: string) => unknown;

interface Mapped {
  type: FieldType;
  optional: boolean;
  read: Read;
  default?: unknown;
}

interface Compiled {
  schema: RecordSchema;
  /** json.fail.invalid.schema=true: the payload must validate against the schema. */
  validate?: ValidateFunction;
  read: Read;
  /** Decimals need every digit of the JSON number: such payloads take the lossless parser. */
  lossless: boolean;
  /** The schema's name (its title), for RecordNameStrategy subjects. */
  name?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JsonSchemaConverter settings Sluice reads (Confluent's defaults otherwise). */
export interface JsonSchemaOptions {
  /** <key|value>.converter.json.fail.invalid.schema: a payload that does not validate against its schema is a bad record. */
  readonly failInvalidSchema?: boolean;
}

export class JsonSchemaDecoder extends WireFormatDecoder<Compiled> {
  constructor(
    registry: SchemaRegistryClient,
    private readonly opts: JsonSchemaOptions = {},
  ) {
    super(registry, 'JSON', 'JSON Schema');
  }

  protected async compile(id: number, registered: RegisteredSchema): Promise<Compiled> {
    const refs = await referencedSchemas(this.registry, registered);
    const docs = new Map<string, Json>();
    for (const [name, s] of refs) docs.set(name, JSON.parse(s.schema) as Json);
    const root = JSON.parse(registered.schema) as Json;
    const compiled = compileJsonSchema(`json-schema:${id}`, root, docs);
    if (this.opts.failInvalidSchema) compiled.validate = validatorFor(root, docs);
    setConnectView(compiled.schema, () => jsonSchemaConnectSchema(root, docs));
    const declared = jsonSchemaDeclaredVersion(root);
    if (declared !== undefined) setDeclaredVersion(compiled.schema, declared);
    compiled.name = jsonSchemaName(root);
    return compiled;
  }

  protected versionTarget(c: Compiled): { schema: RecordSchema; recordName?: string } {
    return c.name !== undefined ? { schema: c.schema, recordName: c.name } : { schema: c.schema };
  }

  /** A ksqlDB windowed key: Jackson reads the JSON and stops there, as here, unless the JSON is a number (windowed.ts). */
  protected override windowedKey(d: Decoded, bytes: Uint8Array, suffix: WindowSuffix, err: Error): Decoded {
    const refused = jsonWindowRefusal('JSON Schema', bytes, 5, suffix);
    if (refused !== undefined) throw new Error(`${err.message} (${refused})`);
    return d;
  }

  protected decodeBody(c: Compiled, id: number, bytes: Uint8Array, start: number): Decoded {
    let json: unknown;
    try {
      const text = utf8.decode(bytes.subarray(start));
      json = c.lossless ? parseLossless(text) : parseJsonExact(text);
    } catch (err) {
      throw new Error(`JSON Schema payload (schema id ${id}) is not valid UTF-8 JSON: ${(err as Error).message}`);
    }
    // Validated as plain JSON (numbers as doubles): type, range and format checks do not need every digit.
    if (c.validate && !c.validate(c.lossless ? JSON.parse(utf8.decode(bytes.subarray(start))) : unBig(json))) {
      throw new Error(`JSON Schema payload does not validate against schema id ${id} (json.fail.invalid.schema=true): ${errorsText(c.validate)}`);
    }
    return { value: c.read(json, '$'), schema: c.schema };
  }
}

// CommonJS modules: the classes are their `default` export.
const Ajv = AjvModule.default;
const Ajv2019 = Ajv2019Module.default;
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

/** An ajv validator for the schema's draft, its referenced schemas under their reference names, the standard formats. */
function validatorFor(root: Json, docs: ReadonlyMap<string, Json>): ValidateFunction {
  const dialect = isObject(root) && typeof root.$schema === 'string' ? root.$schema : '';
  const Klass = dialect.includes('2020-12') ? Ajv2020 : dialect.includes('2019-09') ? Ajv2019 : Ajv;
  // connect.* annotations are not JSON Schema keywords: not strict. $schema is dropped: ajv has no draft-04 meta-schema.
  const ajv = new Klass({ strict: false, validateSchema: false, allowUnionTypes: true });
  addFormats(ajv);
  const bare = (s: Json): object => {
    if (!isObject(s)) return s as unknown as object;
    const { $schema: _dialect, ...rest } = s as Record<string, Json>;
    return rest;
  };
  for (const [name, doc] of docs) ajv.addSchema(bare(doc), name);
  return ajv.compile(bare(root));
}

/** The parser's BigInts (integers beyond 2^53) as the doubles ajv compares. */
function unBig(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(unBig);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = unBig(x);
    return out;
  }
  return v;
}

function errorsText(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}

export function compileJsonSchema(id: string, root: Json, docs: ReadonlyMap<string, Json> = new Map()): Compiled {
  const ctx = new Ctx(docs);
  const node = asNode(root);
  ctx.inProgress.add(node); // a "$ref": "#" inside it is the recursion
  const m = ctx.map(node, root, false);
  const schema: RecordSchema =
    m.type.kind === 'record' ? { id, fields: m.type.fields } : { id, fields: [{ name: 'value', type: m.type, optional: m.optional }], scalar: true };
  return { schema, read: m.read, lossless: ctx.sawDecimal };
}

function asNode(j: Json | undefined): Node {
  if (typeof j === 'boolean') return j;
  if (j !== null && typeof j === 'object' && !Array.isArray(j)) return j;
  throw new Error(`${JSON.stringify(j)?.slice(0, 60)} is not a JSON Schema`);
}

const CONNECT = 'org.apache.kafka.connect.data.';

class Ctx {
  sawDecimal = false;
  /** Schemas being mapped: a $ref back to one of them is a recursion. */
  readonly inProgress = new Set<Node>();
  constructor(private readonly docs: ReadonlyMap<string, Json>) {}

  /** Follows a $ref: "#/pointer" in the same document, or "<name>#/pointer" in a referenced schema. */
  private deref(ref: string, doc: Json): { node: Node; doc: Json } {
    const hash = ref.indexOf('#');
    const url = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    let target = doc;
    if (url !== '') {
      const found = this.docs.get(url) ?? [...this.docs].find(([name]) => url.endsWith('/' + name) || name.endsWith('/' + url))?.[1];
      if (found === undefined) throw new Error(`$ref "${ref}" names a schema that is not among the schema's references`);
      target = found;
    }
    let node: Json | undefined = target;
    for (const raw of pointer.split('/').slice(1)) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = node !== null && typeof node === 'object' ? (node as Record<string, Json>)[part] : undefined;
    }
    if (node === undefined) throw new Error(`$ref "${ref}" points at nothing`);
    return { node: asNode(node), doc: target };
  }

  map(node: Node, doc: Json, forceOptional: boolean): Mapped {
    const m = this.mapInner(node, doc);
    if (forceOptional) m.optional = true;
    return m;
  }

  private mapInner(node: Node, doc: Json): Mapped {
    if (typeof node === 'boolean' || Object.keys(node).length === 0) return anyType(true);
    if (typeof node.$ref === 'string') {
      const { node: target, doc: tdoc } = this.deref(node.$ref, doc);
      // A schema that contains itself has no finite column shape: the recursive part is kept as JSON.
      if (this.inProgress.has(target)) return anyType(true);
      this.inProgress.add(target);
      try {
        return this.map(target, tdoc, false);
      } finally {
        this.inProgress.delete(target);
      }
    }
    const m = this.mapTyped(node, doc);
    if (node.default !== undefined) m.default = m.read(node.default, 'default');
    return m;
  }

  private mapTyped(node: Record<string, Json>, doc: Json): Mapped {
    if (Array.isArray(node.allOf)) return this.allOf(node, doc);
    for (const k of ['oneOf', 'anyOf'] as const) {
      const subs = node[k];
      if (!Array.isArray(subs)) continue;
      const nonNull = subs.filter((s) => !isNullSchema(s));
      const optional = nonNull.length < subs.length;
      // flatten.singleton.unions (default true), and {x, null} → optional x.
      if (nonNull.length === 1) return this.map(asNode(nonNull[0]), doc, optional);
      return anyType(optional);
    }
    if (Array.isArray(node.enum) || node.const !== undefined) return { type: { kind: 'string' }, optional: false, read: readEnumText };
    let type: Json | undefined = node.type;
    if (Array.isArray(type)) {
      const nonNull = type.filter((t) => t !== 'null');
      if (nonNull.length !== 1) return anyType(nonNull.length < type.length);
      const m = this.mapTyped({ ...node, type: nonNull[0]! }, doc);
      m.optional ||= nonNull.length < type.length;
      return m;
    }
    if (type === undefined) type = node.properties !== undefined ? 'object' : node.items !== undefined ? 'array' : undefined;
    const connectType = typeof node['connect.type'] === 'string' ? node['connect.type'] : undefined;
    const title = typeof node.title === 'string' ? node.title : undefined;
    const params = (node['connect.parameters'] ?? {}) as Record<string, Json>;
    switch (type) {
      case 'null':
        return { type: { kind: 'null' }, optional: true, read: () => null };
      case 'boolean':
        return { type: { kind: 'boolean' }, optional: false, read: readBoolean };
      case 'integer':
      case 'number': {
        if (title === `${CONNECT}Decimal` || connectType === 'bytes') {
          this.sawDecimal = true;
          const scale = Number(params.scale ?? 0);
          const precision = Number(params['connect.decimal.precision'] ?? 38);
          return { type: { kind: 'decimal', precision, scale }, optional: false, read: (v, p) => readDecimal(v, scale, p) };
        }
        if (title === `${CONNECT}Date`) return { type: { kind: 'date' }, optional: false, read: intReader(32) };
        if (title === `${CONNECT}Time`) return { type: { kind: 'time-millis' }, optional: false, read: intReader(32) };
        if (title === `${CONNECT}Timestamp`) return { type: { kind: 'timestamp-millis' }, optional: false, read: intReader(64) };
        switch (connectType) {
          case 'int8': return { type: intType(8), optional: false, read: intReader(8) };
          case 'int16': return { type: intType(16), optional: false, read: intReader(16) };
          case 'int32': return { type: { kind: 'int32' }, optional: false, read: intReader(32) };
          case 'int64': return { type: { kind: 'int64' }, optional: false, read: intReader(64) };
          case 'float32': return { type: { kind: 'float32' }, optional: false, read: readFloat };
          case 'float64': return { type: { kind: 'float64' }, optional: false, read: readFloat };
          case undefined: break;
          default: throw new Error(`connect.type "${connectType}" is not a numeric type`);
        }
        return type === 'integer' ? { type: { kind: 'int64' }, optional: false, read: intReader(64) } : { type: { kind: 'float64' }, optional: false, read: readFloat };
      }
      case 'string':
        if (connectType === 'bytes') return { type: { kind: 'bytes' }, optional: false, read: readBase64 };
        return { type: { kind: 'string' }, optional: false, read: readString };
      case 'array': {
        const itemsNode = node.items;
        if (itemsNode === undefined || Array.isArray(itemsNode)) throw new Error('an array schema without a single "items" schema');
        const items = this.map(asNode(itemsNode), doc, false);
        if (connectType === 'map' && items.type.kind === 'record') {
          // Connect maps with non-string keys: an array of {key, value} objects.
          const value = items.type.fields.find((f) => f.name === 'value');
          const itemRead = items.read;
          return {
            type: { kind: 'map', values: value?.type ?? { kind: 'any' } },
            optional: false,
            read: (v, p) => {
              if (!Array.isArray(v)) throw new Error(`${p}: expected an array of {key, value} entries, got ${describe(v)}`);
              const out: Record<string, unknown> = {};
              v.forEach((e, i) => {
                const entry = itemRead(e, `${p}[${i}]`) as { key: unknown; value: unknown };
                out[keyText(entry.key)] = entry.value;
              });
              return out;
            },
          };
        }
        const itemRead = items.read;
        return {
          type: { kind: 'array', items: items.type, itemsOptional: items.optional },
          optional: false,
          read: (v, p) => {
            if (!Array.isArray(v)) throw new Error(`${p}: expected an array, got ${describe(v)}`);
            return v.map((x, i) => nullable(itemRead, items.optional, x, `${p}[${i}]`));
          },
        };
      }
      case 'object': {
        if (connectType === 'map') {
          const ap = node.additionalProperties;
          const values = ap === undefined || typeof ap === 'boolean' ? anyType(true) : this.map(asNode(ap), doc, false);
          return {
            type: { kind: 'map', values: values.type },
            optional: false,
            read: (v, p) => {
              if (!isObject(v)) throw new Error(`${p}: expected an object, got ${describe(v)}`);
              const out: Record<string, unknown> = {};
              for (const [k, x] of Object.entries(v)) out[k] = nullable(values.read, values.optional, x, `${p}.${k}`);
              return out;
            },
          };
        }
        // An object that declares no properties but allows any: a struct would drop everything it holds (Confluent's
        // converter gives an empty struct), so it is kept as JSON.
        const declared = isObject(node.properties) ? Object.keys(node.properties).length : 0;
        if (declared === 0 && node.additionalProperties !== false) return anyType(false);
        return this.struct(node.properties, doc);
      }
      case undefined:
        return anyType(true);
      default:
        throw new Error(`type "${String(type)}" is not a JSON Schema type`);
    }
  }

  private struct(props: Json | undefined, doc: Json): Mapped {
    const entries = props !== null && typeof props === 'object' && !Array.isArray(props) ? Object.entries(props) : [];
    // connect.index orders the fields as the Connect schema had them; the rest follow in declaration order.
    const ordered = entries
      .map(([name, s], i) => ({ name, s, at: isObject(s) && typeof s['connect.index'] === 'number' ? (s['connect.index'] as number) : i }))
      .sort((a, b) => a.at - b.at);
    const mapped = ordered.map(({ name, s }) => ({ name, m: this.map(asNode(s), doc, false) }));
    const fields: Field[] = mapped.map(({ name, m }) => ({
      name, type: m.type, optional: m.optional, ...(m.default !== undefined ? { default: m.default } : {}),
    }));
    return {
      type: { kind: 'record', fields },
      optional: false,
      read: (v, p) => {
        if (!isObject(v)) throw new Error(`${p}: expected an object, got ${describe(v)}`);
        const out: Record<string, unknown> = {};
        for (const { name, m } of mapped) {
          const x = v[name];
          if (x === undefined || x === null) {
            // Absent: its default, else null. An explicit null in a field that cannot hold one is an error, as in Confluent's converter.
            if (m.default !== undefined) out[name] = m.default;
            else if (x === null && !m.optional) throw new Error(`${p}.${name}: null, but the schema does not allow null`);
            else out[name] = null;
          } else out[name] = m.read(x, `${p}.${name}`);
        }
        return out;
      },
    };
  }

  /** allOf: the properties of every part together (Confluent merges them), else the one part that has a type. */
  private allOf(node: Record<string, Json>, doc: Json): Mapped {
    const props: Record<string, Json> = {};
    const parts = [...(node.allOf as Json[])];
    const typed: Node[] = [];
    for (let i = 0; i < parts.length; i++) {
      let part = asNode(parts[i]);
      let pdoc = doc;
      while (typeof part === 'object' && typeof part.$ref === 'string') ({ node: part, doc: pdoc } = this.deref(part.$ref, pdoc));
      if (typeof part !== 'object') continue;
      if (part.properties && typeof part.properties === 'object') Object.assign(props, part.properties);
      if (Array.isArray(part.allOf)) parts.push(...part.allOf);
      else if (part.type !== undefined || part.oneOf !== undefined || part.anyOf !== undefined || part.enum !== undefined) typed.push(part);
    }
    if (Object.keys(props).length > 0) return this.struct(props, doc);
    if (typed.length > 0) return this.map(typed.find((t) => typeof t === 'object' && (t.type === 'integer' || t.type === 'number')) ?? typed[0]!, doc, false);
    return anyType(true);
  }
}

function isNullSchema(s: Json): boolean {
  return s !== null && typeof s === 'object' && !Array.isArray(s) && s.type === 'null';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isLosslessNumber(v);
}

function describe(v: unknown): string {
  if (isLosslessNumber(v)) return `number ${(v as LosslessNumber).value}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v).slice(0, 40)}`;
}

function nullable(read: Read, optional: boolean, v: unknown, p: string): unknown {
  if (v === null || v === undefined) {
    if (!optional) throw new Error(`${p}: null, but the schema does not allow null`);
    return null;
  }
  return read(v, p);
}

function anyType(optional: boolean): Mapped {
  return { type: { kind: 'any' }, optional, read: plain };
}

/** A value kept as JSON: numbers back as the exact numbers they are. */
function plain(v: unknown): unknown {
  if (isLosslessNumber(v)) return exactNumber((v as LosslessNumber).value);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

function exactNumber(text: string): number | bigint {
  const n = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) return BigInt(text);
  return n;
}

function readBoolean(v: unknown, p: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${p}: expected a boolean, got ${describe(v)}`);
  return v;
}

function readString(v: unknown, p: string): string {
  if (typeof v !== 'string') throw new Error(`${p}: expected a string, got ${describe(v)}`);
  return v;
}

function readEnumText(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(plain(v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function readBase64(v: unknown, p: string): Uint8Array {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new Error(`${p}: expected base64 text of bytes, got ${describe(v)}`);
  return Buffer.from(v, 'base64');
}

function readFloat(v: unknown, p: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (isLosslessNumber(v)) return Number((v as LosslessNumber).value);
  throw new Error(`${p}: expected a number, got ${describe(v)}`);
}

const INT_RANGE = {
  8: [-128n, 127n],
  16: [-32768n, 32767n],
  32: [-2147483648n, 2147483647n],
  64: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

function intReader(bits: 8 | 16 | 32 | 64): Read {
  const [min, max] = INT_RANGE[bits];
  const lo = Math.max(Number(min), Number.MIN_SAFE_INTEGER);
  const hi = Math.min(Number(max), Number.MAX_SAFE_INTEGER);
  return (v, p) => {
    let b: bigint;
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= lo && v <= hi) return v; // the common case
      if (!Number.isInteger(v)) throw new Error(`${p}: ${v} is not an integer`);
      b = BigInt(v);
    } else if (typeof v === 'bigint') b = v;
    else if (isLosslessNumber(v)) {
      const t = (v as LosslessNumber).value;
      const unscaled = decimalUnscaled(t, 0, p);
      if (unscaled === undefined) throw new Error(`${p}: ${t} is not an integer`);
      b = unscaled;
    } else throw new Error(`${p}: expected an integer, got ${describe(v)}`);
    if (b < min || b > max) throw new Error(`${p}: ${b} is beyond int${bits}`);
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  };
}

/** The JSON number text as an unscaled integer at `scale`, or undefined when it has more fractional digits than that. */
function decimalUnscaled(text: string, scale: number, p: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  let digits = m[2]! + (m[3] ?? '');
  const exp = (m[4] ? Number(m[4]) : 0) - (m[3]?.length ?? 0); // value = digits × 10^exp
  const shift = exp + scale;
  // An exponent like 1e999999999 would be a billion zeros: no column holds a number of more than a few hundred digits.
  if (digits.length + shift > 1000) throw new Error(`${p}: ${text} has more than 1000 digits`);
  if (shift >= 0) digits += '0'.repeat(shift);
  else {
    const cut = digits.slice(digits.length + shift);
    if (/[1-9]/.test(cut)) return undefined;
    digits = digits.slice(0, digits.length + shift) || '0';
  }
  const n = BigInt(digits);
  return m[1] === '-' ? -n : n;
}

function readDecimal(v: unknown, scale: number, p: string): Uint8Array {
  // A decimal as base64 text of the unscaled bytes (decimal.format=BASE64, Confluent's default), or as a number.
  if (typeof v === 'string') return readBase64(v, p);
  const text = isLosslessNumber(v) ? (v as LosslessNumber).value : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
  if (text === undefined) throw new Error(`${p}: expected a decimal number or base64 text, got ${describe(v)}`);
  const n = decimalUnscaled(text, scale, p);
  if (n === undefined) throw new Error(`${p}: ${text} has more fractional digits than the schema's scale ${scale}`);
  return bigToBytes(n);
}

function keyText(k: unknown): string {
  return typeof k === 'string' ? k : String(k);
}
