// Reads a connector JSON file (Kafka Connect's {name, config} shape, or the
// config object alone) plus SLUICE_* environment variables, resolves
// ${env:VAR} and ${file:path:key}, and validates everything against the
// declared spec. All problems are reported at once; values of secret keys
// never appear in a message.
import fs from 'node:fs';
import { ConfigError } from '../errors.js';
import { postgresOptions } from '../sinks/postgres/config.js';
import { s3Options } from '../sinks/s3-parquet/config.js';
import { commonOptions, type ValueFormat } from './spec.js';
import { envName, KAFKA_PASSTHROUGH_PREFIXES, type ConfigOf, type OptionSpec, type SinkKind } from './options.js';

export const allOptions = [...commonOptions, ...postgresOptions, ...s3Options] as const;

export type CommonConfig = ConfigOf<typeof commonOptions>;
export type PostgresConfig = ConfigOf<typeof postgresOptions>;
export type S3Config = ConfigOf<typeof s3Options>;

export interface ResolvedConfig {
  readonly sink: SinkKind;
  readonly common: CommonConfig;
  readonly postgres: PostgresConfig;
  readonly s3: S3Config;
  readonly groupId: string;
  readonly keyFormat: ValueFormat;
  readonly valueFormat: ValueFormat;
  /** librdkafka properties from kafka.* and consumer.override.* keys. */
  readonly kafka: Readonly<Record<string, string>>;
  /** Every secret value, so that logs and errors can redact them. */
  readonly secrets: readonly string[];
  /** The key and value converters in effect and where each came from (`sluice check`, the start-up log). */
  readonly converters: { readonly key: ConverterInfo; readonly value: ConverterInfo };
  /** Things that are valid but likely not what a user migrating from Kafka Connect meant. */
  readonly warnings: readonly string[];
}

/** Kafka Connect's worker default for both converters (the shipped connect-*.properties), which Sluice follows. */
export const CONNECT_DEFAULT_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

/** A key or value converter in effect. Nothing secret: a registry URL is shown without its user info. */
export interface ConverterInfo {
  readonly role: 'key' | 'value';
  readonly format: ValueFormat;
  /** The converter class, or undefined when key.format / value.format chose the format. */
  readonly converter: string | undefined;
  /** Where the converter (or the format) came from. */
  readonly source: { readonly kind: 'connector' | 'env' | 'default'; readonly key: string };
  /** JsonConverter: schemas.enable, and the key that set it (undefined: the default, true). */
  readonly schemasEnable?: { readonly value: boolean; readonly from: string | undefined };
  /** AvroConverter, ProtobufConverter, JsonSchemaConverter: the registry URL (user info removed) and the key it came from. */
  readonly registry?: { readonly url: string; readonly from: string };
}

/** One line: "key converter: <class> (<settings>) — <where it came from>". */
export function describeConverter(c: ConverterInfo): string {
  const settings: string[] = [];
  if (c.schemasEnable) settings.push(c.schemasEnable.from ? `${c.schemasEnable.from}=${c.schemasEnable.value}` : `schemas.enable=${c.schemasEnable.value}`);
  if (c.registry) settings.push(`schema registry ${c.registry.url}${c.registry.from === `${c.role}.converter.schema.registry.url` ? '' : ` from ${c.registry.from}`}`);
  const what = c.converter === undefined ? `${c.role} format: ${c.format}` : `${c.role} converter: ${c.converter}`;
  const where =
    c.source.kind === 'default' ? `default: no ${c.role}.converter in the connector config (Kafka Connect's worker default)`
    : c.source.kind === 'env' ? `environment: ${c.source.key}`
    : `connector config: ${c.source.key}`;
  const overrides = c.converter === undefined ? ` (overrides ${c.role}.converter)` : '';
  return `${what}${settings.length > 0 ? ` (${settings.join(', ')})` : ''} — ${where}${overrides}`;
}

/** http://user:secret@host/x → http://host/x (a registry URL may carry credentials). */
export function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

const byKey = new Map<string, OptionSpec<any>>();
for (const o of allOptions as readonly OptionSpec<any>[]) {
  byKey.set(o.key, o);
  for (const a of o.aliases ?? []) byKey.set(a, o);
}

