// The table a record lands in, per connector class (table-names.ts). Both
// Kafka Connect JDBC sinks put the topic into the format and then split the
// whole name at its dots: Confluent's with IdentifierRules
// .parseQualifiedIdentifier (a topic app.orders is the table orders in the
// schema app, under quote.sql.identifiers ALWAYS as under NEVER), Debezium's
// with TableIdParser after turning the topic's own dots into underscores. A
// third part must be the connected database; more parts, empty parts and
// names the parser refuses are errors naming the name and the fix.
import { describe, expect, it } from 'vitest';
import { confluentParts, debeziumParts, destinationTable, type TableNaming } from '../../src/sinks/postgres/table-names.js';
import { qualifiedName } from '../../src/sinks/postgres/names.js';
import { loadConfig } from '../../src/sinks/index.js';
import { ConfigError } from '../../src/errors.js';

const confluent = (format: string, extra: Partial<TableNaming> = {}): TableNaming => ({ format, debezium: false, database: 'sales', ...extra });
const debezium = (format: string, extra: Partial<TableNaming> = {}): TableNaming => ({ format, debezium: true, database: 'sales', ...extra });

describe('IdentifierRules.parseQualifiedIdentifier (Confluent)', () => {
  it('splits at dots; a part starting with a double quote runs to the next one, taken as it is', () => {
    expect(confluentParts('orders')).toEqual(['orders']);
    expect(confluentParts('app.orders')).toEqual(['app', 'orders']);
    expect(confluentParts('db.app.orders')).toEqual(['db', 'app', 'orders']);
    expect(confluentParts('"a.b".c')).toEqual(['a.b', 'c']);
    expect(confluentParts('"My Schema"."t.x"')).toEqual(['My Schema', 't.x']);
    expect(confluentParts('a..b')).toEqual(['a', '', 'b']);
    expect(confluentParts('weird"; DROP TABLE x; --t')).toEqual(['weird"; DROP TABLE x; --t']);
    expect(() => confluentParts('a.')).toThrow(/ends in a dot/);
    expect(() => confluentParts('"a.b')).toThrow(/double quote is not closed/);
  });
});

