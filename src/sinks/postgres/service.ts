// Talking to PostgreSQL: the connection pool, COPY, catalog look-ups, DDL
// under an advisory lock, and the classification of errors into retry /
// reconnect / stop.
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConfigError, ConnectionLostError, RetriableError, SinkSchemaError, SluiceError, TableChangedError } from '../../errors.js';
import { credentials, parseJdbcUrl, searchPathOption } from './jdbc-url.js';
import { explainPgTlsFailure, pgTls, PgTlsConfigError, refusedForFallback, type PgTls } from './tls.js';
import { qualifiedName, quoteIdent, type TableName } from './names.js';
import { sessionTimeZone } from './wall-clock.js';

export interface PgConnectionOptions {
  url: string;
  user?: string;
  password?: string;
  poolSize: number;
  statementTimeoutMs: number;
  timezone: string;
  applicationName: string;
}

/** jdbc:postgresql://host:port/db?user=..&password=..&currentSchema=.. → pg client config (jdbc-url.ts reads the URL). */
export function pgClientConfig(o: PgConnectionOptions, tls?: PgTls): pg.PoolConfig {
  const u = parseJdbcUrl(o.url);
  const params = u.params;
  const cfg: pg.PoolConfig = {
    host: u.host,
    port: u.port,
    database: u.database || 'postgres',
    ...credentials(u, o.user, o.password),
    max: o.poolSize,
    application_name: o.applicationName,
    connectionTimeoutMillis: u.connectTimeoutMs ?? 15_000,
    idleTimeoutMillis: 60_000,
    keepAlive: true,
  };
  // sslmode, sslrootcert, sslcert, sslkey, sslpassword as libpq / pgjdbc mean them (tls.ts).
  cfg.ssl = (tls ?? pgTls(params)).ssl;
  if (o.statementTimeoutMs > 0) cfg.statement_timeout = o.statementTimeoutMs;
  // The URL's `options` (e.g. -c search_path=app) reach the server as pgjdbc sends them; Sluice's own settings come
  // after, so db.timezone and currentSchema win, as pgjdbc's startup parameters win over `options`.
  const given = params.get('options')?.trim();
  cfg.options = (given ? `${given} ` : '') + `-c TimeZone=${sessionTimeZone(o.timezone)}` + (u.currentSchema !== undefined ? ` ${searchPathOption(u.currentSchema)}` : '');
  return cfg;
}

const RETRIABLE_SQLSTATE_CLASSES = ['08', '53', '57P', '58'];
const RETRIABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014', '55006']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

/** Sorts a pg error into what the pipeline should do with it. */
export function classifyPgError(err: unknown, what: string): SluiceError {
  if (err instanceof SluiceError) return err;
  const e = err as { code?: string; message?: string; where?: string; detail?: string };
  const code = e.code ?? '';
  const msg = `${what}: ${e.message ?? String(err)}${code ? ` (SQLSTATE ${code})` : ''}${e.detail ? ` – ${e.detail}` : ''}${e.where ? ` [${e.where}]` : ''}`;
  if (NETWORK_CODES.has(code) || /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|Connection ended/i.test(e.message ?? '')) {
    return new ConnectionLostError(msg, { cause: err });
  }
  // 08P01 (protocol violation) during a binary COPY means the bytes do not match
  // the column types ("insufficient data left in message"): retrying cannot help.
  if (code === '08P01') return new TableChangedError(msg, { cause: err });
  // 08: connection exception; 57P: operator intervention (admin shutdown, crash shutdown, cannot connect now).
  if (code.startsWith('08') || code.startsWith('57P')) return new ConnectionLostError(msg, { cause: err });
  const retriableClass = RETRIABLE_SQLSTATE_CLASSES.some((c) => c.length <= code.length && code.startsWith(c));
  if (RETRIABLE_SQLSTATES.has(code) || retriableClass) return new RetriableError(msg, { cause: err });
  // Binary data of another type than the column's (22P03), a datatype mismatch (42804): the table changed under the plan.
  if (code === '42804' || code === '22P03') return new TableChangedError(msg, { cause: err });
  if (code === '42P01' || code === '42703' || code === '3F000') return new SinkSchemaError(msg, { cause: err });
  return new SluiceError(msg, { cause: err });
}

export interface CatalogColumn {
  name: string;
  typeOid: number;
  typeName: string;
  elemOid: number;
  typmod: number;
  sqlType: string;
  notNull: boolean;
  generated: boolean;
  hasDefault: boolean;
  pk: boolean;
}

export interface TableDescription {
  columns: CatalogColumn[];
  /** Column sets of the primary key and of unique indexes (ON CONFLICT needs one). */
  uniqueKeys: string[][];
}

export const PGCOPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, // PGCOPY\n\377\r\n\0
  0, 0, 0, 0, // flags
  0, 0, 0, 0, // header extension length
]);
export const PGCOPY_TRAILER = Buffer.from([0xff, 0xff]);

type Queryable = pg.Pool | pg.PoolClient;

export class PgService {
  pool: pg.Pool;
  /** TLS from the URL's sslmode and certificate parameters. */
  readonly tls: PgTls;
  private readonly poolConfig: pg.PoolConfig;
  private fellBack = false;

  constructor(readonly options: PgConnectionOptions) {
    try {
      this.tls = pgTls(parseJdbcUrl(options.url).params);
    } catch (err) {
      if (err instanceof PgTlsConfigError) throw new ConfigError([`connection.url: ${err.message}`]);
      throw err;
    }
    this.poolConfig = pgClientConfig(options, this.tls);
    this.pool = PgService.newPool(this.poolConfig);
  }

