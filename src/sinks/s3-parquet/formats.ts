// The S3 sink's output formats and the S3 request settings that come with
// Confluent configs (format.class, storage.class, compression, encryption,
// ACL, tags, credentials provider): read and checked once at startup, every
// problem naming its key. No SDK here: service.ts turns these into requests.
import { ConfigError } from '../../errors.js';
import { ASSUME_ROLE_CLASS, assumeRoleSource, type AssumeRoleKeys, type AssumeRoleSource } from './assume-role.js';

export type OutputFormat = 'parquet' | 'json' | 'avro' | 'bytearray';
export type AvroCodec = 'null' | 'deflate' | 'snappy';
/** A key file's format: ByteArrayFormat too (raw key bytes, each followed by format.bytearray.separator). */
export type KeyFileFormat = OutputFormat;
/** Header files: as Confluent, not ByteArrayFormat. */
export type HeaderFileFormat = Exclude<OutputFormat, 'bytearray'>;

export interface FormatSettings {
  format: OutputFormat;
  /** JsonFormat or ByteArrayFormat with s3.compression.type=gzip. */
  gzip: boolean;
  gzipLevel: number;
  avroCodec: AvroCodec;
  decimalFormat: 'base64' | 'numeric';
  /** store.kafka.keys / store.kafka.headers: the formats of the key and header files. */
  keyFiles?: KeyFileFormat;
  headerFiles?: HeaderFileFormat;
  /** format.class or keys.format.class=ByteArrayFormat: format.bytearray.separator and format.bytearray.extension. */
  byteArray?: { separator: string; extension: string };
  /** behavior.on.null.values=write: tombstone.encoded.partition. */
  tombstonePath?: string;
}

export interface FormatConfig {
  'format.class': string;
  'storage.class': string;
  's3.compression.type': 'none' | 'gzip';
  's3.compression.level': number;
  'avro.codec': 'null' | 'deflate' | 'snappy' | 'bzip2' | 'xz' | 'zstandard';
  'json.decimal.format': 'base64' | 'numeric';
  'store.kafka.keys': boolean;
  'store.kafka.headers': boolean;
  'store.kafka.metadata': boolean;
  'behavior.on.null.values': 'fail' | 'ignore' | 'write';
  'keys.format.class'?: string;
  'headers.format.class'?: string;
  'store.kafka.key.column'?: boolean;
  'store.kafka.headers.column'?: boolean;
  'tombstone.encoded.partition'?: string;
  'format.bytearray.extension'?: string;
  'format.bytearray.separator'?: string;
}

const FORMATS: Record<string, HeaderFileFormat> = {
  ParquetFormat: 'parquet',
  JsonFormat: 'json',
  AvroFormat: 'avro',
};

function formatOf(cls: string): HeaderFileFormat | undefined {
  const short = cls.slice(cls.lastIndexOf('.') + 1);
  return FORMATS[short] ?? (['parquet', 'json', 'avro'].includes(cls.toLowerCase()) ? (cls.toLowerCase() as HeaderFileFormat) : undefined);
}

export const BYTE_ARRAY_CLASS = /(^|\.)ByteArrayFormat$|^bytearray$/i;
const FORMAT_CLASSES = 'io.confluent.connect.s3.format.parquet.ParquetFormat, io.confluent.connect.s3.format.json.JsonFormat, io.confluent.connect.s3.format.avro.AvroFormat';
const WITH_BYTE_ARRAY = `${FORMAT_CLASSES}, io.confluent.connect.s3.format.bytearray.ByteArrayFormat`;

