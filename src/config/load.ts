// Reads a connector JSON file (Kafka Connect's {name, config} shape, or the
// config object alone), optionally Kafka Connect's worker properties file
// (worker.ts), plus SLUICE_* environment variables, resolves config providers
// (${env:VAR}, ${file:path:key}, ${dir:path:file}; providers.ts), and validates
// everything against the declared spec. Precedence: environment over
// connector over worker file. All problems are reported at once; values of secret keys
// never appear in a message. Which sinks exist, their options and their
// cross-key rules come from the sink registry (src/sinks/registry.ts, which
// calls loadConfigWith): nothing here names a sink.
import fs from 'node:fs';
import { ConfigError } from '../errors.js';
import { commonOptions, type ValueFormat } from './spec.js';
import { translateKafkaSecurity, type KafkaSecurityContext } from './kafka-security.js';
import { isTransformKey, readTransforms, type TransformsConfig } from '../transforms/chain.js';
import { envName, KAFKA_PASSTHROUGH_PREFIXES, type ConfigOf, type OptionSpec } from './options.js';
import { sinkFor, type SinkChecks, type SinkConfigSpec } from './sink-spec.js';
import { connectKeyFamilies, connectKeyOptions } from './connect-keys.js';
import { translateConsumerProperty } from './consumer-props.js';
import { ConfigProviders, parsePropertiesText } from './providers.js';
import { registryAccess, type RegistryAccess } from './registry-access.js';
import { applyConverterGroups, readWorkerFile, WORKER_ORIGIN, type WorkerFile } from './worker.js';
import { redact, rememberKeyNames } from './redact.js';
import { formatOfConverter, unknownConverterMessage } from './converters.js';
import { apicurioConverterOf, apicurioRegistryAccess, apicurioWire, isApicurioConverter } from './apicurio.js';
import type { ApicurioWire } from '../workers/decode/apicurio.js';

/** Options of every connector, whatever its sink. */
export const sharedOptions: readonly OptionSpec<any>[] = [...commonOptions, ...connectKeyOptions];

export type CommonConfig = ConfigOf<typeof commonOptions>;

export interface ResolvedConfig {
  /** The kind of the sink that runs the connector (its registry record's `kind`). */
  readonly sink: string;
  readonly common: CommonConfig;
  /**
   * Every resolved value by canonical key: the common options and the sink's
   * own. A sink reads it through its own typed view (ConfigOf its options).
   */
  readonly options: Readonly<Record<string, unknown>>;
  readonly groupId: string;
  readonly keyFormat: ValueFormat;
  readonly valueFormat: ValueFormat;
  /** librdkafka properties from kafka.* and consumer.override.* keys (Java client security keys translated). */
  readonly kafka: Readonly<Record<string, string>>;
  /** Which settings Kafka authentication and TLS came from, for failure messages (kafka-security.ts). */
  readonly kafkaSecurity: KafkaSecurityContext;
  /** Every secret value, so that logs and errors can redact them. */
  readonly secrets: readonly string[];
  /** The key and value converters in effect and where each came from (`sluice check`, the start-up log). */
  readonly converters: { readonly key: ConverterInfo; readonly value: ConverterInfo };
  /** Things that are valid but likely not what a user migrating from Kafka Connect meant. */
  readonly warnings: readonly string[];
  /** Kafka Connect keys accepted with no effect here, one line each: "<key>: accepted, no effect: <why>". */
  readonly notices: readonly string[];
  /** How each converter reaches its Schema Registry (undefined: no registry configured). */
  readonly registry: { readonly key?: RegistryAccess; readonly value?: RegistryAccess };
  /** Keys / values written by Apicurio Registry's AvroConverter: how it frames them (registry: its native API). */
  readonly apicurio?: { readonly key?: ApicurioWire; readonly value?: ApicurioWire };
  /** The worker properties file read, if any. */
  readonly workerFile?: string;
  /** Single message transforms (transforms=…, predicates=…); undefined when none is configured. */
  readonly transforms?: TransformsConfig;
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
  readonly source: { readonly kind: 'connector' | 'worker' | 'env' | 'default'; readonly key: string };
  /** JsonConverter: schemas.enable, and the key that set it (undefined: the default, true). */
  readonly schemasEnable?: { readonly value: boolean; readonly from: string | undefined };
  /** AvroConverter, ProtobufConverter, JsonSchemaConverter: the registry URL (user info removed) and the key it came from. */
  readonly registry?: { readonly url: string; readonly from: string };
  /** Whether a worker file was read (the default then means: neither set it). */
  readonly workerFile?: boolean;
}

