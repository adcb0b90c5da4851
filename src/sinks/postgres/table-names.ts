// The table a record lands in, as each JDBC sink class names it. Both Kafka
// Connect sinks put the topic into the format first and then split the whole
// name at its dots, so a dotted topic names a schema:
//
// * Confluent's (io.confluent.connect.jdbc.JdbcSinkConnector, and every
//   non-Debezium class here): JdbcDbWriter.destinationTable replaces
//   ${topic} in table.name.format, then PostgreSqlDatabaseDialect
//   .parseTableIdentifier → GenericDatabaseDialect.parseTableIdentifier →
//   IdentifierRules(".", "\"", "\"").parseQualifiedIdentifier: one part is the
//   table, two schema.table, three catalog.schema.table, and four or more
//   silently the first two (schema.table); with quote.sql.identifiers=NEVER the
//   table part is lower-cased (Java toLowerCase). TableId.appendTo writes the
//   catalog into every statement, and PostgreSQL refuses any catalog but the
//   connected database ("cross-database references are not implemented"), as
//   does pgjdbc's getTables (an empty answer for another catalog since 42.7.6).
// * Debezium's (io.debezium.connector.jdbc.JdbcSinkConnector):
//   DefaultCollectionNamingStrategy turns the topic's dots into underscores for
//   ${topic} and fills ${source.<field>} from the change event, then
//   GeneralDatabaseDialect.getCollectionId splits with TableIdParser (quotes
//   " ' ` with doubling, blanks around parts, at most three parts:
//   "Failed to parse table name into TableId" beyond). getQualifiedTableName
//   writes only schema.table, dropping the database part, while tableExists
//   asks pgjdbc for the table in that catalog, which answers nothing for
//   another database: Debezium then creates schema.table in the connected
//   database, and fails on the next batch ("already exists").
//
// A three-part name of the connected database is schema.table here, as both
// land it; another database, more than three parts, an empty part or a name
// the parser refuses is an error naming the name and the fix, never another
// table. Neither sink creates schemas (DbStructure / JdbcChangeEventSink issue
// CREATE TABLE only): a missing schema is the planner's error.
import { ConvertError } from '../../errors.js';
import type { SinkChecks } from '../../config/sink-spec.js';
import type { TableName } from './names.js';
import { foldIdentifier } from './unquoted.js';
import { parseJdbcUrl } from './jdbc-url.js';

/** A table name that Kafka Connect's sink could not use as it is (the record or the config fails). */
export class TableNameError extends ConvertError {}

/** A ${source.<field>} the change event cannot fill. */
export class SourceFieldError extends ConvertError {}

/** How a sink names its tables (PgPlan.naming). */
export interface TableNaming {
  /** table.name.format / collection.name.format. */
  readonly format: string;
  /** Debezium's JDBC sink class: its naming strategy and parser. */
  readonly debezium: boolean;
  /** The database connection.url connects to: the only one a database.schema.table name may name. */
  readonly database: string;
  /** quote.sql.identifiers=NEVER: names as PostgreSQL folds Connect's unquoted ones (unquoted.ts). */
  readonly fold?: boolean;
}

/**
 * How to land a topic elsewhere: its format in double quotes (one name, as
 * both parsers read it; not under NEVER, where Connect writes it unquoted),
 * or a RegexRouter.
 */
function fix(naming: TableNaming, topic: string): string {
  const key = naming.debezium ? 'collection.name.format' : 'table.name.format';
  const quoted = naming.fold ? '' : `set ${key} to ${JSON.stringify(`"${naming.format}"`)} (a name in double quotes is one table name), or `;
  const n = naming.debezium ? 1 : topic.split('.').length;
  if (n < 2) return `${quoted}change ${key}`;
  const regex = Array.from({ length: n }, () => '([^.]+)').join('\\.');
  const one = Array.from({ length: n }, (_, k) => `$${k + 1}`).join('_');
  return `${quoted}rename the topic's table with a RegexRouter transform (regex ${JSON.stringify(regex)}, replacement ${n > 2 ? `"$${n - 1}.$${n}" for schema.table or ` : ''}"${one}" for one table name) or ${key}`;
}

/** The database connection.url connects to, as service.ts connects (pg's default database when the URL names none). */
export function connectedDatabase(url: string): string {
  return parseJdbcUrl(url).database || 'postgres';
}

