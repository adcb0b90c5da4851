// S3 Parquet sink options: Confluent S3 sink keys.
import { bool, int, oneOf, str, type OptionSpec } from '../../config/options.js';

const s3 = ['s3'] as const;
const MiB = 1024 * 1024;

export const s3Options = [
  str({ key: 's3.bucket.name', sinks: s3, required: true, doc: 'Bucket to write to.' }),
  str({ key: 's3.region', sinks: s3, default: 'us-east-1', doc: 'Region.' }),
  str({ key: 'store.url', sinks: s3, doc: 'Custom endpoint for S3-compatible stores (MinIO); implies path-style addressing unless s3.path.style.access.enabled=false.' }),
  bool({ key: 's3.path.style.access.enabled', sinks: s3, doc: 'Path-style addressing (default: true with store.url).' }),
  str({ key: 'aws.access.key.id', sinks: s3, secret: true, doc: 'Access key; default: the standard AWS credential chain.' }),
  str({ key: 'aws.secret.access.key', sinks: s3, secret: true, doc: 'Secret key.' }),
  str({ key: 'topics.dir', sinks: s3, default: 'topics', doc: 'Top-level prefix.' }),
  str({ key: 'format.class', sinks: s3, default: 'io.confluent.connect.s3.format.parquet.ParquetFormat', doc: 'Only Parquet is written.' }),
  int({ key: 'flush.size', sinks: s3, min: 1, default: 100_000, doc: 'Records per file.' }),
  int({ key: 'rotate.interval.ms', sinks: s3, min: -1, default: -1, doc: 'Close a file when a record timestamp is this far past the file\'s first record timestamp.' }),
  int({ key: 'rotate.schedule.interval.ms', sinks: s3, min: -1, default: -1, doc: 'Close open files on the wall clock, even when no new record arrives.' }),
  int({ key: 'file.max.bytes', sinks: s3, min: MiB, default: 256 * MiB, doc: 'Close a file when its buffered data reaches this size.' }),
  str({ key: 'partitioner.class', sinks: s3, default: 'io.confluent.connect.storage.partitioner.DefaultPartitioner', doc: 'Default, Field or TimeBased partitioner.' }),
  str({ key: 'partition.field.name', sinks: s3, doc: 'Field partitioner: the value field(s), comma-separated.' }),
  str({ key: 'path.format', sinks: s3, doc: "Time-based partitioner: Joda-style path, e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH." }),
  int({ key: 'partition.duration.ms', sinks: s3, min: 1, doc: 'Time-based partitioner: bucket width.' }),
  oneOf(['Record', 'RecordField', 'Wallclock'] as const, { key: 'timestamp.extractor', sinks: s3, default: 'Record', doc: 'Where the time-based partitioner gets a record\'s time.' }),
  str({ key: 'timestamp.field', sinks: s3, doc: 'RecordField extractor: the value field holding the time.' }),
  str({ key: 'locale', sinks: s3, default: 'en-US', doc: 'Locale of path.format.' }),
  str({ key: 'timezone', sinks: s3, default: 'UTC', doc: 'Time zone of path.format.' }),
  oneOf(['snappy', 'zstd', 'gzip', 'none', 'uncompressed'] as const, { key: 'parquet.codec', sinks: s3, default: 'snappy', caseInsensitive: true, doc: 'Parquet compression codec.' }),
  int({ key: 'parquet.row.group.bytes', sinks: s3, min: 64 * 1024, default: 64 * MiB, doc: 'Target bytes per row group.' }),
  int({ key: 's3.part.size', sinks: s3, min: 5 * MiB, default: 25 * MiB, doc: 'Multipart upload part size; objects above it go up in parts.' }),
  bool({ key: 'store.kafka.keys', sinks: s3, default: false, doc: 'Add the Kafka key as a column.' }),
  bool({ key: 'store.kafka.headers', sinks: s3, default: false, doc: 'Add the Kafka headers as a column.' }),
  bool({ key: 'store.kafka.metadata', sinks: s3, default: false, doc: 'Add topic, partition and offset columns.' }),
] as const satisfies readonly OptionSpec<any>[];