/** One line: "key converter: <class> (<settings>) — <where it came from>". */
export function describeConverter(c: ConverterInfo): string {
  const settings: string[] = [];
  if (c.schemasEnable) settings.push(c.schemasEnable.from ? `${c.schemasEnable.from}=${c.schemasEnable.value}` : `schemas.enable=${c.schemasEnable.value}`);
  if (c.registry) settings.push(`schema registry ${c.registry.url}${c.registry.from === `${c.role}.converter.schema.registry.url` ? '' : ` from ${c.registry.from}`}`);
  const what = c.converter === undefined ? `${c.role} format: ${c.format}` : `${c.role} converter: ${c.converter}`;
  const where =
    c.source.kind === 'default' ? `default: no ${c.role}.converter in the connector config${c.workerFile ? ' or the worker file' : ''} (Kafka Connect's worker default)`
    : c.source.kind === 'env' ? `environment: ${c.source.key}`
    : c.source.kind === 'worker' ? `worker file: ${c.source.key}`
    : `connector config: ${c.source.key}`;
  const overrides = c.converter === undefined ? ` (overrides ${c.role}.converter)` : '';
  return `${what}${settings.length > 0 ? ` (${settings.join(', ')})` : ''} — ${where}${overrides}`;
}

/** http://user:secret@host/x → http://host/x (a registry URL may carry credentials). */
export function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

/** Key (and alias) → its declaration. */
function keyTable(specs: readonly OptionSpec<any>[]): Map<string, OptionSpec<any>> {
  const byKey = new Map<string, OptionSpec<any>>();
  for (const o of specs) {
    if (!byKey.has(o.key)) byKey.set(o.key, o);
    for (const a of o.aliases ?? []) if (!byKey.has(a)) byKey.set(a, o);
  }
  return byKey;
}

/** The lookup tables of one registry: every key any sink declares, and each sink's own. */
interface Tables {
  /** Common keys, then each sink's (the first sink declaring a key wins here). */
  all: Map<string, OptionSpec<any>>;
  /** SLUICE_BATCH_MAX_RECORDS → batch.max.records; SLUICE_KAFKA_FETCH_MAX_BYTES → kafka.fetch.max.bytes. */
  byEnv: Map<string, string>;
  /** Per sink kind: the common keys and that sink's. */
  perSink: Map<string, Map<string, OptionSpec<any>>>;
}

const tablesCache = new WeakMap<readonly SinkConfigSpec[], Tables>();

function tablesOf(sinks: readonly SinkConfigSpec[]): Tables {
  let t = tablesCache.get(sinks);
  if (t) return t;
  const all = keyTable([...sharedOptions, ...sinks.flatMap((s) => s.options)]);
  rememberKeyNames(all.keys());
  const byEnv = new Map<string, string>();
  for (const o of all.values()) byEnv.set(envName(o.key), o.key);
  const perSink = new Map(sinks.map((s) => [s.kind, keyTable([...commonOptions, ...s.options, ...connectKeyOptions])] as const));
  t = { all, byEnv, perSink };
  tablesCache.set(sinks, t);
  return t;
}

/** SLUICE_* variables read by the process itself rather than a connector option. */
const PROCESS_VARIABLES = new Set(['SLUICE_NATIVE_ADDON']);


/** Formats in the Confluent wire format, whose schemas come from the schema registry, and how messages name them. */
const REGISTRY_FORMATS: Partial<Record<ValueFormat, string>> = { avro: 'Avro', protobuf: 'Protobuf', 'json-schema': 'JSON Schema' };