/** IdentifierRules.parseQualifiedIdentifier: split at dots; a part starting with a double quote runs to the next one, taken as it is. */
export function confluentParts(fqn: string): string[] {
  const bad = (why: string) => new TableNameError(`the table name ${JSON.stringify(fqn)} cannot be read as [database.][schema.]table: ${why}`);
  const parts: string[] = [];
  let rest = fqn;
  do {
    let part: string;
    if (rest.startsWith('"')) {
      const end = rest.indexOf('"', 1);
      if (end < 0) throw bad('a double quote is not closed');
      part = rest.slice(1, end);
      rest = rest.slice(end + 1);
      if (rest.startsWith('.')) {
        rest = rest.slice(1);
        if (rest === '') throw bad('it ends in a dot');
      }
    } else {
      const dot = rest.indexOf('.');
      if (dot < 0) {
        part = rest;
        rest = '';
      } else {
        part = rest.slice(0, dot);
        rest = rest.slice(dot + 1);
        if (rest === '') throw bad('it ends in a dot');
      }
    }
    parts.push(part);
  } while (rest.length > 0);
  return parts;
}

const QUOTES = '"\'`';
const BLANK = /\s/;

/**
 * Debezium's TableIdParser: parts separated by dots, blanks around them
 * skipped; a part opened by " ' or ` runs to the same quote (doubled inside);
 * a blank inside an unquoted part, an empty part or a dangling dot is refused.
 * Doubled quotes are then made single in every part, as TableIdParser.parse does.
 */