/** SLUICE_BATCH_MAX_RECORDS → batch.max.records; SLUICE_KAFKA_FETCH_MAX_BYTES → kafka.fetch.max.bytes. */
const byEnv = new Map<string, string>();
for (const o of allOptions as readonly OptionSpec<any>[]) byEnv.set(envName(o.key), o.key);

/** SLUICE_* variables read by the process itself rather than a connector option. */
const PROCESS_VARIABLES = new Set(['SLUICE_NATIVE_ADDON']);

export function sinkKindOf(connectorClass: string): SinkKind | undefined {
  const c = connectorClass.toLowerCase();
  if (c === 'sluice.postgres' || c.includes('jdbcsink') || c.includes('postgres')) return 'postgres';
  if (c === 'sluice.s3' || c.includes('s3sink')) return 's3';
  return undefined;
}

/** Formats in the Confluent wire format, whose schemas come from the schema registry, and how messages name them. */
const REGISTRY_FORMATS: Partial<Record<ValueFormat, string>> = { avro: 'Avro', protobuf: 'Protobuf', 'json-schema': 'JSON Schema' };

export function formatOf(converter: string, schemasEnable: boolean): ValueFormat | undefined {
  const c = converter.toLowerCase();
  if (c.includes('avroconverter')) return 'avro';
  if (c.includes('protobufconverter')) return 'protobuf';
  if (c.includes('jsonschemaconverter')) return 'json-schema';
  if (c.includes('jsonconverter')) return schemasEnable ? 'connect-json' : 'json';
  if (c.includes('stringconverter')) return 'string';
  if (c.includes('bytearrayconverter')) return 'bytes';
  if (c.includes('msgpack')) return 'msgpack';
  return undefined;
}

function parsePropertiesFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Resolves ${env:VAR} and ${file:/path:key} (Kafka Connect config providers). */
export function resolveProviders(value: string, key: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  return value.replace(/\$\{(env|file):([^}]*)\}/g, (whole, provider: string, ref: string) => {
    if (provider === 'env') {
      const v = env[ref];
      if (v === undefined) {
        problems.push(`${key}: environment variable ${ref} is not set`);
        return '';
      }
      return v;
    }
    const sep = ref.lastIndexOf(':');
    if (sep <= 0) {
      problems.push(`${key}: \${file:...} needs the form \${file:/path/to/file.properties:key}`);
      return '';
    }
    const path = ref.slice(0, sep);
    const prop = ref.slice(sep + 1);
    let text: string;
    try {
      text = fs.readFileSync(path, 'utf8');
    } catch (err) {
      problems.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return '';
    }
    const v = parsePropertiesFile(text).get(prop);
    if (v === undefined) {
      problems.push(`${key}: ${path} has no key ${prop}`);
      return '';
    }
    return v;
  });
}