/** format.class → the format; Confluent's full class names or the short ones. */
export function formatSettings(c: FormatConfig): FormatSettings {
  const problems: string[] = [];
  const cls = c['format.class'];
  const format: OutputFormat | undefined = BYTE_ARRAY_CLASS.test(cls) ? 'bytearray' : formatOf(cls);
  if (!format) {
    problems.push(`format.class: "${cls}" is not a format Sluice writes (${WITH_BYTE_ARRAY})`);
  }
  // Confluent's key and header files, each in its own format (AvroFormat unless set).
  const companion = (on: boolean, key: 'keys.format.class' | 'headers.format.class'): KeyFileFormat | undefined => {
    if (!on) return undefined;
    const v = c[key] ?? 'io.confluent.connect.s3.format.avro.AvroFormat';
    // As Confluent: ByteArrayFormat for keys, not for headers.
    if (key === 'keys.format.class' && BYTE_ARRAY_CLASS.test(v)) return 'bytearray';
    const f = formatOf(v);
    if (!f) {
      problems.push(`${key}: "${v}" is not a format Sluice writes ${key === 'keys.format.class' ? 'key' : 'header'} files in (${key === 'keys.format.class' ? WITH_BYTE_ARRAY : FORMAT_CLASSES})`);
    }
    return f;
  };
  const keyFiles = companion(c['store.kafka.keys'], 'keys.format.class');
  const headerFiles = companion(c['store.kafka.headers'], 'headers.format.class') as HeaderFileFormat | undefined;
  const storage = c['storage.class'];
  if (!/(^|\.)S3Storage$/.test(storage)) {
    problems.push(`storage.class: "${storage}" is not a storage Sluice writes to; use io.confluent.connect.s3.storage.S3Storage`);
  }
  const codec = c['avro.codec'];
  if ((format === 'avro' || keyFiles === 'avro' || headerFiles === 'avro') && (codec === 'bzip2' || codec === 'xz' || codec === 'zstandard')) {
    problems.push(`avro.codec: "${codec}" is not written by Sluice; use null, deflate or snappy`);
  }
  if (format && format !== 'parquet') {
    const name = format === 'json' ? 'JsonFormat' : format === 'avro' ? 'AvroFormat' : 'ByteArrayFormat';
    for (const k of ['store.kafka.key.column', 'store.kafka.headers.column', 'store.kafka.metadata'] as const) {
      // Sluice's own Kafka columns exist only in Parquet (store.kafka.keys/headers write Confluent's key and header files in every format).
      if (c[k]) problems.push(`${k}: Sluice adds Kafka key, header and metadata columns only to Parquet files; not with ${name} (store.kafka.keys / store.kafka.headers write key and header files)`);
    }
  }
  if (c['behavior.on.null.values'] === 'write' && !c['store.kafka.keys']) {
    // As Confluent's sink: a tombstone has no value file, only its key's.
    problems.push('behavior.on.null.values: "write" writes tombstones into key files only: it needs store.kafka.keys=true');
  }
  const tombstonePath = c['tombstone.encoded.partition'] ?? 'tombstone';
  if (c['behavior.on.null.values'] === 'write' && (tombstonePath === '' || tombstonePath.includes('\u0000'))) {
    problems.push('tombstone.encoded.partition: must be a non-empty path');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    format: format!,
    // As Confluent's JsonFormat and ByteArrayFormat (S3OutputStream.wrapForCompression); Avro and Parquet compress inside the file.
    gzip: (format === 'json' || format === 'bytearray') && c['s3.compression.type'] === 'gzip',
    gzipLevel: c['s3.compression.level'],
    avroCodec: codec as AvroCodec,
    decimalFormat: c['json.decimal.format'],
    ...(keyFiles ? { keyFiles } : {}),
    ...(keyFiles === 'bytearray' || format === 'bytearray' ? { byteArray: { separator: c['format.bytearray.separator'] ?? '\n', extension: c['format.bytearray.extension'] ?? '.bin' } } : {}),
    ...(headerFiles ? { headerFiles } : {}),
    ...(c['behavior.on.null.values'] === 'write' ? { tombstonePath } : {}),
  };
}

/** Parquet's CompressionCodecName.getExtension(), which Confluent's ParquetFormat puts before ".parquet". */
// parquet-mr's CompressionCodecName extensions, which Confluent's ParquetFormat puts before .parquet.
const PARQUET_CODEC_EXTENSION: Record<string, string> = { snappy: '.snappy', gzip: '.gz', zstd: '.zstd', brotli: '.br', lz4: '.lz4hadoop', lz4_raw: '.lz4raw', none: '', uncompressed: '' };

/** The object name's extension, as Confluent's record writer providers name it (Parquet: with its codec, as .snappy.parquet). */
export function extensionOf(s: Pick<FormatSettings, 'format' | 'gzip' | 'byteArray'>, parquetCodec = 'snappy'): string {
  switch (s.format) {
    // ByteArrayRecordWriterProvider: format.bytearray.extension, then the compression's (.gz).
    case 'bytearray': return `${s.byteArray?.extension ?? '.bin'}${s.gzip ? '.gz' : ''}`;
    case 'parquet': return `${PARQUET_CODEC_EXTENSION[parquetCodec.toLowerCase()] ?? ''}.parquet`;
    case 'json': return s.gzip ? '.json.gz' : '.json';
    case 'avro': return '.avro';
  }
}

/** A key or header file's extension after .keys / .headers: its own format's, as Confluent's record writer providers name them. */
export function companionExtension(s: Pick<FormatSettings, 'byteArray'>, format: KeyFileFormat, gzip: boolean, parquetCodec: string): string {
  return extensionOf({ format, gzip: (format === 'json' || format === 'bytearray') && gzip, ...(s.byteArray ? { byteArray: s.byteArray } : {}) }, parquetCodec);
}

// ---------- S3 request settings ----------

export interface RequestConfig {
  's3.ssea.name': '' | 'aes256' | 'aws:kms' | 'aws:kms:dsse';
  's3.sse.customer.key'?: string;
  's3.sse.kms.key.id'?: string;
  's3.acl.canned'?: string;
}

/** Headers every PUT (and, for SSE-C, every GET and HEAD) of Sluice's objects carries. */
export interface WriteParams {
  ServerSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  SSEKMSKeyId?: string;
  SSECustomerAlgorithm?: 'AES256';
  SSECustomerKey?: string;
  ACL?: string;
}

