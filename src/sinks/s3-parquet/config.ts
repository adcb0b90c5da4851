// S3 Parquet sink options: Confluent S3 sink keys, plus Sluice's own for what
// Confluent lacks (a byte cap per file, row groups by bytes, Kafka columns).
import { z } from 'zod';
import { bool, int, list, oneOf, str, type ConfigOf, type OptionSpec } from '../../config/options.js';
import { s3ConnectKeyOptions } from './connect-keys.js';

/** A string option that Confluent configs often carry empty (its default there): empty means unset. */
function emptyOk<O extends OptionSpec<string>>(o: O): O {
  return { ...o, schema: z.union([z.string(), z.number()]).transform((v) => String(v).trim()), expects: 'a string (empty: unset)' };
}
const MiB = 1024 * 1024;

export const s3Options = [
  str({ key: 's3.bucket.name', required: true, doc: 'Bucket to write to.' }),
  str({ key: 's3.region', default: 'us-east-1', doc: 'Region.' }),
  str({ key: 'store.url', doc: 'Custom endpoint for S3-compatible stores (MinIO); implies path-style addressing unless s3.path.style.access.enabled=false.' }),
  bool({ key: 's3.path.style.access.enabled', doc: 'Path-style addressing (default: true with store.url).' }),
  // The key id is an identifier, not a secret (as in Confluent's sink); only the secret key is redacted.
  str({ key: 'aws.access.key.id', doc: 'Access key id; default: the standard AWS credential chain.' }),
  str({ key: 'aws.secret.access.key', secret: true, doc: 'Secret key.' }),
  str({ key: 'topics.dir', default: 'topics', doc: 'Top-level prefix. Objects are <topics.dir>/<topic>/<partitioner path>/<topic>+<partition>+<start offset, 10 digits>.<extension>; Sluice keeps one small marker per partition under <topics.dir>/_sluice/ for exactly-once.' }),
  str({ key: 'format.class', default: 'io.confluent.connect.s3.format.parquet.ParquetFormat', doc: 'Output format: ParquetFormat (.snappy.parquet, or .gz/.zstd/none per parquet.codec, as Confluent names them), JsonFormat (one JSON value per line, .json, .json.gz with s3.compression.type=gzip) AvroFormat (Avro object container files, .avro, avro.codec) or ByteArrayFormat (each value\'s raw bytes then format.bytearray.separator, format.bytearray.extension, .gz added with s3.compression.type=gzip; value.converter=org.apache.kafka.connect.converters.ByteArrayConverter, a value that is not bytes is a record error); Confluent class names.' }),
  str({ key: 'storage.class', default: 'io.confluent.connect.s3.storage.S3Storage', doc: 'Accepted as io.confluent.connect.s3.storage.S3Storage (the only storage Sluice writes to).' }),
  oneOf(['none', 'gzip'] as const, { key: 's3.compression.type', default: 'none', caseInsensitive: true, doc: 'JsonFormat and ByteArrayFormat: gzip the whole object (name ends .json.gz, .bin.gz). Parquet and Avro compress inside the file (parquet.codec, avro.codec).' }),
  int({ key: 's3.compression.level', min: -1, max: 9, default: -1, doc: 'gzip level for s3.compression.type=gzip (-1: zlib\'s default).' }),
  oneOf(['null', 'deflate', 'snappy', 'bzip2', 'xz', 'zstandard'] as const, { key: 'avro.codec', default: 'null', caseInsensitive: true, doc: 'AvroFormat: block codec. Sluice writes null, deflate and snappy; bzip2, xz and zstandard are refused at startup.' }),
  oneOf(['base64', 'numeric'] as const, { key: 'json.decimal.format', default: 'base64', caseInsensitive: true, doc: 'JsonFormat: decimals as base64 of the unscaled bytes (BASE64, Kafka Connect\'s default) or as JSON numbers (NUMERIC).' }),
  oneOf(['none', 'backward', 'forward', 'full'] as const, { key: 'schema.compatibility', default: 'none', caseInsensitive: true, doc: 'As Confluent\'s storage connectors. NONE: a record whose schema differs from its file\'s closes the file set. BACKWARD and FULL: a record whose schema version is newer than its file\'s closes the set (its schema is the next file\'s); an older or equal one is projected to the file\'s schema and joins it (Confluent\'s SchemaProjector: missing fields take their default, else null when optional; extra fields are dropped; numbers widen int→long→float→double; docs do not count; an enum\'s symbols need only be among the file\'s). FORWARD: the reverse. As Confluent\'s storage-common since CC-38689, a record whose schema cannot be projected to its file\'s (another type, name or parameters at any depth, an optional value for a required field without default, a required field without default it lacks) closes the set whatever the versions say, and so does a number with no exact value in the file\'s wider type (Sluice never rounds it). Versions are those of Avro, Protobuf and JSON Schema values (connect.version, else the registry version under the value subject: a schema that subject lacks fails its records as a conversion error) and of Kafka Connect JSON envelopes (the schema\'s "version"; a schema change where a schema has none is Confluent\'s "Schema version required": with errors.tolerance=all and errors.deadletterqueue.topic.name or errors.log.enable=true the record goes to the dead-letter topic, or is logged and skipped, as Connect\'s errant-record reporter does; otherwise it stops Sluice). A value whose schema a transform made has the version Kafka Connect\'s SMT gives it: the input\'s after Cast, Flatten, HeaderFrom, InsertField, MaskField, ReplaceField and TimestampConverter on a field, SetSchemaMetadata\'s schema.version, none after HoistField, ExtractField, ExtractNewRecordState and TimestampConverter of the whole value (a schema change there is "Schema version required" as above); it is projected on the Connect schema the SMT builds. Schemaless values (JsonConverter without schemas, StringConverter, ByteArrayConverter) behave as with NONE, as in Confluent; with ParquetFormat not with store.kafka.key.column/headers.column/metadata (the key and header files of store.kafka.keys/headers are written as without it; a key schema change closes the set).' }),
  oneOf(['', 'aes256', 'aws:kms', 'aws:kms:dsse'] as const, { key: 's3.ssea.name', default: '', caseInsensitive: true, doc: 'Server-side encryption: AES256 (SSE-S3, or SSE-C with s3.sse.customer.key), aws:kms or aws:kms:dsse (SSE-KMS, with s3.sse.kms.key.id or the AWS managed key).' }),
  emptyOk(str({ key: 's3.sse.customer.key', secret: true, doc: 'SSE-C: the base64 256-bit key (with s3.ssea.name=AES256). Sluice sends it with every upload and read of its objects and markers.' })),
  emptyOk(str({ key: 's3.sse.kms.key.id', doc: 'SSE-KMS key id or ARN (with s3.ssea.name=aws:kms).' })),
  oneOf(['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write'] as const, { key: 's3.acl.canned', doc: 'Canned ACL of every object written.' }),
  bool({ key: 's3.object.tagging', default: false, doc: 'Tag each data object with startOffset, endOffset and recordCount (as Confluent\'s sink), sent with the upload itself.' }),
  list({ key: 's3.object.tagging.key.value.pairs', doc: 'Extra tags key:value,key:value added with s3.object.tagging=true.' }),
  oneOf(['ignore', 'fail'] as const, { key: 's3.object.behavior.on.tagging.error', default: 'ignore', caseInsensitive: true, doc: 'Tags go with the upload. ignore: when the store refuses them (403, no s3:PutObjectTagging) the object is written untagged, with a warning; fail: the refusal stops Sluice like any failed upload.' }),
  emptyOk(str({ key: 's3.credentials.provider.class', doc: 'AWS credentials provider (Java class names of SDK v1 or v2): DefaultAWSCredentialsProviderChain / DefaultCredentialsProvider (the SDK default chain), EnvironmentVariableCredentialsProvider, ProfileCredentialsProvider, InstanceProfileCredentialsProvider, ContainerCredentialsProvider / EC2ContainerCredentialsProviderWrapper, WebIdentityTokenCredentialsProvider, or io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider (STS AssumeRole with the sts.* keys). aws.access.key.id/aws.secret.access.key win when set, except with AwsAssumeRoleCredentialsProvider, which uses them (else the default chain) as its source credentials.' })),
  // Confluent's AwsAssumeRoleCredentialsProvider keys (read only with that provider class).
  emptyOk(str({ key: 'sts.role.arn', doc: 'AwsAssumeRoleCredentialsProvider: the role to assume (required with it).' })),
  emptyOk(str({ key: 'sts.role.session.name', doc: 'AwsAssumeRoleCredentialsProvider: the role session name (2-64 of letters, digits, _+=,.@-); default: generated by the AWS SDK.' })),
  emptyOk(str({ key: 'sts.role.external.id', secret: true, doc: 'AwsAssumeRoleCredentialsProvider: the external id the role\'s trust policy asks for.' })),
  emptyOk(str({ key: 'sts.region', doc: 'AwsAssumeRoleCredentialsProvider: region of the STS client; default: s3.region.' })),
  emptyOk(str({ key: 'sts.endpoint', doc: 'AwsAssumeRoleCredentialsProvider (Sluice): STS endpoint URL, e.g. a VPC endpoint or an S3-compatible store\'s STS (MinIO serves it at its S3 URL); default: the region\'s AWS STS endpoint. store.url is never used for STS.' })),
  int({ key: 'flush.size', min: 1, default: 100_000, doc: 'Records per file (counted across the files a partition has open, as in Confluent\'s sink).' }),
  int({ key: 'rotate.interval.ms', min: -1, default: -1, doc: 'With a time-based partitioner, close the open files when a record\'s timestamp (the partitioner\'s timestamp.extractor) is this far past the first record\'s of the files, or when a record goes to another path than the record before it (Confluent\'s TopicPartitionWriter). Ignored with other partitioners, as in Confluent\'s sink.' }),
  int({ key: 'rotate.schedule.interval.ms', min: -1, default: -1, doc: 'Close open files on the wall clock, at multiples of this interval in `timezone`, even when no new record arrives.' }),
  int({ key: 'file.max.bytes', min: MiB, default: 256 * MiB, doc: 'Close a file when its buffered (Arrow) data reaches this size. Memory pressure (inflight.max.bytes, partition.max.bytes) closes files earlier.' }),
  str({ key: 'partitioner.class', default: 'io.confluent.connect.storage.partitioner.DefaultPartitioner', doc: 'Default, Field or TimeBased partitioner (Confluent class names; HourlyPartitioner and DailyPartitioner too).' }),
  str({ key: 'partition.field.name', doc: 'Field partitioner: the value field(s), comma-separated; nested fields with dots.' }),
  str({ key: 'path.format', doc: "Time-based partitioner: Joda-style path, e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH." }),
  int({ key: 'partition.duration.ms', min: 1, doc: 'Time-based partitioner: bucket width.' }),
  oneOf(['Record', 'RecordField', 'Wallclock'] as const, { key: 'timestamp.extractor', default: 'Record', doc: 'Where the time-based partitioner gets a record\'s time.' }),
  str({ key: 'timestamp.field', doc: 'RecordField extractor: the value field holding the time (epoch ms number, ISO-8601 string, or a timestamp type); nested with dots.' }),
  str({ key: 'locale', default: 'en-US', doc: 'Locale of path.format (month and day names).' }),
  str({ key: 'timezone', default: 'UTC', doc: 'Time zone of path.format and of rotate.schedule.interval.ms boundaries.' }),
  oneOf(['snappy', 'zstd', 'gzip', 'brotli', 'lz4', 'lz4_raw', 'none', 'uncompressed'] as const, { key: 'parquet.codec', default: 'snappy', caseInsensitive: true, doc: 'Parquet compression codec, as Confluent\'s (parquet-mr\'s names; lz4 is the Hadoop-framed LZ4 codec, lz4_raw the raw one; lzo is not available).' }),
  int({ key: 'parquet.row.group.bytes', min: 64 * 1024, default: 32 * MiB, doc: 'Target bytes per row group. Each worker thread holds about 1.5× this while writing a file.' }),
  int({ key: 's3.part.size', min: 5 * MiB, default: 25 * MiB, doc: 'Multipart upload part size; objects above it go up in parts.' }),
  int({ key: 's3.part.retries', min: 0, default: 10, doc: 'Retries of a failed S3 request (5xx, throttling, connection errors) before errors.retry.timeout applies; the waits start at s3.retry.backoff.ms and grow (with jitter) up to errors.retry.delay.max.ms.' }),
  int({ key: 's3.retry.backoff.ms', min: 1, default: 200, doc: 'Shortest wait before retrying a failed S3 request. Each wait is random between it and three times the previous wait (decorrelated jitter); on shutdown a pending wait ends with the grace period.' }),
  int({ key: 's3.upload.concurrency', min: 1, max: 64, default: 8, doc: 'Objects uploaded at the same time across all partitions.' }),
  oneOf(['fail', 'ignore', 'write'] as const, { key: 'behavior.on.null.values', default: 'fail', caseInsensitive: true, doc: 'A record with a null value (tombstone): fail stops with its location, as Confluent\'s sink does; ignore skips it; write (needs store.kafka.keys=true) writes it, as Confluent does, under the path tombstone.encoded.partition (<topics.dir>/<topic>/tombstone/) into key (and header) files only, no value file.' }),
  str({ key: 'tombstone.encoded.partition', default: 'tombstone', doc: 'behavior.on.null.values=write: the partitioner path tombstones are written under.' }),
  bool({ key: 'store.kafka.keys', default: false, doc: 'Write each record\'s key into a key file beside its value file, as Confluent\'s sink: <topic>+<partition>+<start offset>.keys<extension of keys.format.class>, one row per value row in the same order (Parquet: a record {key}). A record with a null key is an error.' }),
  bool({ key: 'store.kafka.headers', default: false, doc: 'Write each record\'s headers into a header file beside its value file, as Confluent\'s sink: <…>.headers<extension of headers.format.class>, one row per value row: the list of {key, value} with each value as UTF-8 text (JSON and Parquet: a record {headers}). A record without headers, a null or non-UTF-8 header value is an error.' }),
  str({ key: 'keys.format.class', default: 'io.confluent.connect.s3.format.avro.AvroFormat', doc: 'Format of the key files (store.kafka.keys): AvroFormat, JsonFormat, ParquetFormat or ByteArrayFormat (raw key bytes, ByteArrayConverter keys), whatever format.class is; avro.codec, s3.compression.type and parquet.codec apply as to value files.' }),
  { ...str({ key: 'format.bytearray.separator', doc: 'format.class and keys.format.class=ByteArrayFormat: written after each value and key, as written (whitespace counts; default a newline).' }), schema: z.string(), expects: 'a string' },
  str({ key: 'format.bytearray.extension', default: '.bin', doc: 'format.class and keys.format.class=ByteArrayFormat: the value files\' extension and the key files\' after .keys (.gz added with s3.compression.type=gzip).' }),
  str({ key: 'headers.format.class', default: 'io.confluent.connect.s3.format.avro.AvroFormat', doc: 'Format of the header files (store.kafka.headers): AvroFormat, JsonFormat or ParquetFormat.' }),
  bool({ key: 'store.kafka.key.column', default: false, doc: 'Sluice, Parquet only: add the Kafka key as a column __kafka_key of the value file (typed from the key schema; schemaless keys as JSON text).' }),
  bool({ key: 'store.kafka.headers.column', default: false, doc: 'Sluice, Parquet only: add the Kafka headers as a column __kafka_headers of the value file: list<struct<key: string, value: binary>>.' }),
  bool({ key: 'store.kafka.metadata', default: false, doc: 'Add columns __kafka_topic, __kafka_partition, __kafka_offset and __kafka_timestamp.' }),

  int({ key: 'filename.offset.zero.pad.width', min: 0, default: 10, doc: 'Digits the start offset in object names is zero-padded to (Confluent\'s default 10); a longer offset is written in full.' }),

  // Kafka Connect storage-connector keys with no effect here.
  str({ key: 'schema.generator.class', doc: 'Confluent storage connectors: Hive schema generator.', ignored: 'Sluice writes no Hive schema.' }),
  ...s3ConnectKeyOptions,
] as const satisfies readonly OptionSpec<any>[];

export type S3Config = ConfigOf<typeof s3Options>;