describe("Debezium's TableIdParser", () => {
  it('splits at dots, skips blanks around parts, reads " \' ` quotes with doubling', () => {
    expect(debeziumParts('orders')).toEqual(['orders']);
    expect(debeziumParts('inv.orders')).toEqual(['inv', 'orders']);
    expect(debeziumParts(' inv . orders ')).toEqual(['inv', 'orders']);
    expect(debeziumParts('"My Schema"."a.b"')).toEqual(['My Schema', 'a.b']);
    expect(debeziumParts('`x`.\'y\'')).toEqual(['x', 'y']);
    expect(debeziumParts('"a""b".c')).toEqual(['a"b', 'c']);
    expect(debeziumParts('db.s.t')).toEqual(['db', 's', 't']);
  });

  it('refuses what TableIdParser refuses', () => {
    expect(() => debeziumParts('my table')).toThrow(/unexpected "t" after "my" \(quote a name holding blanks\)/);
    expect(() => debeziumParts('.t')).toThrow(/a part is empty/);
    expect(() => debeziumParts('a..t')).toThrow(/a part is empty/);
    expect(() => debeziumParts('a.')).toThrow(/ends in a dot/);
    expect(() => debeziumParts('')).toThrow(/it is empty/);
    expect(() => debeziumParts('"a.t')).toThrow(/a " is not closed/);
  });
});

describe("Confluent's class: the table of a topic", () => {
  it('a dotted topic under ${topic} is schema.table, case kept under ALWAYS (the default)', () => {
    expect(destinationTable(confluent('${topic}'), 'app.orders')).toEqual({ schema: 'app', table: 'orders' });
    expect(qualifiedName(destinationTable(confluent('${topic}'), 'App.Orders'))).toBe('"App"."Orders"');
    expect(destinationTable(confluent('${topic}'), 'orders')).toEqual({ table: 'orders' });
    // The format's dot and the topic's are the same to Connect: the name is split after substitution.
    expect(destinationTable(confluent('kafka_${topic}'), 'app.orders')).toEqual({ schema: 'kafka_app', table: 'orders' });
    expect(destinationTable(confluent('myschema.${topic}'), 'orders')).toEqual({ schema: 'myschema', table: 'orders' });
    expect(destinationTable(confluent('"My Schema".t_${topic}'), 'orders')).toEqual({ schema: 'My Schema', table: 't_orders' });
    // A quoted part keeps its dots: the way to land a dotted topic in one table of a schema.
    expect(destinationTable(confluent('"raw"."${topic}"'), 'app.orders')).toEqual({ schema: 'raw', table: 'app.orders' });
    expect(destinationTable(confluent('"${topic}"'), 'app.orders')).toEqual({ table: 'app.orders' });
  });

  it('under NEVER the table part is lower-cased (the dialect) and the rest folded (PostgreSQL)', () => {
    expect(destinationTable(confluent('${topic}', { fold: true }), 'App.Orders_V1')).toEqual({ schema: 'app', table: 'orders_v1' });
    expect(destinationTable(confluent('Staging.${topic}', { fold: true }), 'orders')).toEqual({ schema: 'staging', table: 'orders' });
    expect(() => destinationTable(confluent('${topic}', { fold: true }), 'app.9lives')).toThrow(/table "9lives" cannot be written unquoted/);
    expect(() => destinationTable(confluent('${topic}', { fold: true }), 'select.orders')).toThrow(/schema "select" cannot be written unquoted.*reserved word/);
    expect(() => destinationTable(confluent('"my schema".${topic}', { fold: true }), 'orders')).toThrow(/schema "my schema" cannot be written unquoted/);
  });

  it('three parts: the connected database is fine (schema.table), another is an error naming it, connection.url and the fix', () => {
    expect(destinationTable(confluent('${topic}'), 'sales.public.orders')).toEqual({ schema: 'public', table: 'orders' });
    expect(destinationTable(confluent('${topic}', { fold: true }), 'Sales.public.orders')).toEqual({ schema: 'public', table: 'orders' });
    // Quoted, the database name is compared as written (PostgreSQL would too).
    expect(() => destinationTable(confluent('${topic}'), 'Sales.public.orders')).toThrow(/names the database "Sales", but connection\.url connects to "sales"/);
    expect(() => destinationTable(confluent('${topic}'), 'dbserver1.inventory.customers')).toThrow(
      'the table name "dbserver1.inventory.customers" (table.name.format "${topic}") is database.schema.table to Confluent\'s JDBC sink, which splits a name at its dots: ' +
      'it names the database "dbserver1", but connection.url connects to "sales" and PostgreSQL has no cross-database references (Connect\'s statements would fail); ' +
      'set table.name.format to "\\"${topic}\\"" (a name in double quotes is one table name), or rename the topic\'s table with a RegexRouter transform ' +
      '(regex "([^.]+)\\\\.([^.]+)\\\\.([^.]+)", replacement "$2.$3" for schema.table or "$1_$2_$3" for one table name) or table.name.format');
    // Under NEVER Connect writes even a quoted name unquoted: only the RegexRouter helps.
    expect(() => destinationTable(confluent('${topic}', { fold: true }), 'db1.inv.c')).toThrow(/connects to "sales" .*; rename the topic's table with a RegexRouter/);
  });

  it('four or more parts and empty parts are errors (Connect would silently keep the first two parts, or send an empty name)', () => {
    expect(() => destinationTable(confluent('${topic}'), 'a.b.c.d')).toThrow(/"a\.b\.c\.d" .* has 4 dot-separated parts; Confluent's JDBC sink reads a table name as \[database\.\]\[schema\.\]table, at most three \(it would silently write "a"\."b"\); set table\.name\.format to/);
    expect(() => destinationTable(confluent('${topic}'), 'a..b')).toThrow(/has an empty part .*PostgreSQL takes no empty name; set table\.name\.format/);
    expect(() => destinationTable(confluent('.${topic}'), 'b')).toThrow(/has an empty part/);
  });
});

describe("Debezium's class: the table of a topic", () => {
  it('${topic} keeps a dotted topic in one table (dots become underscores); the format and source fields split', () => {
    expect(destinationTable(debezium('${topic}'), 'srv.inventory.orders')).toEqual({ table: 'srv_inventory_orders' });
    expect(destinationTable(debezium('myschema.${topic}'), 'srv.inv.orders')).toEqual({ schema: 'myschema', table: 'srv_inv_orders' });
    expect(destinationTable(debezium('${source.schema}.${source.table}'), 't', { schema: 'Inv', table: 'Orders' })).toEqual({ schema: 'Inv', table: 'Orders' });
    expect(destinationTable(debezium('${source.db}.${source.schema}.${source.table}'), 't', { db: 'sales', schema: 'inv', table: 'o' })).toEqual({ schema: 'inv', table: 'o' });
  });

  it('another database, four parts, or a name TableIdParser refuses are errors naming collection.name.format', () => {
    expect(() => destinationTable(debezium('${source.db}.${source.schema}.${source.table}'), 't', { db: 'shop', schema: 'inv', table: 'o' })).toThrow(
      /the table name "shop\.inv\.o" \(collection\.name\.format "\$\{source\.db\}\.\$\{source\.schema\}\.\$\{source\.table\}"\) is database\.schema\.table to Debezium's JDBC sink.*names the database "shop", but connection\.url connects to "sales".*Debezium would drop the database part/);
    expect(() => destinationTable(debezium('a.b.${topic}.c'), 't')).toThrow(/has 4 dot-separated parts; Debezium's JDBC sink reads a table name as \[database\.\]\[schema\.\]table, at most three; set collection\.name\.format to "\\"a\.b\.\$\{topic\}\.c\\""/);
    expect(() => destinationTable(debezium('${source.table}'), 't', { table: 'my table' })).toThrow(/cannot be read as \[database\.\]\[schema\.\]table by Debezium's TableIdParser/);
  });
});

describe('config check', () => {
  const base = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'bootstrap.servers': '127.0.0.1:9092',
    'connection.url': 'jdbc:postgresql://127.0.0.1:5432/sales',
  };
  const check = (config: Record<string, string>): { problems: string[]; warnings: string[] } => {
    try {
      const c = loadConfig({ json: { name: 'x', config: { ...base, ...config } }, env: {} });
      return { problems: [], warnings: [...c.warnings] };
    } catch (err) {
      if (err instanceof ConfigError) return { problems: [...err.problems], warnings: [] };
      throw err;
    }
  };

  it('a dotted topic is schema.table under ALWAYS too: a warning says so and how to keep one table', () => {
    const { problems, warnings } = check({ topics: 'app.orders,plain' });
    expect(problems).toEqual([]);
    expect(warnings.filter((w) => w.startsWith('table.name.format'))).toEqual([expect.stringMatching(
      /^table\.name\.format: topic "app\.orders" lands in the table "orders" of the schema "app", which must exist: .*earlier versions wrote one table "app\.orders"\); to keep one table, set table\.name\.format to "\\"\$\{topic\}\\"".*RegexRouter .*"\$1_\$2" for one table name/)]);
    // A schema named by the format itself is what the user wrote: no warning.
    expect(check({ topics: 'orders', 'table.name.format': 'myschema.${topic}' }).warnings.filter((w) => w.startsWith('table.name.format'))).toEqual([]);
  });

  it('a foreign database or four parts is a warning naming the topic (Connect accepts the config, its task fails), under ALWAYS and NEVER', () => {
    const ours = (r: { warnings: string[] }) => r.warnings.filter((w) => w.startsWith('table.name.format: topic'));
    for (const q of ['ALWAYS', 'NEVER']) {
      const foreign = check({ topics: 'dbserver1.inventory.customers', 'quote.sql.identifiers': q });
      expect(foreign.problems).toEqual([]);
      expect(ours(foreign)).toEqual([expect.stringMatching(
        /^table\.name\.format: topic "dbserver1\.inventory\.customers": the table name "dbserver1\.inventory\.customers" .*names the database "dbserver1", but connection\.url connects to "sales".*its task fails on the topic's first record; so does Sluice\)$/)]);
      const four = check({ topics: 'a.b.c.d', 'quote.sql.identifiers': q });
      expect([four.problems, ours(four)]).toEqual([[], [expect.stringMatching(/^table\.name\.format: topic "a\.b\.c\.d": .*has 4 dot-separated parts/)]]);
    }
    expect(check({ topics: 'sales.public.t', 'quote.sql.identifiers': 'NEVER' }).problems).toEqual([]);
    expect(check({ topics: 'app.9lives', 'quote.sql.identifiers': 'NEVER' }).problems).toEqual([expect.stringMatching(/^table\.name\.format: topic "app\.9lives": table "9lives" cannot be written unquoted/)]);
  });

  it("Debezium's class: the topic's dots become underscores, so any dotted topic is one table", () => {
    const dbz = { 'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector' };
    expect(check({ ...dbz, topics: 'a.b.c.d' })).toEqual({ problems: [], warnings: expect.not.arrayContaining([expect.stringMatching(/^collection\.name\.format|^table\.name\.format/)]) });
    expect(check({ ...dbz, topics: 't', 'collection.name.format': 'other.s.${topic}' }).warnings).toContainEqual(expect.stringMatching(/^collection\.name\.format: topic "t": .*names the database "other"/));
  });
});
