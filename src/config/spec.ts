// Options every connector has: Kafka source, converters, batching, pool,
// backpressure, error handling. Sink options live in each sink's config.ts.
import os from 'node:os';
import { VALUE_FORMATS } from '../core/formats.js';
import { bool, int, list, oneOf, str, type OptionSpec } from './options.js';

const MiB = 1024 * 1024;

export { VALUE_FORMATS, type ValueFormat } from '../core/formats.js';

export const commonOptions = [
  str({ key: 'name', required: true, doc: 'Connector name. The consumer group defaults to connect-<name>, as in Kafka Connect.' }),
  str({ key: 'connector.class', required: true, doc: 'Which sink runs the connector: a Kafka Connect connector class, or sluice.<sink>. Each sink\'s section below names the classes it runs.' }),
  int({ key: 'tasks.max', min: 1, doc: 'Kafka Connect parallelism.', ignored: 'Sluice parallelism is worker.threads; scale out with more instances in the same group.' }),
  list({ key: 'topics', doc: 'Topics to consume. Exactly one of topics and topics.regex.' }),
  str({ key: 'topics.regex', doc: 'Regular expression of topics to consume (librdkafka subscribes with ^<regex>). Exactly one of topics and topics.regex.' }),
  str({ key: 'bootstrap.servers', required: true, doc: 'Kafka bootstrap servers, host:port[,host:port].' }),
  str({ key: 'group.id', doc: 'Consumer group id. Default: connect-<name>.' }),
  oneOf(['auto', 'on', 'off'] as const, { key: 'source.native', default: 'auto', doc: 'Which Kafka consumer reads the topics. on: the native addon (native/), which copies records from librdkafka straight into the batch buffers off the main thread; start fails when it is not built. off: the @confluentinc/kafka-javascript binding (a JS object per record on the main thread). auto: native when the addon loads, otherwise the binding, said once in the log.' }),

  str({ key: 'key.converter', default: 'org.apache.kafka.connect.json.JsonConverter', doc: 'Kafka Connect converter class for record keys; decides key.format. The default is Kafka Connect\'s worker default (JsonConverter, schemas enabled): Connect takes a converter the connector does not set from its worker config, so set the one your worker used. `sluice check` and the start-up log say which converter is in effect and where it came from.' }),
  str({ key: 'value.converter', default: 'org.apache.kafka.connect.json.JsonConverter', doc: 'Kafka Connect converter class for record values; decides value.format. The default is Kafka Connect\'s worker default (JsonConverter, schemas enabled), as for key.converter.' }),
  bool({ key: 'key.converter.schemas.enable', default: true, doc: 'JsonConverter keys carry the {schema, payload} envelope (JsonConverter\'s default).' }),
  bool({ key: 'value.converter.schemas.enable', default: true, doc: 'JsonConverter values carry the {schema, payload} envelope (JsonConverter\'s default).' }),
  str({ key: 'key.converter.schema.registry.url', doc: 'Schema Registry URL for Avro, Protobuf and JSON Schema keys (AvroConverter, ProtobufConverter, JsonSchemaConverter).' }),
  str({ key: 'value.converter.schema.registry.url', doc: 'Schema Registry URL for Avro, Protobuf and JSON Schema values (Confluent REST API; Apicurio serves it under /apis/ccompat/v7).' }),
  bool({ key: 'key.converter.wrapper.for.nullables', default: false, doc: 'ProtobufConverter keys: google.protobuf wrapper types (StringValue…) become their optional value instead of a struct with one field "value", and plain scalars become required (Confluent\'s setting of that name).' }),
  bool({ key: 'value.converter.wrapper.for.nullables', default: false, doc: 'ProtobufConverter values: as key.converter.wrapper.for.nullables. A JDBC sink cannot write the struct, so connectors that wrote Protobuf wrappers to a database had it true.' }),
  bool({ key: 'key.converter.replace.null.with.default', default: true, doc: 'JsonConverter keys (Kafka 3.5+, KIP-581): a null or missing field whose schema has a default is read as the default, at every level; false keeps an optional one null and refuses a required one. Only JsonConverter reads it; Avro, Protobuf and JSON Schema converters ignore it.' }),
  bool({ key: 'value.converter.replace.null.with.default', default: true, doc: 'JsonConverter values: as key.converter.replace.null.with.default. A sink that reads fields as Struct.get does (Confluent\'s JDBC sink with its own replace.null.with.default, S3, Elasticsearch) still writes the default of an optional field that the converter left null.' }),
  bool({ key: 'key.converter.json.fail.invalid.schema', default: false, doc: 'JsonSchemaConverter keys: a key that does not validate against its registered JSON Schema is a bad record (dead-lettered, or a stop naming it). Confluent\'s setting of that name; off by default, as there.' }),
  bool({ key: 'value.converter.json.fail.invalid.schema', default: false, doc: 'JsonSchemaConverter values: as key.converter.json.fail.invalid.schema.' }),
  str({ key: 'value.converter.basic.auth.user.info', aliases: ['value.converter.schema.registry.basic.auth.user.info'], secret: true, doc: 'user:password for the Schema Registry (with basic.auth.credentials.source=USER_INFO, the default when it is set).' }),
  oneOf(VALUE_FORMATS, { key: 'key.format', doc: 'Overrides the format derived from key.converter.' }),
  oneOf(VALUE_FORMATS, { key: 'value.format', doc: 'Overrides the format derived from value.converter. msgpack has no Connect converter and is chosen here.' }),

  oneOf(['none', 'all'] as const, { key: 'errors.tolerance', default: 'none', doc: 'none: a bad record (undecodable, unconvertible, or a row the database refuses) stops Sluice, naming topic, partition and offset, with nothing at or after it committed. all: such records go to the dead-letter topic when errors.deadletterqueue.topic.name is set, and are otherwise skipped as in Kafka Connect (logged with topic, partition and offset when errors.log.enable=true, counted in sluice_records_skipped_total); the rest land.' }),
  str({ key: 'errors.deadletterqueue.topic.name', doc: 'Dead-letter topic for records that fail to decode or convert.' }),
  int({ key: 'errors.deadletterqueue.topic.replication.factor', min: 1, default: 3, doc: 'Replication factor when Sluice creates the dead-letter topic.' }),
  bool({ key: 'errors.deadletterqueue.context.headers.enable', default: false, doc: 'Add __connect.errors.* headers to dead-lettered records.' }),
  int({ key: 'errors.retry.timeout', min: -1, default: 0, doc: 'How long (ms) to keep retrying a retriable sink failure; -1 retries forever. Outages are always retried at least for this long and never skip records.' }),
  int({ key: 'errors.retry.delay.max.ms', min: 1, default: 60_000, doc: 'Upper bound of the exponential retry backoff.' }),
  bool({ key: 'errors.log.enable', default: false, doc: 'Log every record-level failure.' }),
  bool({ key: 'errors.log.include.messages', default: false, doc: 'Include the record (key, value and headers, base64) in those logs.' }),

  int({ key: 'batch.max.records', min: 1, max: 1_000_000, default: 20_000, doc: 'A partition batch closes when it holds this many records.' }),
  int({ key: 'batch.max.bytes', min: 64 * 1024, max: 256 * MiB, default: 8 * MiB, doc: 'A partition batch closes when its shared buffer holds this many bytes.' }),
  int({ key: 'batch.linger.ms', min: 0, max: 600_000, default: 250, doc: 'A partition batch closes this long after its first record, however small.' }),
  int({ key: 'worker.threads', min: 1, max: 256, default: Math.max(1, os.availableParallelism() - 1), doc: 'Piscina worker threads that decode, convert and encode. Default: one per core but one, which the main thread needs for consuming (on 2 cores one worker is as fast as two and uses less memory).' }),
  int({ key: 'inflight.max.bytes', min: MiB, default: 192 * MiB, doc: 'Global budget of bytes held in batches, open files and pending writes. Over it the fullest partitions pause; under half of it they resume.' }),
  int({ key: 'partition.max.bytes', min: 64 * 1024, default: 32 * MiB, doc: 'A partition pauses when it alone holds this many bytes.' }),
  int({ key: 'offset.flush.interval.ms', min: 0, default: 100, doc: 'Kafka offsets are committed right after each durable write, but at least this long apart (fewer commits, a little more re-delivery after a crash).' }),
  int({ key: 'shutdown.grace.ms', min: 0, default: 30_000, doc: 'On SIGTERM/SIGINT: time to flush and commit before giving up. Retries still waiting then are given up, what is durable is committed, and Sluice exits with code 3 (the rest is read again on the next start). A second signal exits at once.' }),
  oneOf(['at_least_once', 'exactly_once'] as const, { key: 'delivery.guarantee', default: 'at_least_once', doc: 'exactly_once (PostgreSQL) stores offsets in the sink in the same transaction as the rows. The S3 sink is always exactly-once: the offset range of each file set is recorded in a marker object before upload.' }),
  oneOf(['trace', 'debug', 'info', 'warn', 'error'] as const, { key: 'log.level', default: 'info', doc: 'Log level.' }),
  int({ key: 'status.port', min: 0, max: 65535, doc: 'Serve GET /connectors/<name>/status, /metrics (Prometheus), /metrics.json and /healthz on status.host:<port> (0 = any free port, printed at start).' }),
  str({ key: 'status.host', default: '127.0.0.1', doc: 'Address the status endpoint binds to; 0.0.0.0 in a container so metrics can be scraped.' }),
] as const satisfies readonly OptionSpec<any>[];
