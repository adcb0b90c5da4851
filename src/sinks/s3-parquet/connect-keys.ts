// Keys of Confluent's S3 sink (S3SinkConnectorConfig, StorageCommonConfig,
// StorageSinkConnectorConfig) that real configs carry and that Sluice acts on
// (s3.wan.mode, the S3 proxy), honours at their only value here, or accepts
// with a notice. Declared once:
// `sluice check`, the notices, the docs and the README key table come from here.
import { z } from 'zod';
import { bool, int, type OptionSpec } from '../../config/options.js';

const trimmed = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim());

interface OnlyOpts { doc: string; why: string; notice?: string; caseInsensitive?: boolean }

/**
 * A key whose other values would change what Confluent's sink writes and
 * that Sluice writes only one way: that value is accepted (with a notice when
 * `notice` is given), any other is an error naming the key and saying why.
 */
function only<const K extends string>(key: K, value: string, o: OnlyOpts): OptionSpec<string> & { key: K; default: string } {
  const norm = (v: string) => (o.caseInsensitive ? v.toLowerCase() : v);
  return {
    key, doc: o.doc, default: value,
    schema: trimmed.pipe(z.string().refine((v) => norm(v) === norm(value))).transform(() => value),
    expects: `${JSON.stringify(value)} (${o.why})`,
    ...(o.notice ? { ignored: o.notice } : {}),
  };
}

/** A string key whose blank value (Confluent's default) means unset, trimmed as Kafka's ConfigDef trims. */
function blankIsUnset<const K extends string>(key: K, o: { doc: string; secret?: boolean }): OptionSpec<string | undefined> & { key: K } {
  return {
    key, doc: o.doc, ...(o.secret ? { secret: true } : {}),
    schema: trimmed.transform((v) => (v === '' ? undefined : v)),
    expects: 'a string (empty: unset)',
  };
}

export const s3ConnectKeyOptions = [
  int({ key: 'retry.backoff.ms', min: 0, doc: 'Confluent\'s S3 sink: how long Kafka Connect waits before redelivering a batch after a retriable failure (default 5000).', ignored: 'Sluice retries the failed S3 request itself, s3.part.retries times from s3.retry.backoff.ms, then for errors.retry.timeout; no batch is redelivered.' }),
  int({ key: 'schema.cache.size', min: 1, doc: 'Size of AvroData\'s Connect↔Avro schema cache (default 1000).', ignored: 'Sluice keeps one schema per open file and the registry\'s schemas by id; there is no cache to size.' }),
  only('enhanced.avro.schema.support', 'true', {
    caseInsensitive: true,
    doc: 'AvroData: keep Avro enum symbols and record names and namespaces (the S3 sink\'s default, true).',
    why: 'Sluice writes an Avro-decoded record with its own writer schema, enums and names as they are; false would rename them as Confluent\'s AvroData does, which Sluice does not',
    notice: 'Sluice always keeps enums and names of Avro schemas, as with true (false is refused).',
  }),
  only('connect.meta.data', 'true', {
    caseInsensitive: true,
    doc: 'AvroData: keep Connect\'s schema properties (connect.name, connect.version, connect.parameters) in the schemas written (default true).',
    why: 'Sluice\'s Avro and Parquet files always carry the Connect schema properties, as with true; false would drop them',
    notice: 'Sluice always writes the Connect schema properties, as with true (false is refused).',
  }),
  only('directory.delim', '/', {
    doc: 'Delimiter between the parts of an object\'s path (default "/").',
    why: 'the only delimiter Sluice writes object paths with; exactly-once recovery reads them back with it',
  }),
  only('file.delim', '+', {
    doc: 'Delimiter between topic, partition and start offset in an object\'s name (default "+").',
    why: 'the only delimiter Sluice writes object names with; exactly-once recovery reads them back with it',
  }),
  only('s3.schema.partition.affix.type', 'NONE', {
    caseInsensitive: true,
    doc: 'Confluent\'s S3 sink: add the schema name to the object path as a prefix or suffix (default NONE).',
    why: 'PREFIX and SUFFIX are not supported: Sluice writes object paths without the schema name',
  }),
  bool({ key: 's3.http.send.expect.continue', doc: 'Send Expect: 100-continue with uploads (default true).', ignored: 'the AWS SDK for JavaScript decides Expect: 100-continue itself (bodies over 1 MB); what lands is the same.' }),
  bool({ key: 's3.elastic.buffer.enable', doc: 'Grow the upload buffer of each file elastically (default false).', ignored: 'Sluice sizes its buffers with file.max.bytes, s3.part.size and inflight.max.bytes.' }),
  int({ key: 's3.elastic.buffer.init.capacity', min: 4096, doc: 'Initial capacity of the elastic buffer (default 128 KiB).', ignored: 'see s3.elastic.buffer.enable.' }),
  bool({ key: 's3.wan.mode', default: false, doc: 'Use S3 Transfer Acceleration (the bucket\'s s3-accelerate endpoint), as Confluent\'s sink does with true. Not with store.url.' }),
  blankIsUnset('s3.proxy.url', { doc: 'HTTP proxy every S3 request goes through, as in Confluent\'s sink: http://host:port or https://host:port (TLS to the proxy; port default 80 / 443); path ignored. An https store (AWS) is reached through a CONNECT tunnel, an http store.url by forwarded requests. user:password@ in the URL is used when s3.proxy.user / s3.proxy.password are empty, as written (not percent-decoded). STS (AwsAssumeRoleCredentialsProvider) is not proxied, as in Confluent. Default: no proxy.' }),
  blankIsUnset('s3.proxy.user', { doc: 'User of the S3 proxy\'s basic authentication (sent with a password only). Default: from s3.proxy.url.' }),
  blankIsUnset('s3.proxy.password', { doc: 'Password of the S3 proxy\'s basic authentication. Default: from s3.proxy.url.', secret: true }),
] as const satisfies readonly OptionSpec<any>[];
