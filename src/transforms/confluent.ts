// Confluent's own transforms (io.confluent.connect.transforms.*, from
// confluentinc/connect-transforms, installed on a Connect worker with
// `confluent connect plugin install confluentinc/connect-transforms`), with
// the option names, defaults and failure cases of Confluent's usage reference
// (docs.confluent.io/kafka-connectors/transforms/current/*.html).
import type { RecordSchema } from '../workers/schema.js';
import { JsonPath, PathNotFound } from './jsonpath.js';
import { OptionError, type Options, type TransformFactory } from './options.js';
import { SimpleDateFormat } from './timefmt.js';
import { describeValue, getHeaders, hasSchema, isStruct, optionalOfSchema, TransformError, type TRecord } from './record.js';

type Part = 'key' | 'value';

// ---------------------------------------------------------------- TombstoneHandler

/**
 * TombstoneHandler: a record whose whole value is null (with or without a
 * value schema) is dropped (behavior ignore, or warn: the default) or fails
 * with a DataException (fail). Other records pass unchanged. Sluice counts a
 * dropped tombstone with the records the chain dropped; Confluent's warn
 * logs each one at WARN, Sluice does not log per record.
 */
const tombstoneHandler: TransformFactory = {
  info: { usesKey: false, routing: 'none' },
  create(o) {
    const behavior = o.oneOf('behavior', ['ignore', 'warn', 'fail'] as const, 'warn', true);
    return {
      apply(r) {
        if (r.value !== null && r.value !== undefined) return true;
        if (behavior === 'fail') {
          throw new TransformError(`Tombstone record encountered, failing due to configured 'fail' behavior (${o.prefix}behavior) at topic ${r.topic} partition ${r.partition} offset ${r.offset}`);
        }
        return false;
      },
    };
  },
};

// ---------------------------------------------------------------- Drop

const SCHEMA_BEHAVIORS = ['nullify', 'retain', 'validate', 'force_optional'] as const;

/**
 * Drop$Key / Drop$Value: sets the key or value to null. schema.behavior:
 * nullify (default) removes the schema too; retain keeps it; validate keeps
 * it but fails when it is not optional; force_optional keeps it, made optional.
 * Sluice knows whether a primitive (scalar) schema is optional; a struct
 * schema's own optional flag it does not keep, so validate refuses a struct
 * schema rather than guess (force_optional needs no flag: the null is the same).
 */
