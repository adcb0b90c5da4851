// Kafka Connect keys that real connector configs carry, whatever the sink, and
// that are not options of Sluice's own (a sink's own such keys are declared in
// its config.ts): each is declared here once, as acted on (elsewhere), accepted
// with a one-line notice (`ignored`) or refused with the reason (`refused`).
// The declaration drives `sluice check`, the notices and the docs table.
import { oneOf, str, type KeyFamily, type OptionSpec } from './options.js';
import { apicurioOptions } from './apicurio.js';

/** Schema Registry settings of a converter, in every spelling Confluent's serde configs accept. */
function registryOptions(role: 'key' | 'value'): OptionSpec<any>[] {
  const p = `${role}.converter`;
  return [
    oneOf(['URL', 'USER_INFO', 'SASL_INHERIT'] as const, {
      key: `${p}.basic.auth.credentials.source`, aliases: [`${p}.schema.registry.basic.auth.credentials.source`],
      doc: `Where the ${role} converter's Schema Registry credentials come from: USER_INFO (${p}.basic.auth.user.info), URL (user:password@ in the registry URL) or SASL_INHERIT (the Kafka consumer's SASL/PLAIN username and password). Default: USER_INFO when user info is set, else URL.`,
    }),
    ...(role === 'key'
      ? [str({ key: `${p}.basic.auth.user.info`, aliases: [`${p}.schema.registry.basic.auth.user.info`], secret: true, doc: 'user:password for the Schema Registry of Avro keys (default: the value converter\'s).' })]
      : []),
    str({ key: `${p}.bearer.auth.token`, secret: true, doc: `Bearer token for the ${role} converter's Schema Registry (with bearer.auth.credentials.source=STATIC_TOKEN).` }),
    oneOf(['STATIC_TOKEN'] as const, { key: `${p}.bearer.auth.credentials.source`, doc: 'Only a static token is supported; OAuth token endpoints are refused by name.' }),
    str({ key: `${p}.schema.registry.ssl.truststore.location`, doc: `CA certificates the ${role} converter's Schema Registry is verified with: a PEM file or a PKCS12 truststore (with ${p}.schema.registry.ssl.truststore.password). A JKS truststore is refused, naming the command that exports its CA as PEM.` }),
    oneOf(['PEM', 'PKCS12', 'JKS'] as const, { key: `${p}.schema.registry.ssl.truststore.type`, caseInsensitive: false, doc: 'Truststore format (default: from the file\'s content); PEM and PKCS12 are read, JKS is refused.' }),
    str({ key: `${p}.schema.registry.ssl.truststore.password`, secret: true, doc: 'Password of a PKCS12 truststore.' }),
    str({ key: `${p}.schema.registry.ssl.endpoint.identification.algorithm`, doc: 'https (default) verifies the registry\'s host name; an empty value is refused (Sluice always verifies).' }),
    str({ key: `${p}.schema.registry.ssl.keystore.location`, doc: `Client certificate for the ${role} converter's Schema Registry.`, refused: 'client certificates (mutual TLS) to the Schema Registry are not supported; use basic or bearer authentication' }),
    str({ key: `${p}.key.subject.name.strategy`, doc: 'Subject naming for writes.', ignored: 'Sluice only reads: schemas are fetched by the id each record carries, whatever the subject.' }),
    role === 'value'
      ? str({ key: `${p}.value.subject.name.strategy`, doc: 'The subject a value schema\'s version is looked up under, as the converter does: TopicNameStrategy (default, <topic>-value), RecordNameStrategy (the record\'s full name) or TopicRecordNameStrategy (<topic>-<record name>), as Confluent class names (io.confluent.kafka.serializers.subject.*) or simple names. Only the S3 sink\'s schema.compatibility BACKWARD/FORWARD/FULL needs versions; schemas themselves are fetched by the id each record carries.' })
      : str({ key: `${p}.value.subject.name.strategy`, doc: 'Subject naming for writes.', ignored: 'Sluice only reads: schemas are fetched by the id each record carries, whatever the subject.' }),
  ];
}