/** As Confluent's S3OutputStream: AES256 + customer key is SSE-C, AES256 alone SSE-S3, aws:kms with a key id SSE-KMS. */
export function writeParams(c: RequestConfig): WriteParams {
  const problems: string[] = [];
  const out: WriteParams = {};
  const ssea = c['s3.ssea.name'];
  const customer = c['s3.sse.customer.key'];
  const kms = c['s3.sse.kms.key.id'];
  if (ssea === 'aes256') {
    if (customer) {
      const raw = Buffer.from(customer, 'base64');
      // Never quote the key: it is a secret.
      if (raw.length !== 32 || raw.toString('base64') !== customer.replace(/\s+/g, '')) problems.push('s3.sse.customer.key: must be the base64 text of a 256-bit (32-byte) key');
      out.SSECustomerAlgorithm = 'AES256';
      out.SSECustomerKey = customer;
    } else out.ServerSideEncryption = 'AES256';
  } else if (ssea === 'aws:kms' || ssea === 'aws:kms:dsse') {
    // Without a key id S3 uses the AWS managed key (Confluent's sink then sends no SSE header at all and leaves it to the bucket default).
    out.ServerSideEncryption = ssea;
    if (kms) out.SSEKMSKeyId = kms;
  }
  if (customer && ssea !== 'aes256') problems.push('s3.sse.customer.key: needs s3.ssea.name=AES256 (SSE-C)');
  if (kms && ssea !== 'aws:kms' && ssea !== 'aws:kms:dsse') problems.push('s3.sse.kms.key.id: needs s3.ssea.name=aws:kms (or aws:kms:dsse)');
  if (c['s3.acl.canned']) out.ACL = c['s3.acl.canned'];
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** The SSE-C headers a GET or HEAD of an SSE-C object needs (S3 refuses it without them). */
export function readParams(p: WriteParams): Pick<WriteParams, 'SSECustomerAlgorithm' | 'SSECustomerKey'> {
  return p.SSECustomerKey ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: p.SSECustomerKey } : {};
}

/** s3.object.tagging: Confluent's tags (startOffset, endOffset, recordCount) plus the configured pairs, as the x-amz-tagging query text. */
export function objectTags(extra: readonly string[] | undefined, start: number, end: number, count: number): string {
  const tags: [string, string][] = [['startOffset', String(start)], ['endOffset', String(end)], ['recordCount', String(count)]];
  for (const kv of extra ?? []) {
    const at = kv.indexOf(':');
    tags.push([kv.slice(0, at).trim(), kv.slice(at + 1).trim()]);
  }
  return tags.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

export function checkTagPairs(extra: readonly string[] | undefined): void {
  const bad = (extra ?? []).filter((kv) => kv.indexOf(':') <= 0);
  if (bad.length > 0) throw new ConfigError([`s3.object.tagging.key.value.pairs: "${bad[0]}" is not key:value`]);
}

// ---------- credentials ----------

export type CredentialSource =
  | { kind: 'static' }
  | { kind: 'default' }
  | { kind: 'env' }
  | { kind: 'profile' }
  | { kind: 'instance' }
  | { kind: 'container' }
  | { kind: 'web-identity' }
  | AssumeRoleSource;

const PROVIDERS: Record<string, CredentialSource['kind']> = {
  DefaultAWSCredentialsProviderChain: 'default',
  DefaultCredentialsProvider: 'default',
  EnvironmentVariableCredentialsProvider: 'env',
  ProfileCredentialsProvider: 'profile',
  InstanceProfileCredentialsProvider: 'instance',
  ContainerCredentialsProvider: 'container',
  EC2ContainerCredentialsProviderWrapper: 'container',
  WebIdentityTokenCredentialsProvider: 'web-identity',
  WebIdentityTokenFileCredentialsProvider: 'web-identity',
};

/**
 * s3.credentials.provider.class → the AWS SDK for JavaScript's equivalent.
 * Access keys in the config win (as in Confluent's sink); a class Sluice has no
 * equivalent for is a config error naming the key.
 */
export function credentialSource(providerClass: string | undefined, hasKeys: boolean, sts: AssumeRoleKeys = {}): CredentialSource {
  // Here the keys are the source credentials of AssumeRole, as in Confluent's provider.
  if (providerClass === ASSUME_ROLE_CLASS) return assumeRoleSource(sts);
  if (hasKeys) return { kind: 'static' };
  if (!providerClass) return { kind: 'default' };
  const short = providerClass.slice(providerClass.lastIndexOf('.') + 1);
  const kind = PROVIDERS[short];
  if (kind && /^(com\.amazonaws\.auth\.(profile\.)?|software\.amazon\.awssdk\.auth\.credentials\.|)[A-Za-z0-9]+$/.test(providerClass)) return { kind } as CredentialSource;
  throw new ConfigError([
    `s3.credentials.provider.class: "${providerClass}" has no equivalent in Sluice; use one of ${Object.keys(PROVIDERS).join(', ')} ` +
      `(com.amazonaws.auth.* or software.amazon.awssdk.auth.credentials.*), ${ASSUME_ROLE_CLASS} (with sts.role.arn), ` +
      'or aws.access.key.id / aws.secret.access.key',
  ]);
}
