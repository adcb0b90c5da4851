// Kafka's Java consumer properties (consumer.* in a worker file,
// consumer.override.* in a connector) as librdkafka properties. Most names are
// the same in both; these are the ones that differ, mean nothing to
// librdkafka, or that Sluice owns. Security settings (security.protocol,
// ssl.*, sasl.*) pass through unchanged here, for the security translation.

export type ConsumerProperty =
  | { kind: 'set'; name: string; value: string }
  | { kind: 'notice'; reason: string }
  | { kind: 'refused'; reason: string };

const RENAMED: Readonly<Record<string, string>> = {
  'receive.buffer.bytes': 'socket.receive.buffer.bytes',
  'send.buffer.bytes': 'socket.send.buffer.bytes',
  'request.timeout.ms': 'socket.timeout.ms',
};

/** Java-only settings, with why they do not carry over. */
const NOTICES: Readonly<Record<string, string>> = {
  'max.poll.records': 'librdkafka has no such limit; batches are sized by batch.max.records',
  'key.deserializer': 'Sluice reads raw bytes and decodes them with key.converter',
  'value.deserializer': 'Sluice reads raw bytes and decodes them with value.converter',
  'interceptor.classes': 'Java interceptors cannot run in Sluice',
  'metric.reporters': 'Sluice serves Prometheus metrics on status.port',
  'metrics.num.samples': 'Java client metrics', 'metrics.sample.window.ms': 'Java client metrics', 'metrics.recording.level': 'Java client metrics',
  'auto.include.jmx.reporter': 'Java client metrics',
  'exclude.internal.topics': 'librdkafka never matches internal topics with a regex subscription',
  'allow.auto.create.topics': 'Sluice does not create the topics it reads',
  'security.providers': 'Java security providers',
  'default.api.timeout.ms': 'librdkafka has no client-wide API timeout; socket.timeout.ms bounds each request',
  'socket.connection.setup.timeout.max.ms': 'librdkafka has one setup timeout, socket.connection.setup.timeout.ms',
};

/** Settings Sluice decides itself: setting them would break its commit or group logic. */
const OWNED: Readonly<Record<string, string>> = {
  'enable.auto.commit': 'Sluice commits offsets itself, only after each write is durable',
  'auto.commit.interval.ms': 'Sluice commits offsets itself, only after each write is durable',
  'group.id': 'set group.id in the connector JSON (default connect-<name>)',
  'bootstrap.servers': 'set bootstrap.servers (connector JSON, worker file or SLUICE_BOOTSTRAP_SERVERS)',
};

const ASSIGNORS: Readonly<Record<string, string>> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
  range: 'range', roundrobin: 'roundrobin', 'cooperative-sticky': 'cooperative-sticky',
};

/** `name`: the property without its consumer. / consumer.override. prefix. */
export function translateConsumerProperty(name: string, value: string): ConsumerProperty {
  if (OWNED[name]) return { kind: 'refused', reason: OWNED[name]! };
  if (NOTICES[name]) return { kind: 'notice', reason: NOTICES[name]! };
  if (name === 'partition.assignment.strategy') {
    const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
    const mapped = parts.map((p) => ASSIGNORS[p]);
    const unknown = parts.filter((_, i) => mapped[i] === undefined);
    // StickyAssignor has no librdkafka twin; cooperative-sticky is its incremental successor and
    // cannot be mixed with eager assignors in one list.
    if (unknown.length > 0) return { kind: 'refused', reason: `${unknown.join(', ')} has no librdkafka assignor (range, roundrobin, cooperative-sticky)` };
    return { kind: 'set', name, value: [...new Set(mapped)].join(',') };
  }
  if (name === 'isolation.level' || name === 'auto.offset.reset') {
    const v = value.trim().toLowerCase();
    if (name === 'auto.offset.reset' && !['earliest', 'latest', 'none', 'error', 'smallest', 'largest', 'beginning', 'end'].includes(v)) {
      return { kind: 'refused', reason: `"${value}" is not earliest, latest or none` };
    }
    // The Java client's none (fail when there is no committed offset) is librdkafka's error.
    return { kind: 'set', name, value: name === 'auto.offset.reset' && v === 'none' ? 'error' : v };
  }
  return { kind: 'set', name: RENAMED[name] ?? name, value };
}
