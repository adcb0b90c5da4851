// Identifier quoting, and Sluice's own table names (pg.offsets.table). Every
// identifier Sluice sends is double-quoted with embedded quotes doubled, so a
// name may hold quotes, spaces, dots or semicolons and still names exactly
// one table. The tables records land in are named as the connector class
// names them (table-names.ts).

export interface TableName {
  schema?: string;
  table: string;
}

export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error(`identifier ${JSON.stringify(name)} holds a NUL character, which PostgreSQL cannot store`);
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(t: TableName): string {
  return t.schema !== undefined ? `${quoteIdent(t.schema)}.${quoteIdent(t.table)}` : quoteIdent(t.table);
}

/**
 * Splits a format into schema and table templates: "schema.table",
 * "\"My Schema\".\"t_${topic}\"", or a single table name. A part wholly
 * wrapped in double quotes is a quoted identifier ("" stands for one quote);
 * any other part is taken literally, quotes and all. The split happens at the
 * first dot outside double quotes.
 */
export function splitTableFormat(format: string): { schema?: string; table: string } {
  let quoted = false;
  let dot = -1;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    // A dot inside a placeholder (${source.table}) is part of its name, not a schema separator.
    if (c === '$' && format[i + 1] === '{' && !quoted) {
      const end = format.indexOf('}', i);
      if (end > 0) {
        i = end;
        continue;
      }
    }
    if (c === '"') quoted = !quoted;
    else if (c === '.' && !quoted) {
      dot = i;
      break;
    }
  }
  if (dot < 0) return { table: unquotePart(format) };
  return { schema: unquotePart(format.slice(0, dot)), table: unquotePart(format.slice(dot + 1)) };
}

function unquotePart(p: string): string {
  if (p.length >= 2 && p.startsWith('"') && p.endsWith('"')) {
    const inner = p.slice(1, -1);
    // Only a well-formed quoted identifier (quotes inside are doubled) is unquoted.
    if (!inner.replace(/""/g, '').includes('"')) return inner.replace(/""/g, '"');
  }
  return p;
}

export function tableNameFor(format: string, topic: string): TableName {
  const parts = splitTableFormat(format);
  const sub = (s: string) => s.replace(/\$\{topic\}/g, () => topic);
  return parts.schema !== undefined ? { schema: sub(parts.schema), table: sub(parts.table) } : { table: sub(parts.table) };
}

export function usesSourceFields(format: string): boolean {
  return format.includes('${source.');
}