/** Converter settings that only matter when a converter writes (serializes), or tune the Java client. */
const WRITE_ONLY_CONVERTER_SETTINGS = [
  'auto.register.schemas', 'use.latest.version', 'latest.compatibility.strict', 'use.schema.id', 'id.compatibility.strict',
  'normalize.schemas', 'schema.reflection', 'avro.reflection.allow.null', 'avro.remove.java.properties', 'avro.use.logical.type.converters',
  'specific.avro.reader', 'scrub.invalid.names', 'enhanced.avro.schema.support', 'connect.meta.data', 'ignore.default.for.nullables',
  'schemas.cache.size', 'schemas.cache.config', 'max.schemas.per.subject', 'latest.cache.size', 'latest.cache.ttl.sec', 'decimal.format',
  'context.name.strategy', 'auto.register.schemas.on.schema.change', 'generalized.sum.type.support', 'discard.type.doc.default',
  'schema.registry.ssl.keystore.type', 'schema.registry.ssl.key.password', 'schema.registry.ssl.protocol', 'schema.registry.ssl.enabled.protocols',
] as const;

function converterNotices(role: 'key' | 'value'): OptionSpec<any>[] {
  return WRITE_ONLY_CONVERTER_SETTINGS.map((s) =>
    str({ key: `${role}.converter.${s}`, doc: `${role === 'key' ? 'Key' : 'Value'} converter setting.`, ignored: 'it only changes how a converter writes (or tunes the Java client); reading the same bytes is the same without it.' }));
}

export const connectKeyOptions = [
  // Every connector.
  str({ key: 'header.converter', doc: 'Kafka Connect converter for record headers.', ignored: 'Sluice keeps header bytes as they are (S3 header files as their UTF-8 text, dead letters); no header is converted.' }),
  ...registryOptions('key'),
  ...registryOptions('value'),
  ...converterNotices('key'),
  ...converterNotices('value'),
  ...apicurioOptions('key'),
  ...apicurioOptions('value'),
  str({ key: 'schema.registry.url', doc: 'Schema Registry URL for both converters when neither *.converter.schema.registry.url is set (some connectors take it at the top level).' }),
  oneOf(['URL', 'USER_INFO', 'SASL_INHERIT'] as const, { key: 'schema.registry.basic.auth.credentials.source', aliases: ['basic.auth.credentials.source'], doc: 'Top-level spelling of the converters\' basic.auth.credentials.source.' }),
  str({ key: 'schema.registry.basic.auth.user.info', aliases: ['basic.auth.user.info'], secret: true, doc: 'Top-level spelling of the converters\' basic.auth.user.info.' }),
  // Serializer settings found at the top level of real configs: Kafka Connect hands a converter only the keys under its prefix.
  ...(['auto.register.schemas', 'use.latest.version', 'latest.compatibility.strict', 'normalize.schemas', 'use.schema.id', 'schemas.enable'] as const).map((k) =>
    str({ key: k, doc: 'A converter setting given at the top level.', ignored: `Kafka Connect passes it to no converter at the top level (key.converter.${k} / value.converter.${k} would reach one).` })),
  // Consumer settings given at the top level of real connector configs: Kafka Connect hands its
  // sink consumers only consumer.override.* (and the worker's consumer.*).
  ...(['auto.offset.reset', 'max.poll.records', 'max.poll.interval.ms', 'enable.auto.commit', 'isolation.level', 'fetch.min.bytes'] as const).map((k) =>
    str({ key: k, doc: 'A Kafka consumer setting given at the top level of a connector config.', ignored: `Kafka Connect passes it to no consumer there (consumer.override.${k} in the connector, or consumer.${k} in the worker file, would reach the sink consumer).` })),
  str({ key: 'config.action.reload', doc: 'Kafka Connect restarts a connector when a config provider\'s value changes.', ignored: 'Sluice resolves config providers once at start; restart it to pick up new secrets.' }),
  str({ key: 'consumer.override.group.id', doc: 'The sink consumer group.', refused: 'set group.id instead (the consumer group is connect-<name> by default)' }),
] as const satisfies readonly OptionSpec<any>[];