  private static newPool(config: pg.PoolConfig): pg.Pool {
    const pool = new pg.Pool(config);
    // An idle client losing its connection must not crash the process; the
    // next query reconnects.
    pool.on('error', () => {});
    return pool;
  }

  /** sslmode=allow / prefer: the server refused the first way, so from now on connect the other way (libpq's fallback, decided once). */
  private fallBack(err: unknown): boolean {
    if (this.fellBack || this.tls.fallback === undefined || !refusedForFallback(this.tls.mode, err)) return false;
    this.fellBack = true;
    const old = this.pool;
    this.pool = PgService.newPool({ ...this.poolConfig, ssl: this.tls.fallback });
    void old.end().catch(() => {});
    return true;
  }

  /** classifyPgError, but a TLS failure (untrusted certificate, refused client certificate) stops with the URL parameters to check. */
  private classify(err: unknown, what: string): SluiceError {
    const tls = explainPgTlsFailure(err, this.tls);
    return tls ? new SluiceError(`${what}: ${tls}`, { cause: err }) : classifyPgError(err, what);
  }

  /** The table's columns and unique keys; undefined when it does not exist. */
  /** Whether a schema of this exact name exists in the connected database. */
  async schemaExists(schema: string): Promise<boolean> {
    const r = await this.run<{ n: number }>(this.pool, 'SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [schema], `reading schema "${schema}"`);
    return r.rows[0]!.n > 0;
  }

  async describeTable(t: TableName, on: Queryable = this.pool): Promise<TableDescription | undefined> {
    const name = qualifiedName(t);
    const what = `reading the columns of ${name}`;
    const reg = await this.run<{ oid: number | null }>(on, 'SELECT to_regclass($1)::oid::int AS oid', [name], what);
    const oid = reg.rows[0]?.oid;
    if (oid == null) return undefined;
    const cols = await this.run<{
      attname: string; atttypid: number; typname: string; typelem: number; atttypmod: number; sqltype: string;
      attnotnull: boolean; generated: boolean; hasdef: boolean; pk: boolean;
    }>(
      on,
      `SELECT a.attname, a.atttypid::int AS atttypid, t.typname, t.typelem::int AS typelem, a.atttypmod,
              format_type(a.atttypid, a.atttypmod) AS sqltype, a.attnotnull, a.atthasdef AS hasdef,
              (a.attidentity <> '' OR a.attgenerated <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)) AS generated,
              COALESCE(a.attnum = ANY (COALESCE((SELECT i.indkey::int2[] FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary), '{}')), false) AS pk
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [oid],
      what,
    );
    const keys = await this.run<{ cols: string[] }>(
      on,
      `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols
         FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = $1::oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indimmediate
        GROUP BY i.indexrelid`,
      [oid],
      what,
    );
    return {
      columns: cols.rows.map((r) => ({
        name: r.attname, typeOid: r.atttypid, typeName: r.typname, elemOid: r.typelem, typmod: r.atttypmod, sqlType: r.sqltype,
        notNull: r.attnotnull, generated: r.generated, hasDefault: r.hasdef, pk: r.pk,
      })),
      uniqueKeys: keys.rows.map((r) => r.cols),
    };
  }

  private async run<R extends pg.QueryResultRow>(on: Queryable, sql: string, params: unknown[], what: string): Promise<pg.QueryResult<R>> {
    try {
      return await on.query<R>(sql, params);
    } catch (err) {
      if (on === this.pool && this.fallBack(err)) return this.run<R>(this.pool, sql, params, what);
      throw this.classify(err, what);
    }
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[], what: string): Promise<pg.QueryResult<R>> {
    return this.run<R>(this.pool, sql, params, what);
  }

  /** Runs fn inside BEGIN … COMMIT on one connection; rolls back on failure. */
  async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>, onCommitted?: (client: pg.PoolClient) => void): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect().catch((err: unknown) => {
        if (this.fallBack(err)) return this.pool.connect();
        throw err;
      });
    } catch (err) {
      throw this.classify(err, `${what}: connecting`);
    }
    let broken = false;
    // A checked-out client has no error listener of its own: a server shutdown
    // between two statements would otherwise crash the process. The next
    // statement fails instead, and the transaction is retried.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      onCommitted?.(client);
      return out;
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => {});
      throw this.classify(err, what);
    } finally {
      // A connection that saw an error is not reused: it may be half-broken
      // (and its temporary tables are in an unknown state).
      if (!broken) client.removeListener('error', onError);
      client.release(broken ? true : undefined);
    }
  }

  /**
   * DDL for one table, serialised across every Sluice instance by a
   * transaction-scoped advisory lock keyed by the table's name, so two
   * instances creating or altering the same table both succeed: the second
   * re-reads the catalog under the lock and finds the work done.
   */
  async withDdlLock<T>(lockName: string, what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(what, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`sluice:ddl:${lockName}`]);
      return fn(client);
    });
  }

  /** COPY … FROM STDIN (FORMAT binary) of pre-encoded tuple chunks. */
  async copyBinary(client: pg.PoolClient, table: string, columns: readonly string[], chunks: readonly Uint8Array[]): Promise<number> {
    const sql = `COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT binary)`;
    const stream = client.query(copyFrom(sql));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    stream.write(PGCOPY_HEADER);
    for (const c of chunks) {
      if (!stream.write(c)) await Promise.race([new Promise<void>((r) => stream.once('drain', r)), done]);
    }
    stream.end(PGCOPY_TRAILER);
    await done;
    return Number((stream as unknown as { rowCount?: number }).rowCount ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
