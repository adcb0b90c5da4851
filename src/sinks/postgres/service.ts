// Talking to PostgreSQL: the connection pool, COPY, catalog look-ups, and the
// classification of errors into retry / reconnect / stop.
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConnectionLostError, RetriableError, SinkSchemaError, SluiceError } from '../../errors.js';

export interface PgConnectionOptions {
  url: string;
  user?: string;
  password?: string;
  poolSize: number;
  statementTimeoutMs: number;
  timezone: string;
  applicationName: string;
}

/** jdbc:postgresql://host:port/db?user=..&password=.. → pg client config. */
export function pgClientConfig(o: PgConnectionOptions): pg.PoolConfig {
  const url = new URL(o.url.replace(/^jdbc:/, '').replace(/^postgresql:/, 'postgres:'));
  const params = url.searchParams;
  const cfg: pg.PoolConfig = {
    host: decodeURIComponent(url.hostname || '127.0.0.1'),
    port: url.port ? Number(url.port) : 5432,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
    user: o.user ?? params.get('user') ?? (url.username ? decodeURIComponent(url.username) : undefined),
    password: o.password ?? params.get('password') ?? (url.password ? decodeURIComponent(url.password) : undefined),
    max: o.poolSize,
    application_name: o.applicationName,
    connectionTimeoutMillis: 15_000,
    idleTimeoutMillis: 60_000,
    keepAlive: true,
  };
  const ssl = params.get('sslmode') ?? params.get('ssl');
  if (ssl && ssl !== 'disable' && ssl !== 'false') cfg.ssl = ssl === 'verify-full' ? true : { rejectUnauthorized: false };
  if (o.statementTimeoutMs > 0) cfg.statement_timeout = o.statementTimeoutMs;
  cfg.options = `-c TimeZone=${o.timezone}`;
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
  if (NETWORK_CODES.has(code) || /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(e.message ?? '')) {
    return new ConnectionLostError(msg, { cause: err });
  }
  if (code.startsWith('08') || code.startsWith('57P')) return new ConnectionLostError(msg, { cause: err });
  if (RETRIABLE_SQLSTATES.has(code) || RETRIABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c))) return new RetriableError(msg, { cause: err });
  if (code === '42P01' || code === '42703' || code === '42804') return new SinkSchemaError(msg, { cause: err });
  return new SluiceError(msg, { cause: err });
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface TableName {
  schema?: string;
  table: string;
}

/** "schema.table" or "table"; a name with quotes keeps dots inside the quotes. */
export function parseTableName(name: string): TableName {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '"') {
      if (quoted && name[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === '.' && !quoted && parts.length === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { table: parts[0]! };
}

export function qualifiedName(t: TableName): string {
  return t.schema ? `${quoteIdent(t.schema)}.${quoteIdent(t.table)}` : quoteIdent(t.table);
}

export interface CatalogColumn {
  name: string;
  typeOid: number;
  typeName: string;
  elemOid: number;
  notNull: boolean;
  generated: boolean;
}

export const PGCOPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, // PGCOPY\n\377\r\n\0
  0, 0, 0, 0, // flags
  0, 0, 0, 0, // header extension length
]);
export const PGCOPY_TRAILER = Buffer.from([0xff, 0xff]);

export class PgService {
  readonly pool: pg.Pool;

  constructor(readonly options: PgConnectionOptions) {
    this.pool = new pg.Pool(pgClientConfig(options));
    // An idle client losing its connection must not crash the process; the
    // next query reconnects.
    this.pool.on('error', () => {});
  }

  async columns(t: TableName): Promise<CatalogColumn[] | undefined> {
    const res = await this.query<{ attname: string; atttypid: number; typname: string; typelem: number; attnotnull: boolean; generated: boolean }>(
      `SELECT a.attname, a.atttypid::int AS atttypid, t.typname, t.typelem::int AS typelem, a.attnotnull,
              (a.attidentity <> '' OR a.attgenerated <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)) AS generated
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [qualifiedName(t)],
      `reading the columns of ${qualifiedName(t)}`,
    );
    if (res.rows.length === 0) {
      const exists = await this.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [qualifiedName(t)], 'looking up a table');
      if (exists.rows[0]?.r == null) return undefined;
    }
    return res.rows.map((r) => ({ name: r.attname, typeOid: r.atttypid, typeName: r.typname, elemOid: r.typelem, notNull: r.attnotnull, generated: r.generated }));
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[], what: string): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw classifyPgError(err, what);
    }
  }

  /** Runs fn inside BEGIN … COMMIT on one connection; rolls back on failure. */
  async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw classifyPgError(err, `${what}: connecting`);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => {});
      throw classifyPgError(err, what);
    } finally {
      // A connection that saw an error is not reused: it may be half-broken.
      client.release(broken ? true : undefined);
    }
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
      if (!stream.write(c)) await new Promise<void>((r) => stream.once('drain', r));
    }
    stream.end(PGCOPY_TRAILER);
    await done;
    return Number((stream as unknown as { rowCount?: number }).rowCount ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}