export function debeziumParts(fqn: string): string[] {
  const bad = (why: string) => new TableNameError(`the table name ${JSON.stringify(fqn)} cannot be read as [database.][schema.]table by Debezium's TableIdParser: ${why}`);
  const parts: string[] = [];
  let i = 0;
  const n = fqn.length;
  const skipBlanks = () => {
    while (i < n && BLANK.test(fqn[i]!)) i++;
  };
  for (;;) {
    skipBlanks();
    if (i >= n) throw bad(parts.length === 0 ? 'it is empty' : 'it ends in a dot');
    const c = fqn[i]!;
    let raw: string;
    if (c === '.') throw bad('a part is empty');
    if (QUOTES.includes(c)) {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw bad(`a ${c} is not closed`);
        if (fqn[j] === c) {
          if (fqn[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      raw = fqn.slice(i + 1, j);
      i = j + 1;
      skipBlanks();
    } else {
      const start = i;
      while (i < n && fqn[i] !== '.' && !BLANK.test(fqn[i]!)) i++;
      raw = fqn.slice(start, i);
      skipBlanks();
    }
    parts.push(raw.replace(/''/g, '\'').replace(/""/g, '"').replace(/``/g, '`'));
    if (i >= n) return parts;
    if (fqn[i] !== '.') throw bad(`unexpected ${JSON.stringify(fqn[i])} after ${JSON.stringify(parts[parts.length - 1])} (quote a name holding blanks)`);
    i++;
  }
}

function substituteSource(format: string, name: string, source: Record<string, unknown> | undefined): string {
  return name.replace(/\$\{source\.([^}]*)\}/g, (_m, field: string) => {
    const v = source?.[field];
    if (typeof v !== 'string') {
      throw new SourceFieldError(source ? `the change event's source block has no text field "${field}" (collection.name.format ${format})` : `the record has no Debezium source block for \${source.${field}} (collection.name.format ${format})`);
    }
    return v;
  });
}

/** The name the format gives a topic (and a change event's source block), before it is split. */
export function formattedName(naming: Pick<TableNaming, 'format' | 'debezium'>, topic: string, source?: Record<string, unknown>): string {
  if (!naming.debezium) return naming.format.replace(/\$\{topic\}/g, () => topic);
  // DefaultCollectionNamingStrategy: ${topic} with dots as underscores, then ${source.<field>} in the result.
  const t = naming.format.replace(/\$\{topic\}/g, () => topic.replace(/\./g, '_'));
  return t.includes('${source.') ? substituteSource(naming.format, t, source) : t;
}

/**
 * The table a record of `topic` lands in. Throws TableNameError (and
 * UnquotedNameError under NEVER) for a name Kafka Connect's sink could not
 * write, or would write somewhere other than it names.
 */
export function destinationTable(naming: TableNaming, topic: string, source?: Record<string, unknown>): TableName {
  const fqn = formattedName(naming, topic, source);
  const key = naming.debezium ? 'collection.name.format' : 'table.name.format';
  const sink = naming.debezium ? 'Debezium\'s JDBC sink' : 'Confluent\'s JDBC sink';
  const from = `the table name ${JSON.stringify(fqn)} (${key} ${JSON.stringify(naming.format)})`;
  const raw = naming.debezium ? debeziumParts(fqn) : confluentParts(fqn);
  if (raw.length > 3) {
    throw new TableNameError(`${from} has ${raw.length} dot-separated parts; ${sink} reads a table name as [database.][schema.]table, at most three` +
      (naming.debezium ? '' : ` (it would silently write "${raw[0]}"."${raw[1]}")`) + `; ${fix(naming, topic)}`);
  }
  if (raw.some((p) => p === '')) {
    throw new TableNameError(`${from} has an empty part (${sink} splits it at its dots into [database.][schema.]table), and PostgreSQL takes no empty name; ${fix(naming, topic)}`);
  }
  const fold = naming.fold === true;
  // Under NEVER Confluent's dialect lower-cases the table part itself (PostgreSqlDatabaseDialect.parseTableIdentifier); PostgreSQL folds the rest.
  const table = (t: string) => (fold ? foldIdentifier(naming.debezium ? t : t.toLowerCase(), 'table') : t);
  const schema = (s: string) => (fold ? foldIdentifier(s, 'schema') : s);
  if (raw.length === 1) return { table: table(raw[0]!) };
  if (raw.length === 2) return { schema: schema(raw[0]!), table: table(raw[1]!) };
  const db = fold ? foldIdentifier(raw[0]!, 'database') : raw[0]!;
  if (db !== naming.database) {
    throw new TableNameError(`${from} is database.schema.table to ${sink}, which splits a name at its dots: it names the database "${db}", ` +
      `but connection.url connects to "${naming.database}" and PostgreSQL has no cross-database references` +
      (naming.debezium ? ' (Debezium would drop the database part and write another table than named)' : ' (Connect\'s statements would fail)') + `; ${fix(naming, topic)}`);
  }
  return { schema: schema(raw[1]!), table: table(raw[2]!) };
}

/** Debezium's JDBC sink class (its naming and change events); any other JDBC class names tables as Confluent's. */
export function isDebeziumClass(connectorClass: string): boolean {
  return /^io\.debezium\.connector\.jdbc\.JdbcSinkConnector$/i.test(connectorClass);
}

/** The naming of a sink config (planner.ts, the config check). */
export function tableNaming(o: { format: string; debezium: boolean; url: string; quote: string }): TableNaming {
  return {
    format: o.format,
    debezium: o.debezium,
    database: connectedDatabase(o.url),
    ...(o.quote.toLowerCase() === 'never' ? { fold: true } : {}),
  };
}

/**
 * `check`: the listed topics' tables, as the sink will name them: a name it
 * cannot use is a warning (the run stops on the topic's first record); a dotted topic that lands in a schema (the
 * name split at its dots, as Connect does) is a warning, since Sluice before
 * this kept such a name as one table.
 */
export function checkTableNames(c: SinkChecks): void {
  const format = c.get('table.name.format');
  const topics = c.get('topics');
  if (typeof format !== 'string' || format.includes('${source.') || !Array.isArray(topics)) return;
  let naming: TableNaming;
  try {
    naming = tableNaming({ format, debezium: isDebeziumClass(String(c.get('connector.class') ?? '')), url: String(c.get('connection.url') ?? ''), quote: String(c.get('quote.sql.identifiers') ?? 'always') });
  } catch {
    return; // connection.url's own problem is reported; the tables are checked once it parses
  }
  const key = c.setAs('table.name.format') ?? (naming.debezium ? 'collection.name.format' : 'table.name.format');
  // A topics.regex names its topics only at run time: their tables are checked then.
  for (const topic of topics as string[]) {
    try {
      const t = destinationTable(naming, topic);
      if (!naming.debezium && !naming.fold && topic.includes('.') && t.schema !== undefined && splitsTopic(naming.format, topic)) {
        c.warning(`${key}: topic "${topic}" lands in the table "${t.table}" of the schema "${t.schema}", which must exist: Confluent's JDBC sink splits a table name ` +
          `at its dots, and so does Sluice (earlier versions wrote one table "${formattedName(naming, topic)}"); to keep one table, ${fix(naming, topic)}`);
      }
    } catch (err) {
      // Kafka Connect accepts the config and fails its task on the topic's first record: `check` passes with a
      // warning, and the run stops on that record with the same message and its location.
      if (err instanceof TableNameError) c.warning(`${key}: topic "${topic}": ${err.message} (Kafka Connect accepts this config and its task fails on the topic's first record; so does Sluice)`);
      else if (err instanceof ConvertError) c.problem(`${key}: topic "${topic}": ${err.message}`);
      else throw err;
    }
  }
}

/** Whether the dots of the topic add parts to the name (the format alone would not make them). */
function splitsTopic(format: string, topic: string): boolean {
  try {
    return confluentParts(format.replace(/\$\{topic\}/g, () => topic)).length > confluentParts(format.replace(/\$\{topic\}/g, 'x')).length;
  } catch {
    return false;
  }
}