/** Families of keys matched by prefix, after the declared keys. */
export const connectKeyFamilies: readonly KeyFamily[] = [
  { prefix: 'kafka.', category: 'acted', where: 'connector', doc: 'librdkafka consumer property, passed through as it is.' },
  { prefix: 'consumer.override.', category: 'acted', where: 'connector', doc: 'Kafka Connect per-connector consumer property; Java client names are translated to librdkafka\'s (security settings as the security translation does).' },
  { prefix: 'consumer.', category: 'acted', where: 'worker', doc: 'Worker-wide consumer property of the sink tasks; translated as consumer.override.*, which wins over it.' },
  { prefix: 'config.providers', category: 'acted', where: 'both', doc: 'Config providers: FileConfigProvider (${file:path:key}), DirectoryConfigProvider (${dir:path:file}), EnvVarConfigProvider (${env:VAR}) under any alias, with their allowed.paths / allowlist.pattern params. Other provider classes are refused.' },
  { prefix: 'consumer.', category: 'notice', where: 'connector', doc: 'Kafka Connect reads consumer.* from the worker file only and ignores it in a connector config, as Sluice does there; consumer.override.* sets a consumer property per connector.' },
  { prefix: 'key.serializer', category: 'notice', where: 'connector', doc: 'A Kafka producer client setting; a sink connector has no serializer (Kafka Connect ignores it; key.converter decodes keys).' },
  { prefix: 'value.serializer', category: 'notice', where: 'connector', doc: 'A Kafka producer client setting; a sink connector has no serializer (Kafka Connect ignores it; value.converter decodes values).' },
  { prefix: 'key.deserializer', category: 'notice', where: 'connector', doc: 'A Kafka consumer client setting that Kafka Connect fixes to bytes for sink consumers; key.converter decodes keys.' },
  { prefix: 'value.deserializer', category: 'notice', where: 'connector', doc: 'A Kafka consumer client setting that Kafka Connect fixes to bytes for sink consumers; value.converter decodes values.' },
  { prefix: 'header.converter.', category: 'notice', where: 'both', doc: 'Settings of header.converter, which has no effect here.' },
  { prefix: 'hibernate.', category: 'notice', where: 'connector', doc: 'Hibernate settings of the Debezium JDBC sink; Sluice talks to PostgreSQL without Hibernate.' },
  { prefix: 'producer.', category: 'notice', where: 'both', doc: 'Kafka Connect\'s producer (source connectors and the dead-letter queue); the dead-letter producer takes the consumer\'s connection settings.' },
  { prefix: 'producer.override.', category: 'notice', where: 'connector', doc: 'as producer.*.' },
  { prefix: 'admin.', category: 'notice', where: 'both', doc: 'Kafka Connect\'s admin client.' },
  { prefix: 'admin.override.', category: 'notice', where: 'connector', doc: 'as admin.*.' },
  { prefix: 'rest.', category: 'notice', where: 'worker', doc: 'Kafka Connect\'s REST API; Sluice serves status and metrics on status.port.' },
  { prefix: 'listeners', category: 'notice', where: 'worker', doc: 'Kafka Connect\'s REST listeners.' },
  { prefix: 'offset.storage.', category: 'notice', where: 'worker', doc: 'Source-connector offsets; a sink\'s offsets are the consumer group\'s.' },
  { prefix: 'config.storage.', category: 'notice', where: 'worker', doc: 'Kafka Connect\'s config topic.' },
  { prefix: 'status.storage.', category: 'notice', where: 'worker', doc: 'Kafka Connect\'s status topic.' },
  { prefix: 'internal.', category: 'notice', where: 'worker', doc: 'Internal converters of old Kafka Connect versions.' },
  { prefix: 'metrics.', category: 'notice', where: 'worker', doc: 'JMX metrics; Sluice serves Prometheus metrics on status.port.' },
  { prefix: 'ssl.', category: 'notice', where: 'worker', doc: 'TLS of the worker\'s own connections (group membership, internal topics): Kafka Connect gives sink consumers only consumer.* settings, so set consumer.ssl.* as well, as for Connect.' },
  { prefix: 'sasl.', category: 'notice', where: 'worker', doc: 'SASL of the worker\'s own connections; sink consumers take consumer.sasl.*, as in Kafka Connect.' },
];

