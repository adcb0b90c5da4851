// The PostgreSQL sink's registry record (common/module.ts).
import type { SinkModule } from '../common/module.js';
import { postgresOptions } from './config.js';
import { ignoreOtherClassKeys } from './class-keys.js';
import { jdbcReadsName } from './connect-keys.js';
import { JdbcUrlError, parseJdbcUrl, unusedJdbcParams } from './jdbc-url.js';
import { checkUnquoted } from './unquoted-config.js';
import { checkTableNames } from './table-names.js';

export const postgresSink: SinkModule = {
  kind: 'postgres',
  title: 'PostgreSQL sink',
  shortTitle: 'PostgreSQL',
  connectorClasses: ['sluice.postgres', 'io.confluent.connect.jdbc.JdbcSinkConnector', 'io.debezium.connector.jdbc.JdbcSinkConnector'],
  // Any JDBC sink class (Aiven's, Confluent's, Debezium's, a fork's) writes here.
  matchesClass: (c) => c.includes('jdbcsink') || c.includes('postgres'),
  classesDoc: 'a JDBC sink class (Confluent or Debezium), sluice.postgres',
  options: postgresOptions,
  check(c) {
    const ignored = ignoreOtherClassKeys(c);
    const url = c.get('connection.url');
    if (typeof url === 'string') {
      // connection.url's sslpassword (the client key's passphrase) is a secret too.
      const sslPassword = /[?&]sslpassword=([^&#]*)/.exec(url)?.[1];
      if (sslPassword) {
        c.secret(sslPassword);
        c.secret(decodeURIComponentSafe(sslPassword));
      }
      try {
        const u = parseJdbcUrl(url);
        if (u.password !== undefined) c.secret(u.password);
        for (const param of unusedJdbcParams(u)) c.notice(`connection.url: parameter ${param} accepted, no effect: a JDBC driver setting Sluice's PostgreSQL client has no twin for`);
      } catch (err) {
        if (err instanceof JdbcUrlError) c.problem(`connection.url: ${err.message}`);
        else throw err;
      }
    }
    if (c.get('schema.evolution') === 'basic') {
      c.set('auto.create', true);
      c.set('auto.evolve', true);
    }
    // Name the keys as the user wrote them: Debezium configs say primary.key.mode.
    const debezium = /debezium/i.test(String(c.get('connector.class')));
    const pkWritten = c.setAs('pk.mode');
    const pkMode = pkWritten !== undefined && !ignored.has(pkWritten) ? pkWritten : debezium ? 'primary.key.mode' : 'pk.mode';
    if (c.get('delete.enabled') && c.get('pk.mode') !== 'record_key') {
      c.problem(`${c.setAs('delete.enabled') ?? 'delete.enabled'}: needs ${pkMode}=record_key (a tombstone names the row by its key)`);
    }
    if (c.get('insert.mode') !== 'insert' && c.get('pk.mode') === 'none') {
      c.problem(`${c.setAs('insert.mode') ?? 'insert.mode'}: "${c.get('insert.mode')}" needs a primary key; set ${pkMode} (record_key, record_value or kafka)`);
    }
    // Aiven's boolean sql.quote.identifiers is Confluent's quote.sql.identifiers.
    if (c.isSet('sql.quote.identifiers')) {
      const method = c.get('sql.quote.identifiers') ? 'always' : 'never';
      if (c.isSet('quote.sql.identifiers') && c.get('quote.sql.identifiers') !== method) {
        c.problem(`sql.quote.identifiers: ${String(c.get('sql.quote.identifiers'))} says quote.sql.identifiers=${method}, but quote.sql.identifiers is ${String(c.get('quote.sql.identifiers'))}; give only one of them`);
      } else c.set('quote.sql.identifiers', method);
    }
    checkUnquoted(c);
    checkTableNames(c);
  },
  readsName: jdbcReadsName,
  usesKeys: (get) => get('pk.mode') === 'record_key' || get('delete.enabled') === true,
  createSink: async (config, log) => new (await import('./sink.js')).PostgresSink(config, log.child({ sink: 'postgres' })),
  createEncoder: async () => new (await import('./encoding.js')).PgEncoder(),
  movePositions: async (config, moves, all, log) => (await import('./offsets-admin.js')).moveStoredOffsets(config, moves, all, log),
};

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
