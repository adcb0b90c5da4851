// The table Confluent's JDBC sink names for a topic under
// quote.sql.identifiers=NEVER. It substitutes ${topic} into table.name.format
// and then splits the whole name at dots (PostgreSqlDatabaseDialect
// .parseTableIdentifier → IdentifierRules.parseQualifiedIdentifier), so a
// dotted topic names a schema: app.orders is the table orders in the schema
// app, and db.schema.table names the database too, which PostgreSQL takes
// only when it is the connected one. The table part is lower-cased as the
// dialect does (Java's toLowerCase); schema and database are folded as
// PostgreSQL folds the unquoted names Connect writes.
import type { TableName } from './names.js';
import { foldIdentifier, UnquotedNameError } from './unquoted.js';

/** The parts of a dotted name as IdentifierRules reads it: a part that starts with a double quote runs to the next one. */
export function qualifiedParts(fqn: string): string[] {
  const bad = (why: string) => new UnquotedNameError(`table ${JSON.stringify(fqn)} cannot be read as [database.][schema.]table: ${why} (quote.sql.identifiers=NEVER)`);
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

/**
 * The table for `topic` under NEVER. `database`: connection.url's database,
 * which a three-part name must name (PostgreSQL refuses cross-database
 * references). Throws UnquotedNameError for a name PostgreSQL could not read
 * unquoted, another database, or more than three parts (Connect would
 * silently keep only the first two).
 */
export function unquotedTableName(format: string, topic: string, database: string): TableName {
  const fqn = format.replace(/\$\{topic\}/g, () => topic);
  const parts = qualifiedParts(fqn);
  const table = (t: string) => foldIdentifier(t.toLowerCase(), 'table');
  switch (parts.length) {
    case 1: return { table: table(parts[0]!) };
    case 2: return { schema: foldIdentifier(parts[0]!, 'schema'), table: table(parts[1]!) };
    case 3: {
      const db = foldIdentifier(parts[0]!, 'database');
      if (db !== database) {
        throw new UnquotedNameError(`table ${JSON.stringify(fqn)} names the database "${db}" (quote.sql.identifiers=NEVER splits a name at its dots into ` +
          `database.schema.table), but connection.url connects to "${database}" and PostgreSQL has no cross-database references; ` +
          'rename the topic\'s table (table.name.format, a RegexRouter transform) or set quote.sql.identifiers=ALWAYS');
      }
      return { schema: foldIdentifier(parts[1]!, 'schema'), table: table(parts[2]!) };
    }
    default:
      throw new UnquotedNameError(`table ${JSON.stringify(fqn)} has ${parts.length} dot-separated parts; quote.sql.identifiers=NEVER reads a name as ` +
        '[database.][schema.]table, at most three; rename the topic\'s table (table.name.format, a RegexRouter transform) or set quote.sql.identifiers=ALWAYS');
  }
}
