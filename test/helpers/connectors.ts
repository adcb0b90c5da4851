// Connector JSON for the PostgreSQL sink on the local stack, shared by the
// integration tests (override or add keys with \`extra\`).
import { KAFKA, PG_URL } from './stack.js';

export const PG_JDBC = `jdbc:${PG_URL.replace('postgresql://postgres@', 'postgresql://')}`;

export function pgConnector(topic: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
    topics: topic,
    'bootstrap.servers': KAFKA,
    'connection.url': PG_JDBC,
    'connection.user': 'postgres',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'true',
    'batch.linger.ms': '50',
    ...extra,
  };
}
