// quote.sql.identifiers=NEVER with dotted names, as Confluent's JDBC sink
// reads them: ${topic} substituted first, then the name split at its dots
// (IdentifierRules.parseQualifiedIdentifier) into [database.][schema.]table,
// the table lower-cased (PostgreSqlDatabaseDialect) and the rest folded as
// PostgreSQL folds unquoted names.
import { describe, expect, it } from 'vitest';
import { qualifiedParts, unquotedTableName } from '../../src/sinks/postgres/unquoted-table.js';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';

describe('IdentifierRules.parseQualifiedIdentifier', () => {
  it('splits at dots; a part starting with a double quote runs to the next one', () => {
    expect(qualifiedParts('orders')).toEqual(['orders']);
    expect(qualifiedParts('app.orders')).toEqual(['app', 'orders']);
    expect(qualifiedParts('db.app.orders')).toEqual(['db', 'app', 'orders']);
    expect(qualifiedParts('"a.b".c')).toEqual(['a.b', 'c']);
    expect(qualifiedParts('a..b')).toEqual(['a', '', 'b']);
    expect(() => qualifiedParts('a.')).toThrow(/ends in a dot/);
    expect(() => qualifiedParts('"a.b')).toThrow(/double quote is not closed/);
  });
});

describe('the table of a topic under NEVER', () => {
  it('a dotted topic under ${topic} is schema.table (app.orders: schema app, table orders)', () => {
    expect(unquotedTableName('${topic}', 'app.orders', 'sales')).toEqual({ schema: 'app', table: 'orders' });
    expect(unquotedTableName('${topic}', 'App.Orders_V1', 'sales')).toEqual({ schema: 'app', table: 'orders_v1' });
    expect(unquotedTableName('${topic}', 'orders', 'sales')).toEqual({ table: 'orders' });
    // The format's own dot and the topic's are the same to Connect: the name is split after substitution.
    expect(unquotedTableName('kafka_${topic}', 'app.orders', 'sales')).toEqual({ schema: 'kafka_app', table: 'orders' });
    expect(unquotedTableName('Staging.${topic}', 'orders', 'sales')).toEqual({ schema: 'staging', table: 'orders' });
  });

  it('three parts name the database, which must be the connected one (PostgreSQL has no cross-database references)', () => {
    expect(unquotedTableName('${topic}', 'Sales.public.orders', 'sales')).toEqual({ schema: 'public', table: 'orders' });
    expect(() => unquotedTableName('${topic}', 'dbserver1.inventory.customers', 'sales')).toThrow(
      /table "dbserver1\.inventory\.customers" names the database "dbserver1" .*connection\.url connects to "sales"/);
  });

  it('refuses four parts and parts PostgreSQL cannot read unquoted, naming quote.sql.identifiers', () => {
    expect(() => unquotedTableName('${topic}', 'a.b.c.d', 'sales')).toThrow(/has 4 dot-separated parts; quote\.sql\.identifiers=NEVER/);
    expect(() => unquotedTableName('${topic}', 'app.9lives', 'sales')).toThrow(/table "9lives" cannot be written unquoted/);
    expect(() => unquotedTableName('${topic}', 'select.orders', 'sales')).toThrow(/schema "select" cannot be written unquoted.*reserved word/);
    expect(() => unquotedTableName('"my schema".${topic}', 'orders', 'sales')).toThrow(/schema "my schema" cannot be written unquoted/);
  });
});

describe('config check', () => {
  const base = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'bootstrap.servers': '127.0.0.1:9092',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales', 'quote.sql.identifiers': 'NEVER',
  };
  const problems = (config: Record<string, string>): string[] => {
    try {
      loadConfig({ json: { name: 'x', config: { ...base, ...config } }, env: {} });
    } catch (err) {
      if (err instanceof ConfigError) return [...err.problems];
      throw err;
    }
    return [];
  };

  it('takes dotted topics and checks each part', () => {
    expect(problems({ topics: 'app.orders,sales.public.t' })).toEqual([]);
    expect(problems({ topics: 'app.9lives' })).toEqual([expect.stringMatching(/^table\.name\.format: topic "app\.9lives": table "9lives" cannot be written unquoted/)]);
    expect(problems({ topics: 'other.public.t' })).toEqual([expect.stringMatching(/^table\.name\.format: topic "other\.public\.t": .*names the database "other"/)]);
    // Debezium's JDBC sink turns the topic's dots into underscores: one table name.
    expect(problems({ topics: 'a.b.c.d', 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector' })).toEqual([]);
  });
});
