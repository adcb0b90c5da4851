// A record value → the JSON document Confluent's Elasticsearch sink sends.
// schema.ignore=true: the value as JsonConverter (schemas.enable=false)
// writes it. schema.ignore=false: first "pre-processed" as that sink does:
// decimals become numbers (the exact decimal text, which the cluster reads as
// the double its mapping says), and maps whose keys are not strings (or all
// maps, with compact.map.entries=false) become arrays of {"key", "value"}.
// Dates are written as epoch milliseconds, so that a `date` field holds the
// same day (JsonConverter's day count would read as milliseconds).
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { ConvertError } from '../../errors.js';
import { describeValue } from '../../workers/encoder.js';
import { bigDecimalText, ConnectJsonWriter, jsonString, schemalessJson, unscaledDecimal } from '../common/connect-json.js';

const MS_PER_DAY = 86_400_000;

/** JsonConverter's text of a value, with Confluent's Elasticsearch pre-processing when `preprocess`. */
export class DocumentWriter extends ConnectJsonWriter {
  constructor(
    private readonly preprocess: boolean,
    private readonly compactMaps: boolean,
  ) {
    super('base64');
  }

  document(value: unknown, schema: RecordSchema): string {
    return this.record(value, schema);
  }

  override value(v: unknown, t: FieldType, optional: boolean, path: string, dflt?: unknown): string {
    if (!this.preprocess || v === null || v === undefined) return super.value(v, t, optional, path, dflt);
    switch (t.kind) {
      case 'decimal':
        return bigDecimalText(unscaledDecimal(v, t.scale, path), t.scale);
      case 'date': {
        // Debezium's io.debezium.time.Date is no Connect logical type to Confluent's sink: its day count, as JsonConverter writes it.
        if (t.local) return super.value(v, t, optional, path, dflt);
        const days = Number(super.value(v, t, optional, path));
        return String(days * MS_PER_DAY);
      }
      case 'map': {
        const entries = mapEntries(v, path);
        const stringKeys = entries.every((e) => typeof e[0] === 'string');
        if (this.compactMaps && stringKeys) {
          return `{${entries.map(([k, x]) => `${jsonString(k as string)}:${this.value(x, t.values, true, `${path}{}`)}`).join(',')}}`;
        }
        return `[${entries.map(([k, x]) => `{"key":${schemalessJson(k)},"value":${this.value(x, t.values, true, `${path}{}`)}}`).join(',')}]`;
      }
      default:
        return super.value(v, t, optional, path, dflt);
    }
  }
}

function mapEntries(v: unknown, path: string): [unknown, unknown][] {
  // Connect JSON envelopes give maps with non-string keys as [key, value] pairs.
  if (Array.isArray(v)) {
    for (const pair of v) if (!Array.isArray(pair) || pair.length !== 2) throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
    return v as [unknown, unknown][];
  }
  if (v instanceof Map) return [...v];
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) return Object.entries(v as object);
  throw new ConvertError(`field ${path} should be a map (got ${describeValue(v)})`);
}

/**
 * The index mapping Confluent's sink derives from a value schema
 * (Mapping.buildMapping): booleans, integers and floats by width, strings as
 * text with a keyword subfield (ignore_above 256), bytes as binary,
 * Date/Time/Timestamp as date (Debezium's Date/Time as the integers they
 * are), decimals as double, structs as nested properties, maps as
 * properties {key, value}, arrays as their elements.
 * Numeric and boolean defaults become null_value. Undefined when the schema
 * is not a struct (no mapping: the cluster maps dynamically).
 */
export function mappingOf(schema: RecordSchema): Record<string, unknown> | undefined {
  if (!schema.fields || schema.scalar) return undefined;
  return { properties: propertiesOf(schema.fields) };
}

function propertiesOf(fields: readonly { name: string; type: FieldType; default?: unknown }[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const m = fieldMapping(f.type, f.default);
    if (m) out[f.name] = m;
  }
  return out;
}

function fieldMapping(t: FieldType, dflt: unknown): Record<string, unknown> | undefined {
  const prim = (type: string) => {
    const m: Record<string, unknown> = { type };
    if ((typeof dflt === 'number' || typeof dflt === 'boolean') && type !== 'date') m.null_value = dflt;
    return m;
  };
  switch (t.kind) {
    case 'boolean': return prim('boolean');
    // Mapping.getElasticsearchType: INT8 byte, INT16 short, INT32 integer.
    case 'int32': return prim(t.width === 8 ? 'byte' : t.width === 16 ? 'short' : 'integer');
    case 'int64': case 'time-micros': case 'time-nanos': case 'timestamp-micros': case 'timestamp-nanos': return prim('long');
    case 'timestamp-millis': return t.local ? prim('long') : prim('date');
    // Connect's Date / Time are date; Debezium's io.debezium.time.Date / Time (local) are plain INT32s to Confluent's
    // Mapping.inferLogicalMapping, which knows only Connect's logical names: integer.
    case 'date': case 'time-millis': return t.local ? prim('integer') : prim('date');
    case 'float32': return prim('float');
    case 'float64': case 'decimal': return prim('double');
    case 'string': case 'uuid': case 'enum': case 'zoned-timestamp': case 'zoned-time': case 'json': case 'xml':
      return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
    case 'bytes': case 'fixed': case 'bits': return { type: 'binary' };
    case 'variable-decimal': return { properties: { scale: { type: 'integer' }, value: { type: 'binary' } } };
    case 'array': return fieldMapping(t.items, undefined);
    case 'map': {
      // Mapping.buildMap: key and value each mapped from their own schema.
      const key = fieldMapping(t.keys ?? { kind: 'string' }, undefined);
      const value = fieldMapping(t.values, undefined);
      return { properties: { ...(key ? { key } : {}), ...(value ? { value } : {}) } };
    }
    case 'record': return { properties: propertiesOf(t.fields) };
    case 'null': case 'any': return undefined;
  }
}