export function formatOf(converter: string, schemasEnable: boolean): ValueFormat | undefined {
  return formatOfConverter(converter, schemasEnable);
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
  /** Kafka Connect worker properties file (default: SLUICE_WORKER_CONFIG). */
  worker?: string;
  env?: NodeJS.ProcessEnv;
}

/** Loads a connector's configuration for the sinks given (the registry's loadConfig passes them all). */
export function loadConfigWith(sinks: readonly SinkConfigSpec[], opts: LoadOptions): ResolvedConfig {
  const { all: byKey, byEnv, perSink } = tablesOf(sinks);
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const raw = new Map<string, { value: unknown; origin: string }>();
  const notices: string[] = [];
  const converterWarnings: string[] = [];
  const unknownKeys: string[] = [];

  // The worker file first: the connector and then the environment override what it sets.
  const workerPath = opts.worker ?? (env.SLUICE_WORKER_CONFIG || undefined);
  const worker: WorkerFile | undefined = workerPath !== undefined ? readWorkerFile(workerPath, (k) => byKey.has(k)) : undefined;
  if (worker) {
    for (const e of worker.inherited) raw.set(e.key, { value: e.value, origin: e.origin });
    notices.push(...worker.notices);
  }

  let json = opts.json;
  if (opts.file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError([`--config: cannot read ${opts.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    if (/\.properties$/i.test(opts.file)) {
      // A connect-standalone connector file: the same keys, name among them.
      json = Object.fromEntries(parsePropertiesText(text));
    } else {
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ConfigError([`--config: ${opts.file} is not valid JSON (${(err as Error).message}); a connect-standalone connector file must end in .properties`]);
      }
    }
  }
  if (json !== undefined) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ConfigError(['connector JSON must be an object: {"name": ..., "config": {...}} or the config object alone']);
    }
    const top = json as Record<string, unknown>;
    let cfg: Record<string, unknown> = top;
    if ('config' in top) {
      for (const k of Object.keys(top)) {
        if (k === 'name' || k === 'config') continue;
        // GET /connectors/<name> of Kafka Connect's REST API adds these: its output can be used as it is.
        if (k === 'tasks' || k === 'type') notices.push(`${k}: accepted, no effect: Kafka Connect's REST API reports it; Sluice reads "name" and "config"`);
        else problems.push(`${k}: unknown top-level key (expected "name" and "config")`);
      }
      if (typeof top.config !== 'object' || top.config === null) throw new ConfigError(['config: must be an object']);
      cfg = top.config as Record<string, unknown>;
      if (top.name !== undefined) raw.set('name', { value: top.name, origin: 'name' });
      // Kafka Connect's REST API refuses a config whose own name differs from the connector's
      // ("doesn't match connector name in the URL"); published files carry such pairs, and the
      // config's own name is the one a PUT to /connectors/<it>/config would have run.
      if (top.name !== undefined && cfg.name !== undefined && String(top.name) !== String(cfg.name)) {
        converterWarnings.push(`name: the config's name "${String(cfg.name)}" differs from the top-level name "${String(top.name)}"; Sluice runs it as "${String(cfg.name)}", where Kafka Connect's REST API refuses the pair`);
      }
    }
    for (const [k, v] of Object.entries(cfg)) {
      // A connector key replaces the worker's; its origin is now the connector's.
      raw.delete(k);
      raw.set(k, { value: v, origin: k });
    }
    if (worker) {
      const groups = applyConverterGroups(raw, new Set(Object.keys(cfg)), worker);
      notices.push(...groups.notices);
      converterWarnings.push(...groups.warnings);
    }
  }

  // Environment variables win over the file: the file describes the job, the
  // environment tunes it per deployment.
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SLUICE_') || value === undefined) continue;
    if (name.startsWith('SLUICE_TEST_') || name.startsWith('SLUICE_STACK_') || name.startsWith('SLUICE_CACHE_')) continue;
    if (PROCESS_VARIABLES.has(name) || name === 'SLUICE_WORKER_CONFIG') continue;
    const key = byEnv.get(name);
    if (key) raw.set(key, { value, origin: `${name} (env)` });
    else if (name.startsWith('SLUICE_KAFKA_')) {
      raw.set('kafka.' + name.slice('SLUICE_KAFKA_'.length).toLowerCase().replace(/_/g, '.'), { value, origin: `${name} (env)` });
    } else problems.push(`${name} (env): unknown Sluice variable${hintEnv(name, byEnv)}`);
  }

  const secrets: string[] = [];
  const values = new Map<string, unknown>();
  /** Where each value set by the user came from: the connector key, or "SLUICE_X (env)". */
  const origins = new Map<string, string>();
  const kafka: Record<string, string> = {};
  const kafkaOrigins = new Map<string, string>();
  const transformKeys = new Map<string, unknown>();

  // Config providers are declared in the worker file (as in Kafka Connect) or in the connector.
  const providerDecl = new Map<string, { value: string; origin: string }>();
  for (const e of worker?.providers ?? []) providerDecl.set(e.key, { value: e.value, origin: e.origin });
  for (const [key, { value, origin }] of raw) {
    if (key.startsWith('config.providers')) providerDecl.set(key, { value: String(value), origin });
  }
  const providers = new ConfigProviders(providerDecl, env);
  problems.push(...providers.problems);
  const resolve = (value: unknown, origin: string): unknown => (typeof value === 'string' ? providers.resolve(value, origin, problems) : value);

  /** A Java consumer property (worker consumer.*, connector consumer.override.*) as librdkafka's. */
  const consumerProperty = (prop: string, value: unknown, origin: string) => {
    const v = String(resolve(value, origin));
    if (/password|secret|sasl\.jaas|key\.pem|token/i.test(prop)) secrets.push(v);
    const t = translateConsumerProperty(prop, v);
    if (t.kind === 'set') {
      kafka[t.name] = t.value;
      kafkaOrigins.set(t.name, origin);
    }
    else if (t.kind === 'notice') notices.push(`${origin}: accepted, no effect: ${t.reason}`);
    else problems.push(`${origin}: ${t.reason}`);
  };
  for (const e of worker?.consumer ?? []) consumerProperty(e.key, e.value, e.origin);

  // The sink decides which keys exist (each sink declares its own), so it is
  // known first; when connector.class is missing or names no sink, keys are
  // checked against every sink's and the connector.class problem is reported.
  const classEntry = raw.get('connector.class');
  const connectorClass0 = classEntry === undefined ? undefined : providers.resolve(String(classEntry.value), classEntry.origin, []);
  const sink = typeof connectorClass0 === 'string' ? sinkFor(sinks, connectorClass0) : undefined;
  const keys = sink ? perSink.get(sink.kind)! : byKey;
  rememberKeyNames(raw.keys());
  for (const [key, { value, origin }] of raw) {
    if (key.startsWith('config.providers')) continue;
    if (isTransformKey(key)) {
      transformKeys.set(key, typeof value === 'string' ? resolve(value, origin) : value);
      continue;
    }
    const passthrough = KAFKA_PASSTHROUGH_PREFIXES.find((p) => key.startsWith(p));
    if (passthrough && !byKey.has(key)) {
      const prop = key.slice(passthrough.length);
      if (passthrough === 'consumer.override.') {
        consumerProperty(prop, value, origin);
        continue;
      }
      const v = String(resolve(value, origin));
      if (/password|secret|sasl\.jaas|key\.pem|token/i.test(prop)) secrets.push(v);
      kafka[prop] = v;
      kafkaOrigins.set(prop, origin);
      continue;
    }
    const spec = keys.get(key);
    if (!spec && sink && byKey.has(key)) {
      problems.push(`${byKey.get(key)!.key}: not an option of the ${sink.kind} sink`);
      continue;
    }
    if (!spec) {
      const family = connectKeyFamilies.find((f) => f.where !== 'worker' && f.category !== 'acted' && key.startsWith(f.prefix));
      if (family?.category === 'notice') {
        notices.push(`${origin}: accepted, no effect: ${family.doc}`);
        continue;
      }
      if (family?.category === 'refused') {
        problems.push(`${origin}: ${family.doc}`);
        continue;
      }
      // Kafka Connect ignores a key its connector does not define (real configs carry keys of other
      // connectors and versions), so Sluice does too, saying so; a likely typo gets its correction.
      const hint = closest(key, keys.keys());
      unknownKeys.push(`${origin}: unknown key, ignored as Kafka Connect ignores keys its connector does not define${hint ? ` (did you mean "${hint}"?)` : ''}`);
      continue;
    }
    if (spec.refused) {
      problems.push(`${origin}: not supported: ${spec.refused}`);
      continue;
    }
    const before = problems.length;
    const resolved = resolve(value, origin);
    if (problems.length > before) continue; // the provider's own message says what is wrong
    if (spec.secret && typeof resolved === 'string' && resolved.length > 0) secrets.push(resolved);
    const parsed = spec.schema.safeParse(resolved);
    if (!parsed.success) {
      const shown = spec.secret ? '(secret value hidden)' : JSON.stringify(resolved);
      problems.push(`${origin}: expected ${spec.expects}, got ${shown}`);
      continue;
    }
    // Two names of one option (Debezium's use.time.zone and database.time_zone) may both be
    // given when they agree; differing values are refused rather than one silently winning.
    // Raw keys are unique, so a value already here came from another name of this option.
    if (values.has(spec.key)) {
      if (!sameValue(values.get(spec.key), parsed.data)) {
        // Unless the connector class reads only one of the two names (Debezium's JDBC sink
        // ignores Confluent's pk.mode): that one wins, as under Kafka Connect.
        const earlier = origins.get(spec.key) ?? spec.key;
        const reads = sink?.readsName?.(earlier, key, String(connectorClass0));
        if (reads === key) {
          notices.push(`${earlier}: accepted, no effect: ${String(connectorClass0)} reads ${key} and ignores ${earlier}`);
          values.set(spec.key, parsed.data);
          origins.set(spec.key, origin);
        } else if (reads === earlier) {
          notices.push(`${origin}: accepted, no effect: ${String(connectorClass0)} reads ${earlier} and ignores ${key}`);
        } else {
          problems.push(`${origin}: same option as ${earlier}, with a different value; give only one of them`);
        }
      }
      continue;
    }
    values.set(spec.key, parsed.data);
    origins.set(spec.key, origin);
    if (spec.ignored) notices.push(`${origin}: accepted, no effect: ${spec.ignored}`);
  }

  // Java client keys (sasl.jaas.config, trust/key stores) → librdkafka's.
  const kafkaSecurity = translateKafkaSecurity(kafka, { nameOf: (p) => kafkaOrigins.get(p) ?? p });
  problems.push(...kafkaSecurity.problems);
  notices.push(...kafkaSecurity.notices);
  secrets.push(...kafkaSecurity.secrets);
  const connectorClass = values.get('connector.class') as string | undefined;
  if (connectorClass && !sink) {
    problems.push(`connector.class: "${connectorClass}" is not a sink Sluice runs (${sinks.map((s) => s.classesDoc).join('; ')})`);
  }

  for (const spec of sink ? new Set(keys.values()) : sharedOptions) {
    if (values.has(spec.key)) continue;
    if (spec.default !== undefined) values.set(spec.key, spec.default);
    else if (spec.required) {
      // Kafka Connect keeps bootstrap.servers in the worker config, which Sluice reads too.
      const worker = spec.key === 'bootstrap.servers' ? ', in the worker file (--worker)' : '';
      problems.push(`${spec.key}: required (${spec.expects}); set it in the connector JSON${worker} or as ${envName(spec.key)}`);
    }
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
  // An Apicurio converter Sluice does not read gets its own message below.
  if (!keyFormat && !isApicurioConverter(values.get('key.converter'))) problems.push(unknownConverterMessage('key', String(values.get('key.converter'))));
  if (!valueFormat && !isApicurioConverter(values.get('value.converter'))) problems.push(unknownConverterMessage('value', String(values.get('value.converter'))));
  // Apicurio Registry's converters share simple names with Confluent's; its AvroConverter and ExtJsonConverter are read (its own framing and API).
  const apicurioNamed = (role: 'key' | 'value') => !values.has(`${role}.format`) && isApicurioConverter(values.get(`${role}.converter`));
  const apicurioKind: { key?: 'AvroConverter' | 'ExtJsonConverter'; value?: 'AvroConverter' | 'ExtJsonConverter' } = {};
  const apicurioRole = (role: 'key' | 'value', format: ValueFormat | undefined): boolean => {
    const converter = values.get(`${role}.converter`);
    if (!apicurioNamed(role)) return false;
    const kind = apicurioConverterOf(role, String(converter));
    if (typeof kind !== 'string') {
      problems.push(kind.error);
      return false;
    }
    if (format !== (kind === 'AvroConverter' ? 'avro' : 'connect-json')) return false; // formatOfConverter maps both by their simple names
    apicurioKind[role] = kind;
    return true;
  };
  const keyApicurio = apicurioRole('key', keyFormat);
  const valueApicurio = apicurioRole('value', valueFormat);
  const apicurio = {
    ...(keyApicurio ? { key: apicurioWire('key', (k) => values.get(k), problems, apicurioKind.key) } : {}),
    ...(valueApicurio ? { value: apicurioWire('value', (k) => values.get(k), problems, apicurioKind.value) } : {}),
  };
  if (apicurioKind.value === 'AvroConverter' && ['backward', 'forward', 'full'].includes(String(values.get('schema.compatibility')).toLowerCase())) {
    problems.push(`schema.compatibility: ${String(values.get('schema.compatibility'))} compares schema versions under a subject, which Sluice looks up in the Confluent API only; with Apicurio's AvroConverter use NONE`);
  }
  // Every converter in the Confluent wire format reads through a registry (REGISTRY_FORMATS).
  const needsRegistry = (f: ValueFormat | undefined) => f !== undefined && REGISTRY_FORMATS[f] !== undefined;
  const registry = {
    key: keyApicurio ? apicurioRegistryAccess('key', (k) => values.get(k), problems, secrets)
      : needsRegistry(keyFormat) ? registryAccess('key', (k) => values.get(k), kafka, problems, secrets) : undefined,
    value: valueApicurio ? apicurioRegistryAccess('value', (k) => values.get(k), problems, secrets)
      : needsRegistry(valueFormat) ? registryAccess('value', (k) => values.get(k), kafka, problems, secrets) : undefined,
  };
  if (valueFormat && REGISTRY_FORMATS[valueFormat] && !registry.value && !valueApicurio && !apicurioNamed('value')) {
    problems.push(`value.converter.schema.registry.url: required when values are ${REGISTRY_FORMATS[valueFormat]}`);
  }
  if (keyFormat && REGISTRY_FORMATS[keyFormat] && !registry.key && !keyApicurio && !apicurioNamed('key')) {
    problems.push(`key.converter.schema.registry.url: required when keys are ${REGISTRY_FORMATS[keyFormat]}`);
  }

  // The sink's own rules across keys (its registry record).
  const sinkWarnings: string[] = [];
  if (sink?.check) {
    const checks: SinkChecks = {
      get: (k) => values.get(k),
      isSet: (k) => origins.has(k),
      setAs: (k) => (origins.has(k) ? sourceOf(k, origins).key : undefined),
      set: (k, v) => void values.set(k, v),
      problem: (m) => void problems.push(m),
      notice: (m) => void notices.push(m),
      warning: (m) => void sinkWarnings.push(m),
      secret: (v) => void secrets.push(v),
    };
    sink.check(checks);
  }

  const transforms = readTransforms(transformKeys, problems);

  if (problems.length > 0) throw new ConfigError(problems.map((p) => redact(p, secrets)));

  const converters = {
    key: converterInfo('key', keyFormat!, values, origins, registry.key, worker !== undefined),
    value: converterInfo('value', valueFormat!, values, origins, registry.value, worker !== undefined),
  };
  const warnings: string[] = [...unknownKeys, ...converterWarnings, ...kafkaSecurity.warnings, ...sinkWarnings];
  const keysUsed = sink?.usesKeys?.((k) => values.get(k)) ?? false;
  for (const c of [converters.value, ...(keysUsed ? [converters.key] : [])]) {
    if (c.source.kind !== 'default') continue;
    warnings.push(
      `${c.role}.converter is not set: ${c.role}s are read with Kafka Connect's worker default, ${CONNECT_DEFAULT_CONVERTER} with schemas.enable=true. ` +
        (worker
          ? `Neither the connector nor the worker file ${worker.path} sets it.`
          : `Kafka Connect takes the converters a connector does not set from its worker config; pass that file with --worker (or SLUICE_WORKER_CONFIG), or set ${c.role}.converter (and ${c.role}.converter.schemas.enable) in the connector.`),
    );
  }
  if (values.get('errors.tolerance') === 'all' && !values.get('errors.deadletterqueue.topic.name')) {
    warnings.push(
      'errors.tolerance=all without errors.deadletterqueue.topic.name: records that fail to decode, convert or be written are skipped, as in Kafka Connect ' +
        `(counted in sluice_records_skipped_total${values.get('errors.log.enable') ? ', each logged with its topic, partition and offset' : '; set errors.log.enable=true to log each with its topic, partition and offset'}).`,
    );
  }

  const obj = Object.fromEntries(values);
  const name = obj.name as string;
  return {
    sink: sink!.kind,
    common: obj as unknown as CommonConfig,
    options: obj,
    groupId: (obj['group.id'] as string | undefined) ?? `connect-${name}`,
    keyFormat: keyFormat!,
    valueFormat: valueFormat!,
    kafka: kafkaSecurity.properties,
    kafkaSecurity: kafkaSecurity.context,
    secrets,
    converters,
    warnings,
    notices,
    registry,
    ...(apicurio.key || apicurio.value ? { apicurio } : {}),
    ...(worker ? { workerFile: worker.path } : {}),
    ...(transforms ? { transforms } : {}),
  };
}