function closest(key: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(key, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

export interface LoadOptions {
  /** Path of the connector JSON; optional when everything comes from the environment. */
  file?: string;
  /** Already-parsed connector JSON (tests). */
  json?: unknown;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(opts: LoadOptions): ResolvedConfig {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const raw = new Map<string, { value: unknown; origin: string }>();

  let json = opts.json;
  if (opts.file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError([`--config: cannot read ${opts.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ConfigError([`--config: ${opts.file} is not valid JSON (${(err as Error).message})`]);
    }
  }
  if (json !== undefined) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ConfigError(['connector JSON must be an object: {"name": ..., "config": {...}} or the config object alone']);
    }
    const top = json as Record<string, unknown>;
    let cfg: Record<string, unknown> = top;
    if ('config' in top) {
      for (const k of Object.keys(top)) if (k !== 'name' && k !== 'config') problems.push(`${k}: unknown top-level key (expected "name" and "config")`);
      if (typeof top.config !== 'object' || top.config === null) throw new ConfigError(['config: must be an object']);
      cfg = top.config as Record<string, unknown>;
      if (top.name !== undefined) raw.set('name', { value: top.name, origin: 'name' });
    }
    for (const [k, v] of Object.entries(cfg)) raw.set(k, { value: v, origin: k });
  }

  // Environment variables win over the file: the file describes the job, the
  // environment tunes it per deployment.
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SLUICE_') || value === undefined) continue;
    if (name.startsWith('SLUICE_TEST_') || name.startsWith('SLUICE_STACK_') || name.startsWith('SLUICE_CACHE_')) continue;
    if (PROCESS_VARIABLES.has(name)) continue;
    const key = byEnv.get(name);
    if (key) raw.set(key, { value, origin: `${name} (env)` });
    else if (name.startsWith('SLUICE_KAFKA_')) {
      raw.set('kafka.' + name.slice('SLUICE_KAFKA_'.length).toLowerCase().replace(/_/g, '.'), { value, origin: `${name} (env)` });
    } else problems.push(`${name} (env): unknown Sluice variable${hintEnv(name)}`);
  }

  const secrets: string[] = [];
  const values = new Map<string, unknown>();
  /** Where each value set by the user came from: the connector key, or "SLUICE_X (env)". */
  const origins = new Map<string, string>();
  const kafka: Record<string, string> = {};

  for (const [key, { value, origin }] of raw) {
    const passthrough = KAFKA_PASSTHROUGH_PREFIXES.find((p) => key.startsWith(p));
    if (passthrough) {
      const prop = key.slice(passthrough.length);
      const v = typeof value === 'string' ? resolveProviders(value, origin, env, problems) : String(value);
      if (/password|secret|sasl\.jaas|key\.pem|token/i.test(prop)) secrets.push(v);
      kafka[prop] = v;
      continue;
    }
    const spec = byKey.get(key);
    if (!spec) {
      const hint = closest(key, byKey.keys());
      problems.push(`${origin}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`);
      continue;
    }
    if (values.has(spec.key) && spec.key !== key) {
      problems.push(`${origin}: same option as ${spec.key}; give only one of them`);
      continue;
    }
    const before = problems.length;
    const resolved = typeof value === 'string' ? resolveProviders(value, origin, env, problems) : value;
    if (problems.length > before) continue; // the provider's own message says what is wrong
    if (spec.secret && typeof resolved === 'string' && resolved.length > 0) secrets.push(resolved);
    const parsed = spec.schema.safeParse(resolved);
    if (!parsed.success) {
      const shown = spec.secret ? '(secret value hidden)' : JSON.stringify(resolved);
      problems.push(`${origin}: expected ${spec.expects}, got ${shown}`);
      continue;
    }
    values.set(spec.key, parsed.data);
    origins.set(spec.key, origin);
  }

  const connectorClass = values.get('connector.class') as string | undefined;
  const sink = connectorClass ? sinkKindOf(connectorClass) : undefined;
  if (connectorClass && !sink) {
    problems.push(`connector.class: "${connectorClass}" is not a sink Sluice runs (a JDBC sink class, io.confluent.connect.s3.S3SinkConnector, sluice.postgres or sluice.s3)`);
  }

  for (const spec of allOptions as readonly OptionSpec<any>[]) {
    const applies = !spec.sinks || (sink !== undefined && spec.sinks.includes(sink));
    if (values.has(spec.key)) {
      if (sink && !applies) problems.push(`${spec.key}: not an option of the ${sink} sink`);
      continue;
    }
    if (!applies) continue;
    if (spec.default !== undefined) values.set(spec.key, spec.default);
    else if (spec.required) problems.push(`${spec.key}: required (${spec.expects}); set it in the connector JSON or as ${envName(spec.key)}`);
  }

  const topics = values.get('topics') as string[] | undefined;
  const regex = values.get('topics.regex') as string | undefined;
  if (!!(topics && topics.length > 0) === (regex !== undefined)) {
    problems.push('topics / topics.regex: give exactly one of them');
  }
  if (regex !== undefined) {
    try {
      new RegExp(regex);
    } catch (err) {
      problems.push(`topics.regex: not a valid regular expression (${(err as Error).message})`);
    }
  }

  const keyFormat = (values.get('key.format') as ValueFormat | undefined) ??
    formatOf(String(values.get('key.converter')), values.get('key.converter.schemas.enable') as boolean);
  const valueFormat = (values.get('value.format') as ValueFormat | undefined) ??
    formatOf(String(values.get('value.converter')), values.get('value.converter.schemas.enable') as boolean);
  if (!keyFormat) problems.push(`key.converter: "${values.get('key.converter')}" is not a converter Sluice reads; set key.format`);
  if (!valueFormat) problems.push(`value.converter: "${values.get('value.converter')}" is not a converter Sluice reads; set value.format`);
  if (valueFormat && REGISTRY_FORMATS[valueFormat] && !values.get('value.converter.schema.registry.url')) {
    problems.push(`value.converter.schema.registry.url: required when values are ${REGISTRY_FORMATS[valueFormat]}`);
  }
  if (keyFormat && REGISTRY_FORMATS[keyFormat] && !values.get('key.converter.schema.registry.url') && !values.get('value.converter.schema.registry.url')) {
    problems.push(`key.converter.schema.registry.url: required when keys are ${REGISTRY_FORMATS[keyFormat]}`);
  }
  if (values.get('errors.tolerance') === 'all' && !values.get('errors.deadletterqueue.topic.name')) {
    problems.push('errors.tolerance: "all" without errors.deadletterqueue.topic.name would silently skip bad records; set a dead-letter topic');
  }

  if (sink === 'postgres') {
    if (values.get('schema.evolution') === 'basic') {
      values.set('auto.create', true);
      values.set('auto.evolve', true);
    }
    if (values.get('delete.enabled') && values.get('pk.mode') !== 'record_key') {
      problems.push('delete.enabled: needs pk.mode=record_key (a tombstone names the row by its key)');
    }
    if (values.get('insert.mode') !== 'insert' && values.get('pk.mode') === 'none') {
      problems.push(`insert.mode: "${values.get('insert.mode')}" needs a primary key; set pk.mode (record_key, record_value or kafka)`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems.map((p) => redact(p, secrets)));

  const converters = {
    key: converterInfo('key', keyFormat!, values, origins),
    value: converterInfo('value', valueFormat!, values, origins),
  };
  const warnings: string[] = [];
  const keysUsed = values.get('pk.mode') === 'record_key' || values.get('delete.enabled') === true || values.get('store.kafka.keys') === true;
  for (const c of [converters.value, ...(keysUsed ? [converters.key] : [])]) {
    if (c.source.kind !== 'default') continue;
    warnings.push(
      `${c.role}.converter is not set: ${c.role}s are read with Kafka Connect's worker default, ${CONNECT_DEFAULT_CONVERTER} with schemas.enable=true. ` +
        `Kafka Connect takes the converters a connector does not set from its worker config; if yours set others, set ${c.role}.converter (and ${c.role}.converter.schemas.enable) here as well.`,
    );
  }

  const obj = Object.fromEntries(values);
  const name = obj.name as string;
  return {
    sink: sink!,
    common: obj as unknown as CommonConfig,
    postgres: obj as unknown as PostgresConfig,
    s3: obj as unknown as S3Config,
    groupId: (obj['group.id'] as string | undefined) ?? `connect-${name}`,
    keyFormat: keyFormat!,
    valueFormat: valueFormat!,
    kafka,
    secrets,
    converters,
    warnings,
  };
}

function sourceOf(key: string, origins: ReadonlyMap<string, string>): ConverterInfo['source'] {
  const origin = origins.get(key);
  if (origin === undefined) return { kind: 'default', key };
  const env = /^(\S+) \(env\)$/.exec(origin);
  return env ? { kind: 'env', key: env[1]! } : { kind: 'connector', key: origin };
}

function converterInfo(role: 'key' | 'value', format: ValueFormat, values: ReadonlyMap<string, unknown>, origins: ReadonlyMap<string, string>): ConverterInfo {
  if (values.has(`${role}.format`)) {
    return { role, format, converter: undefined, source: sourceOf(`${role}.format`, origins) };
  }
  const converter = values.get(`${role}.converter`) as string;
  const info: { -readonly [K in keyof ConverterInfo]: ConverterInfo[K] } = { role, format, converter, source: sourceOf(`${role}.converter`, origins) };
  if (format === 'json' || format === 'connect-json') {
    const key = `${role}.converter.schemas.enable`;
    const origin = origins.get(key);
    info.schemasEnable = { value: format === 'connect-json', from: origin === undefined ? undefined : sourceOf(key, origins).key };
  }
  if (REGISTRY_FORMATS[format]) {
    const own = `${role}.converter.schema.registry.url`;
    const from = values.get(own) !== undefined ? own : 'value.converter.schema.registry.url';
    info.registry = { url: withoutUserInfo(String(values.get(from))), from: sourceOf(from, origins).key };
  }
  return info;
}

function hintEnv(name: string): string {
  const hint = closest(name, byEnv.keys());
  return hint ? ` (did you mean ${hint}?)` : '';
}

/** Replaces every secret value inside a text with ***. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('***');
  return out;
}
