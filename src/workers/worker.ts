// The Piscina task: decode → convert → encode one partition batch. Runs in a
// worker thread and reads the batch in place from its SharedArrayBuffer. The
// sink-specific part is the sink's WorkerEncoder (sinks/<name>/encoding.ts).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BatchReader } from '../core/batch-layout.js';
import type { RecordContext, WorkerEncoder } from './encoder.js';
// The one import from sinks/: the registry's worker-side entry (it loads only the encoder asked for).
import { createWorkerEncoder } from '../sinks/worker-encoders.js';
import { createDecoder, type Decoded, type Decoder } from './decode/decoders.js';
import { fillNullDefaults, hasNullDefaults } from './null-defaults.js';
import { ConvertError, ReplanNeeded, SluiceError } from '../errors.js';
import { WorkerCollector } from '../core/shared-memory-gc.js';
import { TransformChain } from '../transforms/chain.js';
import { newTransformRecord, runChain } from '../transforms/worker-step.js';
import { workerRejection, type ConnectorRef, type EncodeResult, type EncodeTask, type RecordFailure, type WarmTask } from './protocol.js';

// This thread sees every batch: the shared memory of those the main thread let
// go is freed only once it has collected them too (core/shared-memory-gc.ts).
const collector = new WorkerCollector();

/** What a connector's tasks need in this thread: its decoders, transforms and sink encoders. */
interface ConnectorState {
  version: number;
  valueDecoder: Decoder;
  keyDecoder: Decoder;
  encoders: Map<string, WorkerEncoder>;
  chain: TransformChain | undefined;
  /** The sink reads a null field with a default as the default (null-defaults.ts). */
  nullDefaults: boolean;
}

// One pool can serve several connectors (sluice worker): each task names its
// connector and carries its setup; the thread builds the connector's state
// once per setup version and keeps it.
const connectors = new Map<string, ConnectorState>();

function connectorState(c: ConnectorRef): ConnectorState {
  let state = connectors.get(c.id);
  if (state?.version === c.version) return state;
  const setup = c.setup;
  state = {
    version: c.version,
    valueDecoder: createDecoder(setup.valueFormat, {
      registryUrl: setup.valueRegistryUrl, registryUserInfo: setup.registryUserInfo, registryAuth: setup.valueRegistryAuth,
      wrapperForNullables: setup.valueWrapperForNullables, failInvalidSchema: setup.valueJsonFailInvalidSchema,
      replaceNullWithDefault: setup.valueReplaceNullWithDefault, jsonDoubles: setup.sinkJsonDoubles === true,
      schemaVersions: setup.valueSchemaVersions, subjectStrategy: setup.valueSubjectStrategy,
      ...(setup.valueApicurio ? { apicurio: { role: 'value', wire: setup.valueApicurio } } : {}),
    }),
    keyDecoder: createDecoder(setup.keyFormat, {
      registryUrl: setup.keyRegistryUrl ?? setup.valueRegistryUrl, registryUserInfo: setup.registryUserInfo, registryAuth: setup.keyRegistryAuth,
      wrapperForNullables: setup.keyWrapperForNullables, failInvalidSchema: setup.keyJsonFailInvalidSchema, key: true,
      replaceNullWithDefault: setup.keyReplaceNullWithDefault, jsonDoubles: setup.sinkJsonDoubles === true,
      ...(setup.keyApicurio ? { apicurio: { role: 'key', wire: setup.keyApicurio } } : {}),
    }),
    encoders: new Map(),
    chain: setup.transforms ? new TransformChain(setup.transforms) : undefined,
    nullDefaults: setup.sinkNullDefaults === true,
  };
  connectors.set(c.id, state);
  return state;
}

function* valuesOf(r: BatchReader): Iterable<Uint8Array | null> {
  for (let i = 0; i < r.count; i++) yield r.value(i);
}
function* keysOf(r: BatchReader): Iterable<Uint8Array | null> {
  for (let i = 0; i < r.count; i++) yield r.key(i);
}

export default function encodeBatch(task: EncodeTask): Promise<EncodeResult>;
export default function encodeBatch(task: WarmTask): Promise<undefined>;
export default async function encodeBatch(task: EncodeTask | WarmTask): Promise<EncodeResult | undefined> {
  if ('warm' in task) return warm(task);
  try {
    return await encode(task);
  } catch (err) {
    // Only the message crosses the thread boundary: a SluiceError's class and action travel in it (protocol.ts).
    throw err instanceof SluiceError ? workerRejection(err) : err;
  }
}

async function warm(task: WarmTask): Promise<undefined> {
  const { encoders } = connectorState(task.connector);
  const { sink, modules } = task.warm;
  if (sink !== 'drop' && !encoders.has(sink)) encoders.set(sink, await createWorkerEncoder(sink));
  // The ESM loader keeps them: Piscina's own import of a task file is then instant.
  for (const m of modules) await import(pathToFileURL(m).href);
  return undefined;
}

