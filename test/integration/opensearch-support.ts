// The OpenSearch sink's connector JSON for tests, against the stack's OpenSearch (or another node).
import { KAFKA } from '../helpers/stack.js';
import { OPENSEARCH } from '../helpers/opensearch.js';

export { allDocs, docCount, ELASTICSEARCH, os, searchService, OPENSEARCH } from '../helpers/opensearch.js';

export function opensearchConnector(topic: string, extra: Record<string, unknown> = {}, url = OPENSEARCH): Record<string, unknown> {
  return {
    'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    'bootstrap.servers': KAFKA,
    topics: topic,
    'connection.url': url,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    ...extra,
  };
}
