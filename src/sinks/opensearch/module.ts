// The Elasticsearch / OpenSearch sink's registry record (common/module.ts).
import type { SinkChecks } from '../../config/sink-spec.js';
import type { SinkModule } from '../common/module.js';
import { opensearchOptions } from './config.js';

export const opensearchSink: SinkModule = {
  kind: 'opensearch',
  title: 'Elasticsearch / OpenSearch sink',
  shortTitle: 'Elasticsearch / OpenSearch',
  connectorClasses: ['sluice.opensearch', 'sluice.elasticsearch', 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector', 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector'],
  matchesClass: (c) => c.includes('elasticsearchsink') || c.includes('opensearchsink'),
  classesDoc: 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector, an OpenSearch sink class, sluice.opensearch',
  options: opensearchOptions,
  check: checkOpenSearch,
  // topic.key.ignore may leave keys in use for the other topics.
  usesKeys: (get) => get('key.ignore') !== true,
  createSink: async (config, log) => new (await import('./sink.js')).OpenSearchSink(config, log.child({ sink: 'opensearch' })),
  createEncoder: async () => new (await import('./encoding.js')).OpenSearchEncoder(),
};

function checkOpenSearch(c: SinkChecks): void {
  // Confluent's sink reads a URL without a scheme (es01:9200) as http (its
  // client's HttpHost.create); Aiven's refuses one, and so does Sluice there.
  const urls = (c.get('connection.url') as string[] | undefined) ?? [];
  const hostPort = (u: string) => !SCHEME.test(u) && /^[^\s/?#]+(\/\S*)?$/.test(u);
  if (/^(io\.confluent\.|sluice\.)/i.test(String(c.get('connector.class'))) && urls.some(hostPort)) {
    c.set('connection.url', urls.map((u) => (hostPort(u) ? `http://${u}` : u)));
  }
  for (const u of (c.get('connection.url') as string[] | undefined) ?? []) {
    // user:password in connection.url (as the Elasticsearch clients take it) is a secret too.
    const pass = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/i.exec(u)?.[1];
    if (pass) {
      c.secret(pass);
      c.secret(decodeURIComponentSafe(pass));
    }
    if (!/^https?:\/\/[^\s/]+/i.test(u)) c.problem(`connection.url: "${u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1')}" is not an http:// or https:// URL`);
  }
  // Ignored as today's connectors ignore it, but the config's author meant other index names: say where the documents go.
  const mapped = ((c.get('topic.index.map') as string[] | undefined) ?? []).filter((pair) => {
    const [topic, index] = pair.split(':');
    return index !== undefined && index !== topic?.toLowerCase();
  });
  if (mapped.length > 0) {
    c.warning(`topic.index.map: ${mapped.join(', ')} not applied: each topic is written to the index named after it (in lower case), as Confluent's sink since 11.0 and Aiven's since 3.0 do; to write to ${mapped.map((p) => p.split(':')[1]).join(', ')} rename the topic with a RegexRouter transform`);
  }
  if (c.get('data.stream.type') !== 'none') {
    if (!c.get('data.stream.dataset')) c.problem('data.stream.type: needs data.stream.dataset (data streams are named <type>-<dataset>-<topic>)');
    if (c.get('write.method') === 'upsert') c.problem('write.method: upsert cannot write to data streams (they take create operations only); use insert with data.stream.type');
  }
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