/** Worker properties that mean something to Kafka Connect's worker and nothing to Sluice: accepted with a notice. */
export const WORKER_ONLY_KEYS: Readonly<Record<string, string>> = {
  'group.id': 'the Connect cluster\'s group; the sink consumer group is connect-<name> (or group.id in the connector JSON)',
  'offset.flush.interval.ms': 'Sluice commits offsets right after each durable write (its own offset.flush.interval.ms is a connector setting)',
  'offset.flush.timeout.ms': 'Sluice commits offsets right after each durable write',
  'plugin.path': 'Sluice has no plugins', 'plugin.discovery': 'Sluice has no plugins',
  'security.protocol': 'the worker\'s own connections; sink consumers take consumer.security.protocol, as in Kafka Connect',
  'client.id': 'Sluice names its consumer sluice-<name>-<host>-<pid>', 'client.dns.lookup': 'librdkafka resolves as it does',
  'session.timeout.ms': 'worker group membership; the sink consumer takes consumer.session.timeout.ms',
  'heartbeat.interval.ms': 'worker group membership; the sink consumer takes consumer.heartbeat.interval.ms',
  'rebalance.timeout.ms': 'worker group membership', 'scheduled.rebalance.max.delay.ms': 'worker group membership',
  'connect.protocol': 'worker group membership', 'worker.sync.timeout.ms': 'worker group membership', 'worker.unsync.backoff.ms': 'worker group membership',
  'task.shutdown.graceful.timeout.ms': 'the drain time on SIGTERM is shutdown.grace.ms',
  'connector.client.config.override.policy': 'every consumer.override.* key is honoured',
  'topic.creation.enable': 'source connectors only', 'topic.tracking.enable': 'Sluice reports topics in its status', 'topic.tracking.allow.reset': 'Sluice reports topics in its status',
  'exactly.once.source.support': 'source connectors only', 'inter.worker.key.generation.algorithm': 'worker REST security', 'inter.worker.key.size': 'worker REST security',
  'inter.worker.key.ttl.ms': 'worker REST security', 'inter.worker.signature.algorithm': 'worker REST security', 'inter.worker.verification.algorithms': 'worker REST security',
  'access.control.allow.origin': 'the REST API', 'access.control.allow.methods': 'the REST API', 'admin.listeners': 'the REST API', 'response.http.headers.config': 'the REST API',
  'metric.reporters': 'Sluice serves Prometheus metrics on status.port', 'auto.include.jmx.reporter': 'Sluice serves Prometheus metrics on status.port',
  'task.assignor.class': 'worker task assignment', 'config.storage.topic': 'Kafka Connect\'s config topic', 'status.storage.topic': 'Kafka Connect\'s status topic',
  'offset.storage.topic': 'source-connector offsets', 'offset.storage.file.filename': 'source-connector offsets',
  'receive.buffer.bytes': 'the worker\'s own connections; the sink consumer takes consumer.receive.buffer.bytes',
  'send.buffer.bytes': 'the worker\'s own connections', 'request.timeout.ms': 'the worker\'s own connections', 'retry.backoff.ms': 'the worker\'s own connections',
  'reconnect.backoff.ms': 'the worker\'s own connections', 'reconnect.backoff.max.ms': 'the worker\'s own connections', 'metadata.max.age.ms': 'the worker\'s own connections',
  'connections.max.idle.ms': 'the worker\'s own connections', 'socket.connection.setup.timeout.ms': 'the worker\'s own connections',
  'socket.connection.setup.timeout.max.ms': 'the worker\'s own connections',
};
