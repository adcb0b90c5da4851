// Builds an engine from a connector's config with the real parts: the Kafka
// source source.native selects, a Piscina worker pool, the byte budget and the
// dead-letter target. One connector per process (the CLI) owns its pool and
// budget; several (sluice worker) pass a shared EngineRuntime instead.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { Sink } from '../sinks/common/sink.js';
import { createSource } from '../source/index.js';
import type { WorkerSetup } from '../workers/protocol.js';
import { DeadLetterQueue } from './dead-letter.js';
import type { DeadLetterSink } from './dead-letter-handoff.js';
import { Engine } from './engine.js';
import { MemoryBudget } from './memory-budget.js';
import { SkippedRecords } from './skipped-records.js';
import { EncodePool } from './worker-pool.js';
import { subjectStrategyOf } from '../workers/decode/subjects.js';

/** What the engines of one process share: the worker pool and the byte budget (inflight.max.bytes). */
export interface EngineRuntime {
  pool: EncodePool;
  budget: MemoryBudget;
}

export interface CreateEngineOptions {
  config: ResolvedConfig;
  sink: Sink;
  log: Logger;
  /** Shared pool and budget; absent: the engine gets its own, sized by its config (worker.threads, inflight.max.bytes). */
  runtime?: EngineRuntime;
  /** Names the connector in the shared pool's threads; unique per process. Defaults to the connector's name. */
  connectorId?: string;
  /** Messages per librdkafka consume call. */
  consumeBatch?: number;
}

/** A pool and a budget for one process, sized as `config` says. */
export function createRuntime(threads: number, inflightMaxBytes: number): EngineRuntime {
  return { pool: new EncodePool(threads), budget: new MemoryBudget(inflightMaxBytes) };
}

export function createEngine(opts: CreateEngineOptions): Engine {
  const { config, sink, log } = opts;
  const c = config.common;
  const owned = opts.runtime === undefined;
  const runtime = opts.runtime ?? createRuntime(c['worker.threads'], c['inflight.max.bytes']);
  const pool = runtime.pool.forConnector(opts.connectorId ?? c.name, workerSetup(config), owned);
  let deadLetters: DeadLetterSink | undefined;
  try {
    const source = (sourceOptions: Parameters<typeof createSource>[1], handlers: Parameters<typeof createSource>[2]) =>
      createSource(c['source.native'], sourceOptions, handlers, log);
    if (c['errors.tolerance'] === 'all') {
      const dlq = c['errors.deadletterqueue.topic.name'];
      deadLetters = dlq !== undefined ? new DeadLetterQueue(config, log.child({ dlq })) : new SkippedRecords(config, log);
    }
    return new Engine({
      config, sink, log, source, pool, budget: runtime.budget,
      ...(deadLetters ? { deadLetters } : {}),
      ...(opts.consumeBatch !== undefined ? { consumeBatch: opts.consumeBatch } : {}),
    });
  } catch (err) {
    // No engine to stop: what was made for it goes now (a shared pool stays).
    void pool.close();
    void deadLetters?.close();
    throw err;
  }
}

/** What a worker needs to reach a registry, beyond its URL (config/registry-access.ts, config/apicurio.ts). */
function registryAuthOf(r: ResolvedConfig['registry']['value']): WorkerSetup['valueRegistryAuth'] {
  if (!r) return undefined;
  return { authorization: r.authorization, ca: r.ca, ...(r.clientCert ? { clientCert: r.clientCert } : {}), ...(r.oauth ? { oauth: r.oauth } : {}) };
}

/**
 * Whether the sink reads a null field with a schema default as the default
 * (Struct.get), as its Kafka Connect counterpart does (workers/null-defaults.ts):
 * Confluent's JDBC sink per its replace.null.with.default (default true);
 * Debezium's JDBC sink reads optional fields with getWithoutDefault, so the
 * converter's value stands; the S3 and Elasticsearch sinks always; the file
 * sink writes the value as it is (FileStreamSinkTask prints it).
 */
function sinkNullDefaults(config: ResolvedConfig): boolean {
  switch (config.sink) {
    case 'postgres':
      if (/^io\.debezium\.connector\.jdbc\.JdbcSinkConnector$/i.test(String(config.common['connector.class']))) return false;
      return config.options['replace.null.with.default'] !== false;
    case 's3':
    case 'opensearch':
      return true;
    default:
      return false;
  }
}

/**
 * Whether the sink prints schemaless JSON values back as Kafka Connect does
 * (Jackson / Double.toString: `1.0` stays `1.0`): Elasticsearch documents, the
 * S3 JsonFormat and the file sink. Elsewhere (PostgreSQL columns, Parquet) a
 * number is a number, and the parse that keeps the difference is not paid for.
 */
function sinkJsonDoubles(config: ResolvedConfig): boolean {
  switch (config.sink) {
    case 'opensearch':
    case 'file':
      return true;
    case 's3':
      return /JsonFormat$/.test(String(config.options['format.class'] ?? ''));
    default:
      return false;
  }
}

/** What every worker thread needs to decode and transform this connector's records. */
export function workerSetup(config: ResolvedConfig): WorkerSetup {
  const c = config.common;
  return {
    keyFormat: config.keyFormat,
    valueFormat: config.valueFormat,
    // URLs and credentials as config/registry-access.ts resolved them from every Connect spelling.
    keyRegistryUrl: config.registry.key?.url,
    valueRegistryUrl: config.registry.value?.url,
    keyRegistryAuth: registryAuthOf(config.registry.key),
    valueRegistryAuth: registryAuthOf(config.registry.value),
    keyWrapperForNullables: c['key.converter.wrapper.for.nullables'],
    valueWrapperForNullables: c['value.converter.wrapper.for.nullables'],
    keyJsonFailInvalidSchema: c['key.converter.json.fail.invalid.schema'],
    valueJsonFailInvalidSchema: c['value.converter.json.fail.invalid.schema'],
    keyReplaceNullWithDefault: c['key.converter.replace.null.with.default'],
    valueReplaceNullWithDefault: c['value.converter.replace.null.with.default'],
    sinkNullDefaults: sinkNullDefaults(config),
    sinkJsonDoubles: sinkJsonDoubles(config),
    // The storage connectors' schema.compatibility compares schema versions, which only a registry lookup gives.
    ...(config.sink === 's3' && ['backward', 'forward', 'full'].includes(String(config.options['schema.compatibility']))
      ? { valueSchemaVersions: true, valueSubjectStrategy: subjectStrategyOf(String(config.options['value.converter.value.subject.name.strategy'] ?? 'TopicNameStrategy')) ?? 'topic' }
      : {}),
    ...(config.apicurio?.key ? { keyApicurio: config.apicurio.key } : {}),
    ...(config.apicurio?.value ? { valueApicurio: config.apicurio.value } : {}),
    ...(config.transforms ? { transforms: config.transforms } : {}),
  };
}