async function encode(task: EncodeTask): Promise<EncodeResult> {
  const started = performance.now();
  collector.task(task.collect);
  const { valueDecoder, keyDecoder, encoders, chain, nullDefaults } = connectorState(task.connector);
  const reader = new BatchReader(task.batch);
  const failures: RecordFailure[] = [];
  const plan = task.plan;
  let encoder: WorkerEncoder | undefined;
  if (plan.sink !== 'drop') {
    encoder = encoders.get(plan.sink);
    if (!encoder) encoders.set(plan.sink, (encoder = await createWorkerEncoder(plan.sink)));
  }
  const sinkPlan = plan.sink === 'drop' ? undefined : (plan as { plan: unknown }).plan;
  const needKeys = (encoder?.needsKeys(sinkPlan) ?? false) || (chain?.usesKey ?? false);

  // An outage here (schema registry unreachable, 5xx) is not the records' fault:
  // the batch is rejected as retriable (encodeBatch) for the engine to retry.
  // Apicurio's converter may name the schema in the record's headers.
  const headersAt = (i: number) => reader.headers(i);
  await valueDecoder.prepare(valuesOf(reader), task.topic, valueDecoder.usesHeaders ? headersAt : undefined);
  if (needKeys) await keyDecoder.prepare(keysOf(reader), undefined, keyDecoder.usesHeaders ? headersAt : undefined);
  const keyHeaders = keyDecoder.usesHeaders === true;
  const valueHeaders = valueDecoder.usesHeaders === true;
  encoder?.begin(sinkPlan, task.topic, reader.partition);

  let tombstones = 0;
  let decodedRows = 0;
  let dropped = 0;
  let index = 0;
  const recordHeaders = () => reader.headers(index);
  const ctx: RecordContext = {
    topic: task.topic, partition: reader.partition, offset: 0, timestamp: 0, key: null, keyBytes: null,
    headers: recordHeaders,
  };
  // Records no transform touches may go from their Avro bytes straight to the encoder's output.
  const direct = !chain && encoder?.addAvro !== undefined && valueDecoder.avroSchemaOf !== undefined ? encoder : undefined;
  const trec = chain ? newTransformRecord(task.topic, reader.partition, recordHeaders) : undefined;
  if (trec) ctx.headers = () => trec.headers ?? recordHeaders();

  for (index = 0; index < reader.count; index++) {
    const i = index;
    let key: Decoded | undefined;
    let value: Decoded | undefined;
    const bytes = reader.value(i);
    if (needKeys) {
      const kb = reader.key(i);
      ctx.keyBytes = kb;
      if (kb !== null) {
        try {
          key = keyHeaders ? keyDecoder.decode(kb, recordHeaders) : keyDecoder.decode(kb);
        } catch (err) {
          // Said in the reason too: the stop message and the dead letter's exception message name the key.
          failures.push({ index: i, offset: reader.offset(i), stage: 'decode', part: 'key', reason: `key: ${(err as Error).message}` });
          continue;
        }
      }
    }
    ctx.offset = reader.offset(i);
    ctx.timestamp = reader.timestamp(i);
    if (bytes !== null && direct) {
      const schema = valueDecoder.avroSchemaOf!(bytes);
      // A record with a null a default would replace takes the usual path, where it is put in.
      if (schema && !(nullDefaults && hasNullDefaults(schema))) {
        ctx.key = key?.value ?? null;
        if (direct.addAvro!(bytes, schema, key, ctx)) continue;
      }
    }
    if (bytes !== null) {
      try {
        value = valueHeaders ? valueDecoder.decode(bytes, recordHeaders) : valueDecoder.decode(bytes);
      } catch (err) {
        failures.push({ index: i, offset: reader.offset(i), stage: 'decode', part: 'value', reason: (err as Error).message });
        continue;
      }
      // A value that decodes to null (JSON `null`, a Connect envelope's null
      // payload, msgpack nil, an Avro null) is a null value, as Kafka Connect's
      // converters make it: a tombstone, never a row of NULLs.
      if (value.value === null || value.value === undefined) value = undefined;
    }
    if (chain) {
      // Transforms see the decoded record and may reshape, reroute or drop it.
      const out = runChain(chain, trec!, ctx, key, value, task.topic);
      if (out === undefined) {
        dropped++;
        continue;
      }
      if ('reason' in out) {
        failures.push({ index: i, offset: ctx.offset, stage: 'convert', reason: out.reason, ...(out.transform ? { transform: out.transform } : {}) });
        continue;
      }
      key = out.key;
      value = out.value;
    }
    ctx.key = key?.value ?? null;
    if (nullDefaults && value) {
      try {
        fillNullDefaults(value.value, value.schema);
      } catch (err) {
        if (!(err instanceof ConvertError)) throw err;
        failures.push({ index: i, offset: ctx.offset, stage: 'convert', reason: err.message });
        continue;
      }
    }
    if (!encoder) {
      if (value) decodedRows++;
      else tombstones++;
      continue;
    }
    try {
      if (value) encoder.add(value, key, ctx);
      else {
        tombstones++;
        encoder.tombstone(key, ctx);
      }
    } catch (err) {
      if (err instanceof ReplanNeeded) {
        return { output: null, outputBytes: 0, rows: 0, tombstones: 0, failures: [], replan: err.request, workerMicros: micros(started) };
      }
      encoder.discardCurrent();
      // A value nested deeper than the converter's recursion can follow is this record's problem, not the batch's.
      if (err instanceof RangeError && /call stack/i.test(err.message)) {
        failures.push({ index: i, offset: reader.offset(i), stage: 'convert', reason: `the value is nested too deeply to convert (${err.message})` });
        continue;
      }
      if (!(err instanceof ConvertError)) throw err;
      failures.push({ index: i, offset: reader.offset(i), stage: 'convert', reason: err.message, ...(err.connectClass ? { exceptionClass: err.connectClass } : {}) });
    }
  }

  let out;
  try {
    out = encoder ? encoder.finish() : { output: null, outputBytes: 0, rows: decodedRows };
  } catch (err) {
    // An encoder may gather the whole batch's needs before asking for a new plan.
    if (err instanceof ReplanNeeded) {
      return { output: null, outputBytes: 0, rows: 0, tombstones: 0, failures: [], replan: err.request, workerMicros: micros(started) };
    }
    throw err;
  }
  return { ...out, tombstones, failures, workerMicros: micros(started), ...(dropped > 0 ? { dropped } : {}) };
}

function micros(started: number): number {
  return Math.round((performance.now() - started) * 1000);
}
