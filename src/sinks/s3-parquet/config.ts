// S3 Parquet sink options: Confluent S3 sink keys, plus Sluice's own for what
// Confluent lacks (a byte cap per file, row groups by bytes, Kafka columns).
import { bool, int, oneOf, str, type OptionSpec } from '../../config/options.js';

const s3 = ['s3'] as const;
const MiB = 1024 * 1024;

export const s3Options = [
  str({ key: 's3.bucket.name', sinks: s3, required: true, doc: 'Bucket to write to.' }),
  str({ key: 's3.region', sinks: s3, default: 'us-east-1', doc: 'Region.' }),
  str({ key: 'store.url', sinks: s3, doc: 'Custom endpoint for S3-compatible stores (MinIO); implies path-style addressing unless s3.path.style.access.enabled=false.' }),
  bool({ key: 's3.path.style.access.enabled', sinks: s3, doc: 'Path-style addressing (default: true with store.url).' }),
  // The key id is an identifier, not a secret (as in Confluent's sink); only the secret key is redacted.
  str({ key: 'aws.access.key.id', sinks: s3, doc: 'Access key id; default: the standard AWS credential chain.' }),
  str({ key: 'aws.secret.access.key', sinks: s3, secret: true, doc: 'Secret key.' }),
  str({ key: 'topics.dir', sinks: s3, default: 'topics', doc: 'Top-level prefix. Objects are <topics.dir>/<topic>/<partitioner path>/<topic>+<partition>+<start offset>.parquet; Sluice keeps one small marker per partition under <topics.dir>/_sluice/ for exactly-once.' }),
  str({ key: 'format.class', sinks: s3, default: 'io.confluent.connect.s3.format.parquet.ParquetFormat', doc: 'Only Parquet is written.' }),
  int({ key: 'flush.size', sinks: s3, min: 1, default: 100_000, doc: 'Records per file (counted across the files a partition has open, as in Confluent\'s sink).' }),
  int({ key: 'rotate.interval.ms', sinks: s3, min: -1, default: -1, doc: 'Close a file when a record\'s timestamp (the time-based partitioner\'s timestamp, else the Kafka timestamp) is this far past the file\'s first record timestamp.' }),
  int({ key: 'rotate.schedule.interval.ms', sinks: s3, min: -1, default: -1, doc: 'Close open files on the wall clock, at multiples of this interval in `timezone`, even when no new record arrives.' }),
  int({ key: 'file.max.bytes', sinks: s3, min: MiB, default: 256 * MiB, doc: 'Close a file when its buffered (Arrow) data reaches this size. Memory pressure (inflight.max.bytes, partition.max.bytes) closes files earlier.' }),
  str({ key: 'partitioner.class', sinks: s3, default: 'io.confluent.connect.storage.partitioner.DefaultPartitioner', doc: 'Default, Field or TimeBased partitioner (Confluent class names; HourlyPartitioner and DailyPartitioner too).' }),
  str({ key: 'partition.field.name', sinks: s3, doc: 'Field partitioner: the value field(s), comma-separated; nested fields with dots.' }),
  str({ key: 'path.format', sinks: s3, doc: "Time-based partitioner: Joda-style path, e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH." }),
  int({ key: 'partition.duration.ms', sinks: s3, min: 1, doc: 'Time-based partitioner: bucket width.' }),
  oneOf(['Record', 'RecordField', 'Wallclock'] as const, { key: 'timestamp.extractor', sinks: s3, default: 'Record', doc: 'Where the time-based partitioner gets a record\'s time.' }),
  str({ key: 'timestamp.field', sinks: s3, doc: 'RecordField extractor: the value field holding the time (epoch ms number, ISO-8601 string, or a timestamp type); nested with dots.' }),
  str({ key: 'locale', sinks: s3, default: 'en-US', doc: 'Locale of path.format (month and day names).' }),
  str({ key: 'timezone', sinks: s3, default: 'UTC', doc: 'Time zone of path.format and of rotate.schedule.interval.ms boundaries.' }),
  oneOf(['snappy', 'zstd', 'gzip', 'none', 'uncompressed'] as const, { key: 'parquet.codec', sinks: s3, default: 'snappy', caseInsensitive: true, doc: 'Parquet compression codec.' }),
  int({ key: 'parquet.row.group.bytes', sinks: s3, min: 64 * 1024, default: 32 * MiB, doc: 'Target bytes per row group. Each worker thread holds about 1.5× this while writing a file.' }),
  int({ key: 's3.part.size', sinks: s3, min: 5 * MiB, default: 25 * MiB, doc: 'Multipart upload part size; objects above it go up in parts.' }),
  int({ key: 's3.part.retries', sinks: s3, min: 0, default: 10, doc: 'Retries of a failed S3 request (5xx, throttling, connection errors) before errors.retry.timeout applies; the backoff starts at s3.retry.backoff.ms and doubles up to errors.retry.delay.max.ms.' }),
  int({ key: 's3.retry.backoff.ms', sinks: s3, min: 1, default: 200, doc: 'First retry delay of a failed S3 request. Each wait is spread by ±20% (jitter); on shutdown a pending wait ends with the grace period.' }),
  int({ key: 's3.upload.concurrency', sinks: s3, min: 1, max: 64, default: 8, doc: 'Objects uploaded at the same time across all partitions.' }),
  oneOf(['fail', 'ignore'] as const, { key: 'behavior.on.null.values', sinks: s3, default: 'fail', caseInsensitive: true, doc: 'A record with a null value (tombstone): fail stops with its location, as Confluent\'s sink does; ignore skips it.' }),
  bool({ key: 'store.kafka.keys', sinks: s3, default: false, doc: 'Add the Kafka key as a column __kafka_key (typed from the key schema; schemaless keys as JSON text).' }),
  bool({ key: 'store.kafka.headers', sinks: s3, default: false, doc: 'Add the Kafka headers as a column __kafka_headers: list<struct<key: string, value: binary>>.' }),
  bool({ key: 'store.kafka.metadata', sinks: s3, default: false, doc: 'Add columns __kafka_topic, __kafka_partition, __kafka_offset and __kafka_timestamp.' }),
] as const satisfies readonly OptionSpec<any>[];