function sourceOf(key: string, origins: ReadonlyMap<string, string>): ConverterInfo['source'] {
  const origin = origins.get(key);
  if (origin === undefined) return { kind: 'default', key };
  const env = /^(\S+) \(env\)$/.exec(origin);
  if (env) return { kind: 'env', key: env[1]! };
  return origin.endsWith(WORKER_ORIGIN) ? { kind: 'worker', key: origin.slice(0, -WORKER_ORIGIN.length) } : { kind: 'connector', key: origin };
}

function converterInfo(
  role: 'key' | 'value', format: ValueFormat, values: ReadonlyMap<string, unknown>, origins: ReadonlyMap<string, string>,
  registry: RegistryAccess | undefined, workerFile: boolean,
): ConverterInfo {
  if (values.has(`${role}.format`)) {
    return { role, format, converter: undefined, source: sourceOf(`${role}.format`, origins), workerFile };
  }
  const converter = values.get(`${role}.converter`) as string;
  const info: { -readonly [K in keyof ConverterInfo]: ConverterInfo[K] } = { role, format, converter, source: sourceOf(`${role}.converter`, origins), workerFile };
  if (format === 'json' || format === 'connect-json') {
    const key = `${role}.converter.schemas.enable`;
    const origin = origins.get(key);
    info.schemasEnable = { value: format === 'connect-json', from: origin === undefined ? undefined : sourceOf(key, origins).key };
  }
  if (REGISTRY_FORMATS[format] && registry) {
    const where = sourceOf(registry.urlFrom, origins);
    info.registry = { url: withoutUserInfo(registry.url), from: where.kind === 'worker' ? `${where.key} in the worker file` : where.key };
  }
  return info;
}

function hintEnv(name: string, byEnv: ReadonlyMap<string, string>): string {
  const hint = closest(name, byEnv.keys());
  return hint ? ` (did you mean ${hint}?)` : '';
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]));
}

export { redact };
