// The S3 sink's registry record (common/module.ts).
import { ConfigError } from '../../errors.js';
import type { SinkChecks } from '../../config/sink-spec.js';
import type { SinkModule } from '../common/module.js';
import { s3Options, type S3Config } from './config.js';
import { BYTE_ARRAY_CLASS, checkTagPairs, credentialSource, formatSettings, writeParams } from './formats.js';
import { partitionerSpec } from './partitioner.js';
import { parseS3Proxy } from './proxy.js';
import { NEVER_BYTES_VALUE_FORMATS } from './bytearray-format.js';
import { formatOf } from '../../config/load.js';
import { subjectStrategyOf } from '../../workers/decode/subjects.js';

export const s3Sink: SinkModule = {
  kind: 's3',
  title: 'S3 Parquet sink',
  shortTitle: 'S3',
  connectorClasses: ['sluice.s3', 'io.confluent.connect.s3.S3SinkConnector'],
  matchesClass: (c) => c.includes('s3sink'),
  classesDoc: 'io.confluent.connect.s3.S3SinkConnector, sluice.s3',
  options: s3Options,
  check: checkS3,
  usesKeys: (get) => get('store.kafka.keys') === true || get('store.kafka.key.column') === true,
  createSink: async (config, log) => new (await import('./sink.js')).S3ParquetSink(config, log.child({ sink: 's3' })),
  createEncoder: async () => new (await import('./format-encoder.js')).S3FormatEncoder(),
  movePositions: async (config, moves, _all, log) => (await import('./markers-admin.js')).forgetSetMarkers(config, moves, log),
};

/** Every rule across the S3 keys (partitioner, format, encryption, tags, credentials), each problem naming its key. */
function checkS3(checks: SinkChecks): void {
  const c = Object.fromEntries(s3Options.map((o) => [o.key, checks.get(o.key)])) as unknown as S3Config;
  const rules: (() => unknown)[] = [
    () => partitionerSpec(c),
    () => formatSettings(c),
    () => checkTagPairs(c['s3.object.tagging.key.value.pairs']),
    () => credentialSource(c['s3.credentials.provider.class'], Boolean(c['aws.access.key.id']), c),
    () => writeParams(c),
  ];
  for (const rule of rules) {
    try {
      rule();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const p of err.problems) checks.problem(p);
    }
  }
  if (Boolean(c['aws.access.key.id']) !== Boolean(c['aws.secret.access.key'])) {
    checks.problem('aws.access.key.id / aws.secret.access.key: give both, or neither to use the standard AWS credential chain');
  }
  // Transfer Acceleration is an AWS endpoint; a custom store has none.
  if (c['s3.wan.mode'] && c['store.url']) checks.problem('s3.wan.mode: true needs AWS S3 (the bucket\'s s3-accelerate endpoint); not with store.url');
  checkByteArrayValues(checks, c);
  // Confluent's TopicPartitionWriter takes rotate.interval.ms only from a TimeBasedPartitioner's timestamp extractor.
  if (c['rotate.interval.ms'] > 0 && (() => { try { return partitionerSpec(c).kind !== 'time'; } catch { return false; } })()) {
    checks.warning(`rotate.interval.ms: ignored with ${String(c['partitioner.class'])}, as Confluent's sink ignores it with a partitioner that is not time-based; files close on flush.size, rotate.schedule.interval.ms or a schema change`);
  }
  const proxy = parseS3Proxy(c);
  for (const s of proxy.secrets) checks.secret(s);
  for (const p of proxy.problems) checks.problem(p);
  for (const w of proxy.warnings) checks.warning(w);
  const compat = c['schema.compatibility'];
  if (compat !== 'none') {
    // Values of registry converters and Connect JSON envelopes carry the schema versions the comparison needs.
    const format = checks.get('value.format') ?? (checks.get('value.converter') ? formatOf(String(checks.get('value.converter')), checks.get('value.converter.schemas.enable') as boolean) : undefined);
    const name = compat.toUpperCase();
    const strategy = checks.get('value.converter.value.subject.name.strategy');
    if (strategy !== undefined && strategy !== '' && !subjectStrategyOf(String(strategy))) {
      checks.problem(`value.converter.value.subject.name.strategy: "${String(strategy)}" is not TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy; schema.compatibility=${name} looks schema versions up under the subject it names, and Sluice cannot run another class`);
    }
    // Schemaless values (JsonConverter without schemas, StringConverter, ByteArrayConverter…) behave as with NONE, as in
    // Confluent: StorageSchemaCompatibility never compares two absent (or two identical) schemas.
    if (['avro', 'protobuf', 'json-schema', 'connect-json'].includes(String(format)) && parquetFormat(c)) {
      // Sluice's own columns only: Confluent's key and header files (store.kafka.keys/headers) are written beside projected files.
      for (const k of ['store.kafka.key.column', 'store.kafka.headers.column', 'store.kafka.metadata'] as const) {
        if (c[k]) checks.problem(`${k}: not with schema.compatibility=${name}: projected files hold the values' columns only; set ${k}=false (store.kafka.keys / store.kafka.headers write key and header files, which work with it) or schema.compatibility=NONE`);
      }
    }
  }
}

/** ByteArrayFormat values are bytes: a value converter that never gives bytes would fail every record, so it is refused up front. */
function checkByteArrayValues(checks: SinkChecks, c: S3Config): void {
  if (!BYTE_ARRAY_CLASS.test(String(c['format.class']))) return;
  const format = checks.get('value.format') ?? (checks.get('value.converter') ? formatOf(String(checks.get('value.converter')), checks.get('value.converter.schemas.enable') as boolean) : undefined);
  if (format !== undefined && NEVER_BYTES_VALUE_FORMATS.includes(String(format))) {
    const converter = checks.get('value.converter') !== undefined ? `value.converter ${String(checks.get('value.converter'))}` : `value.format ${String(format)}`;
    checks.problem(`format.class: ByteArrayFormat writes raw value bytes and ${converter} never gives bytes (Kafka Connect fails each record: "Invalid schema type for ByteArrayConverter"); use value.converter=org.apache.kafka.connect.converters.ByteArrayConverter`);
  }
}

function parquetFormat(c: S3Config): boolean {
  try {
    return formatSettings(c).format === 'parquet';
  } catch {
    return false; // reported with format.class
  }
}