function drop(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o: Options) {
      const behavior = o.oneOf('schema.behavior', SCHEMA_BEHAVIORS, 'nullify', true);
      const withNull = (s: RecordSchema | undefined): RecordSchema | undefined => {
        if (behavior === 'nullify' || !hasSchema(s)) return undefined;
        if (behavior === 'validate') {
          if (!s.scalar) {
            throw new TransformError(`${o.prefix}schema.behavior=validate: the ${part} schema is a struct, whose optional flag Sluice does not keep; use force_optional or retain`);
          }
          if (!optionalOfSchema(s)) throw new TransformError(`${part} schema is not optional, so the ${part} cannot be set to null (${o.prefix}schema.behavior=validate)`);
        }
        if (behavior === 'force_optional' && s.scalar && !s.fields[0]!.optional) {
          return { ...s, id: `${s.id}|optional`, fields: [{ ...s.fields[0]!, optional: true }] };
        }
        return s;
      };
      return {
        apply(r: TRecord) {
          if (part === 'key') {
            r.keySchema = withNull(r.keySchema);
            r.key = null;
          } else {
            r.valueSchema = withNull(r.valueSchema);
            r.value = null;
          }
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- ExtractTopic

/**
 * A field path for ExtractTopic: field.format=PLAIN takes the name as is;
 * JSON_PATH takes the documented form, `$.f1.f3` / `$['f1']['f3']` /
 * `["f1"]["f3"]` (names only; a wildcard, an index or a filter is refused at
 * config load rather than read some other way).
 */
export function parseFieldPath(text: string, format: 'PLAIN' | 'JSON_PATH'): string[] {
  if (format === 'PLAIN') return [text];
  let at = text.startsWith('$') ? 1 : 0;
  const out: string[] = [];
  while (at < text.length) {
    const c = text[at]!;
    if (c === '.') {
      const m = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(text.slice(at));
      if (!m) throw new Error(`a name must follow "." at position ${at}`);
      out.push(m[1]!);
      at += m[0].length;
    } else if (c === '[') {
      const m = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(text.slice(at));
      if (!m) throw new Error(`only a quoted name may stand in brackets (position ${at}); wildcards, indexes and filters are not supported here`);
      out.push((m[1] ?? m[2]!).replace(/\\(.)/g, '$1'));
      at += m[0].length;
    } else if (at === 0) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text);
      if (!m) throw new Error(`unexpected ${JSON.stringify(c)} at position 0`);
      out.push(m[0]);
      at += m[0].length;
    } else {
      throw new Error(`unexpected ${JSON.stringify(c)} at position ${at}`);
    }
  }
  if (out.length === 0) throw new Error('the path names no field');
  return out;
}

/**
 * ExtractTopic$Key / $Value / $Header: the topic becomes the whole key or
 * value (a string), a field of it (a struct or map: `field`, read as
 * field.format says), or a header's value (`field` names the header; required).
 * A missing or null one fails the record unless skip.missing.or.null=true,
 * which leaves the topic as it was. A value that is not a string fails rather
 * than be turned into text some way Confluent's may not.
 */
function extractTopic(part: Part | 'header'): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'record' },
    create(o: Options) {
      const field = o.str('field', '');
      const format = o.oneOf('field.format', ['PLAIN', 'JSON_PATH'] as const, 'PLAIN', true);
      const skip = o.bool('skip.missing.or.null', false);
      if (part === 'header' && field === '') o.fail('field', 'required for ExtractTopic$Header (the header whose value becomes the topic)');
      let path: string[] = [];
      if (field !== '' && part !== 'header') {
        try {
          path = parseFieldPath(field, format);
        } catch (err) {
          o.fail('field', `not a ${format} field path Sluice can read: ${(err as Error).message}`);
        }
      }
      const dec = new TextDecoder('utf-8', { fatal: true });
      const extract = (r: TRecord): unknown => {
        if (part === 'header') {
          const hs = getHeaders(r);
          // The last header of that name, as Headers.lastWithName.
          for (let i = hs.length - 1; i >= 0; i--) {
            if (hs[i]!.name !== field) continue;
            const v = hs[i]!.value;
            if (v === null) return null;
            try {
              return dec.decode(v);
            } catch {
              throw new TransformError(`header ${field} is not UTF-8 text, so it cannot be a topic name`);
            }
          }
          return undefined;
        }
        let v: unknown = part === 'key' ? r.key : r.value;
        for (const name of path) {
          if (v === null || v === undefined) return v;
          if (!isStruct(v)) throw new TransformError(`ExtractTopic: the ${part} is ${describeValue(v)}, not a struct or map with field ${name} (${o.prefix}field)`);
          v = v[name];
        }
        return v;
      };
      return {
        apply(r) {
          const v = extract(r);
          if (v === null || v === undefined) {
            if (skip) return true;
            const what = part === 'header' ? `header ${field}` : field === '' ? `the ${part}` : `field ${field} of the ${part}`;
            throw new TransformError(`ExtractTopic: ${what} is ${v === null ? 'null' : 'missing'} (set ${o.prefix}skip.missing.or.null=true to keep the topic)`);
          }
          if (typeof v !== 'string') {
            throw new TransformError(`ExtractTopic: ${field === '' ? `the ${part}` : `field ${field}`} is ${describeValue(v)}, not a string to use as the topic name`);
          }
          r.topic = v;
          return true;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- Filter

/**
 * Filter$Key / Filter$Value (Confluent's, not Apache Kafka's predicate-driven
 * Filter): filter.condition is a JSON path (jsonpath.ts: Jayway's syntax, the
 * documented subset); a record matches when the path finds something (a
 * definite path: a non-null value; with a filter or wildcard: at least one
 * match). filter.type include keeps only matches, exclude drops them. A record
 * without a field the path needs (or null there, on a definite path) goes by
 * missing.or.null.behavior: fail (default), include or exclude; inside [?()]
 * a missing field is undefined and simply does not match.
 */
function confluentFilter(part: Part): TransformFactory {
  return {
    info: { usesKey: part === 'key', routing: 'none' },
    create(o: Options) {
      const condition = o.required('filter.condition', 'a JSON path predicate');
      let path: JsonPath;
      try {
        path = new JsonPath(condition.trim());
      } catch (err) {
        o.fail('filter.condition', `not a JSON path Sluice can run: ${(err as Error).message}`);
      }
      if (!o.has('filter.type')) o.fail('filter.type', 'required (include or exclude)');
      const include = o.oneOf('filter.type', ['include', 'exclude'] as const, 'include', true) === 'include';
      const missing = o.oneOf('missing.or.null.behavior', ['fail', 'include', 'exclude'] as const, 'fail', true);
      return {
        apply(r: TRecord) {
          let matched: boolean;
          try {
            const found = path.read(part === 'key' ? r.key : r.value);
            if (path.definite && found === null) throw new PathNotFound('null');
            matched = path.definite || (Array.isArray(found) && found.length > 0);
          } catch (err) {
            if (!(err instanceof PathNotFound)) throw err;
            if (missing === 'fail') {
              throw new TransformError(`Filter: the ${part} has no value at ${condition} (${err.message}); set ${o.prefix}missing.or.null.behavior to include or exclude to keep or drop such records`);
            }
            return missing === 'include';
          }
          return matched === include;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- MessageTimestampRouter

/**
 * MessageTimestampRouter: like TimestampRouter, but the timestamp is the first
 * of message.timestamp.keys present in the value (a map: schemaless; Confluent
 * does not support Structs), a string read with message.timestamp.format and
 * written into topic.format's ${timestamp} with topic.timestamp.format. The
 * documented example: {"time":"2019-08-06"}, keys timestamp,time,ts, formats
 * yyyy-MM-dd and yyyy.MM.dd, topic.format foo-${topic}-${timestamp}: bar goes
 * to foo-bar-2019.08.06. Both formats run in UTC, as TimestampRouter's does.
 * The defaults of the two formats and of the keys are not in the reference
 * Sluice could read, so they are required here rather than guessed.
 */
const messageTimestampRouter: TransformFactory = {
  info: { usesKey: false, routing: 'record' },
  create(o: Options) {
    const topicFormat = o.str('topic.format', '${topic}-${timestamp}');
    const keys = o.list('message.timestamp.keys', { required: true });
    const pattern = (name: string): SimpleDateFormat => {
      const text = o.required(name, 'a java.text.SimpleDateFormat pattern');
      try {
        return new SimpleDateFormat(text);
      } catch (err) {
        if (err instanceof OptionError) throw err;
        return o.fail(name, (err as Error).message);
      }
    };
    const inFmt = pattern('message.timestamp.format');
    if (inFmt.parseProblem !== undefined) o.fail('message.timestamp.format', inFmt.parseProblem);
    const outFmt = pattern('topic.timestamp.format');
    return {
      apply(r) {
        const v = r.value;
        if (hasSchema(r.valueSchema)) throw new TransformError('MessageTimestampRouter: the value has a schema (a Struct); only a schemaless map is supported, as in Confluent\'s');
        if (!isStruct(v)) throw new TransformError(`MessageTimestampRouter: the value is ${describeValue(v)}, not a map`);
        const key = keys.find((k) => v[k] !== null && v[k] !== undefined);
        if (key === undefined) throw new TransformError(`MessageTimestampRouter: the value has none of the fields ${keys.join(', ')} (${o.prefix}message.timestamp.keys)`);
        const text = v[key];
        if (typeof text !== 'string') throw new TransformError(`MessageTimestampRouter: field ${key} is ${describeValue(text)}, not a string timestamp to read with ${inFmt.pattern}`);
        let ms: number;
        try {
          ms = inFmt.parse(text);
        } catch (err) {
          throw new TransformError(`MessageTimestampRouter: field ${key}: ${(err as Error).message}`);
        }
        r.topic = topicFormat.replaceAll('${topic}', r.topic).replaceAll('${timestamp}', outFmt.format(ms));
        return true;
      },
    };
  },
};

const C = 'io.confluent.connect.transforms.';

/** Confluent's transforms by class name. */
export const confluentTransforms: Record<string, TransformFactory> = {
  [`${C}TombstoneHandler`]: tombstoneHandler,
  [`${C}Drop$Key`]: drop('key'),
  [`${C}Drop$Value`]: drop('value'),
  [`${C}ExtractTopic$Key`]: extractTopic('key'),
  [`${C}ExtractTopic$Value`]: extractTopic('value'),
  [`${C}ExtractTopic$Header`]: extractTopic('header'),
  [`${C}Filter$Key`]: confluentFilter('key'),
  [`${C}Filter$Value`]: confluentFilter('value'),
  [`${C}MessageTimestampRouter`]: messageTimestampRouter,
};
