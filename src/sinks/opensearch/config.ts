// Elasticsearch / OpenSearch sink options: the keys of Confluent's
// ElasticsearchSinkConnector (and of Aiven's OpenSearch sink, which shares
// them), with their defaults. Keys another sink declares too (connection.url,
// batch.size, max.retries, behavior.on.null.values…) mean here what they mean
// to Confluent's Elasticsearch sink.
import { z } from 'zod';
import { bool, int, list, oneOf, str, type ConfigOf, type OptionSpec } from '../../config/options.js';
import { behaviorOnMalformedDocuments, opensearchConnectKeyOptions } from './connect-keys.js';

/** A string option that Confluent configs often carry empty (its default there): empty means unset. */
function emptyOk<O extends OptionSpec<string>>(o: O): O {
  return { ...o, schema: z.union([z.string(), z.number()]).transform((v) => String(v).trim()), expects: 'a string (empty: unset)' };
}

export const opensearchOptions = [
  list({ key: 'connection.url', required: true, doc: 'Elasticsearch / OpenSearch URLs (http:// or https://; with Confluent\'s class host:port without a scheme is http, as there), comma-separated; requests go round the hosts, and a host that fails is tried again after the others.' }),
  emptyOk(str({ key: 'connection.username', doc: 'User for HTTP basic authentication.' })),
  emptyOk(str({ key: 'connection.password', secret: true, doc: 'Password for HTTP basic authentication.' })),
  bool({ key: 'key.ignore', default: false, doc: 'true: document ids are topic+partition+offset. false: the record key is the id (a string or an integer key; anything else fails the record).' }),
  list({ key: 'topic.key.ignore', default: [], doc: 'Topics for which key.ignore=true holds whatever key.ignore says.' }),
  bool({ key: 'schema.ignore', default: false, doc: 'true: no explicit mapping (the cluster maps dynamically) and values written as JsonConverter writes them. false: a new index gets the mapping derived from the record schema (as Confluent\'s sink: text with a keyword subfield for strings, date for Date/Time/Timestamp, double for decimals, nested properties for structs and maps), and decimals are written as numbers.' }),
  list({ key: 'topic.schema.ignore', default: [], doc: 'Topics for which schema.ignore=true holds whatever schema.ignore says.' }),
  bool({ key: 'compact.map.entries', default: true, doc: 'schema.ignore=false: a map with string keys is an object ("k": v); false: an array of {"key": k, "value": v}. Maps with other keys are always such arrays.' }),
  oneOf(['ignore', 'delete', 'fail'] as const, { key: 'behavior.on.null.values', default: 'fail', caseInsensitive: true, doc: 'A record with a null value (tombstone): ignore skips it, delete deletes the document whose id is the key (a tombstone without a key is skipped), fail stops naming topic, partition and offset.' }),
  behaviorOnMalformedDocuments,
  bool({ key: 'drop.invalid.message', default: false, doc: 'A record that cannot be made into a document (a key that cannot be an id, a value that does not fit its schema) is skipped with an error log instead of failing (failed records follow errors.tolerance).' }),
  oneOf(['insert', 'upsert'] as const, { key: 'write.method', aliases: ['index.write.method'], default: 'insert', caseInsensitive: true, doc: 'insert: index the document (replaces it). upsert: update with doc_as_upsert semantics (fields merge into an existing document). Not with data streams.' }),
  int({ key: 'batch.size', min: 1, max: 1_000_000, default: 2000, doc: 'Documents per _bulk request; a Sluice batch larger than this goes as several requests.' }),
  int({ key: 'bulk.size.bytes', min: 1024, default: 5 * 1024 * 1024, doc: 'Bytes per _bulk request; a request closes before it would grow past this (one document larger than it goes alone).' }),
  int({ key: 'max.in.flight.requests', min: 1, max: 1000, default: 5, doc: '_bulk requests in flight at once, across partitions (one partition\'s requests go in order).' }),
  int({ key: 'max.buffered.records', min: 1, default: 20000, doc: 'Records buffered before pausing.', ignored: 'Sluice bounds what it holds in memory with inflight.max.bytes and partition.max.bytes.' }),
  int({ key: 'linger.ms', min: 0, default: 1, doc: 'Time to wait for more records before sending a batch.', ignored: 'Sluice batches per partition with batch.linger.ms and batch.max.records.' }),
  int({ key: 'flush.timeout.ms', min: 1, default: 180_000, doc: 'The longest one _bulk request may take before it is abandoned and retried.' }),
  bool({ key: 'flush.synchronously', default: false, doc: 'Flush from the task thread.', ignored: 'Sluice always sends from its own event loop and commits only acknowledged documents.' }),
  int({ key: 'max.retries', min: 0, default: 5, doc: 'Retries of a failed _bulk request or of its documents answered 429/5xx, before errors.retry.timeout applies.' }),
  int({ key: 'retry.backoff.ms', min: 0, default: 100, doc: 'First retry delay; doubles up to errors.retry.delay.max.ms, each wait spread by ±20%.' }),
  int({ key: 'connection.timeout.ms', min: 1, default: 1000, doc: 'Time to open a connection to a host.' }),
  int({ key: 'read.timeout.ms', min: 1, default: 3000, doc: 'Time to wait for a response to start after a request is sent (a timeout is retried).' }),
  int({ key: 'max.connection.idle.time.ms', min: -1, default: 60_000, doc: 'Idle connections are closed after this long (-1: never).' }),
  bool({ key: 'connection.compression', default: false, doc: 'gzip the _bulk request bodies.' }),
  emptyOk(str({ key: 'external.version.header', doc: 'A record header whose value (a decimal integer) is the document version instead of the offset, with key.ignore=false.' })),
  oneOf(['none', 'logs', 'metrics', 'traces', 'synthetics'] as const, { key: 'data.stream.type', default: 'none', caseInsensitive: true, doc: 'Write to data streams named <type>-<dataset>-<topic> (create operations, @timestamp added) instead of indices. With OpenSearch, Sluice makes an index template for a data stream no template matches.' }),
  emptyOk(str({ key: 'data.stream.dataset', doc: 'The dataset part of data stream names (required with data.stream.type).' })),
  list({ key: 'data.stream.timestamp.field', default: [], doc: 'Value fields whose value becomes @timestamp (the first present); empty: the record timestamp.' }),
  oneOf(['plaintext', 'ssl'] as const, { key: 'elastic.security.protocol', default: 'plaintext', caseInsensitive: true, doc: 'SSL: verify https:// hosts with elastic.https.ssl.truststore.* (default: the system CAs) and present elastic.https.ssl.keystore.* as a client certificate.' }),
  emptyOk(str({ key: 'elastic.https.ssl.truststore.location', doc: 'CA certificates to trust: a PEM file or a PKCS12 truststore (JKS: convert with keytool).' })),
  emptyOk(str({ key: 'elastic.https.ssl.truststore.password', secret: true, doc: 'Password of a PKCS12 truststore.' })),
  emptyOk(str({ key: 'elastic.https.ssl.truststore.type', doc: 'JKS, PKCS12 or PEM; the file itself decides between PEM and PKCS12.' })),
  emptyOk(str({ key: 'elastic.https.ssl.keystore.location', doc: 'Client certificate and key: a PKCS12 keystore.' })),
  emptyOk(str({ key: 'elastic.https.ssl.keystore.password', secret: true, doc: 'Password of the PKCS12 keystore.' })),
  emptyOk(str({ key: 'elastic.https.ssl.key.password', secret: true, doc: 'Password of the key in the keystore (the keystore password opens it in Sluice).' })),
  emptyOk(str({ key: 'elastic.https.ssl.keystore.type', doc: 'PKCS12 (JKS: convert with keytool).' })),
  emptyOk(str({ key: 'elastic.https.ssl.endpoint.identification.algorithm', default: 'https', doc: 'https: the certificate must name the host; empty: any certificate the trusted CAs signed.' })),
  emptyOk(str({ key: 'type.name', doc: 'Elasticsearch 6 document type.', ignored: 'mapping types are gone since Elasticsearch 7 and in OpenSearch.' })),
  list({ key: 'topic.index.map', default: [], doc: 'topic:index pairs of the Elasticsearch / OpenSearch sinks of old.', ignored: 'Confluent\'s sink ignores it since 11.0 and Aiven\'s OpenSearch sink since 3.0: the index is the topic\'s name (after transforms), as in Sluice; rename with a RegexRouter transform.' }),
  oneOf(['ignore', 'warn', 'report', 'fail'] as const, { key: 'behavior.on.version.conflict', caseInsensitive: true, doc: 'Aiven\'s OpenSearch sink: what to do when the cluster refuses a document as a version conflict.', ignored: 'a version conflict means the document already holds a later offset of the same key (a replayed batch): Sluice keeps it and counts the record as written, as Confluent\'s sink does and as Aiven\'s does with ignore.' }),
  ...opensearchConnectKeyOptions,
] as const satisfies readonly OptionSpec<any>[];

export type OpenSearchConfig = ConfigOf<typeof opensearchOptions>;
