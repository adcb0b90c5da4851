// The column rules and config checks of quote.sql.identifiers (unquoted.ts):
// with NEVER, the field names the connector config lists are folded as the
// record fields are, and a listed name PostgreSQL could not read unquoted is
// a config problem before anything runs.
import type { SinkChecks } from '../../config/sink-spec.js';
import type { FieldRules, PkMode } from './columns.js';
import type { PostgresConfig } from './config.js';
import { foldIdentifier, UnquotedNameError } from './unquoted.js';

type RulesConfig = Pick<PostgresConfig, 'pk.mode' | 'pk.fields' | 'fields.whitelist' | 'field.exclude.list' | 'quote.sql.identifiers'>;

export function fieldRules(cfg: RulesConfig): FieldRules {
  const fold = cfg['quote.sql.identifiers'] === 'never' ? (names: readonly string[]) => names.map(foldFilterEntry) : (names: readonly string[]) => [...names];
  const include = cfg['fields.whitelist'];
  return {
    pkMode: cfg['pk.mode'] as PkMode,
    // record_header names headers, which are not identifiers: they are read by the names given.
    pkFields: cfg['pk.mode'] === 'record_header' ? [...(cfg['pk.fields'] ?? [])] : fold(cfg['pk.fields'] ?? []),
    ...(include ? { include: fold(include) } : {}),
    exclude: fold(cfg['field.exclude.list'] ?? []),
  };
}

/** A filter entry's field name folded; a Debezium `topic:field` entry keeps its topic as written. */
function foldFilterEntry(entry: string): string {
  const at = entry.indexOf(':');
  return at < 0 ? foldIdentifier(entry, 'field') : `${entry.slice(0, at)}:${foldIdentifier(entry.slice(at + 1).trim(), 'field')}`;
}

/** `check`: with NEVER, every listed field must be readable unquoted. */
export function checkUnquoted(c: SinkChecks): void {
  if (String(c.get('quote.sql.identifiers') ?? 'always').toLowerCase() !== 'never') return;
  for (const key of ['pk.fields', 'fields.whitelist', 'field.exclude.list'] as const) {
    if (key === 'pk.fields' && c.get('pk.mode') === 'record_header') continue;
    const names = c.get(key);
    if (!Array.isArray(names)) continue;
    for (const n of names as string[]) {
      try {
        if (key === 'pk.fields') foldIdentifier(n, 'field');
        else foldFilterEntry(n);
      } catch (err) {
        if (err instanceof UnquotedNameError) c.problem(`${key}: ${err.message}`);
        else throw err;
      }
    }
  }
  // The listed topics' tables are checked for every quote.sql.identifiers (table-names.ts checkTableNames).
}
