import { describe, expect, it } from 'vitest';
import { ConnectionLostError, RetriableError, SinkSchemaError, SluiceError } from '../../src/errors.js';
import { classifyPgError, pgClientConfig } from '../../src/sinks/postgres/service.js';

const pgErr = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('PostgreSQL error classes', () => {
  it('connection loss and server shutdown reconnect and retry', () => {
    for (const code of ['08006', '08003', '08001', '57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET']) {
      expect(classifyPgError(pgErr(code), 'w'), code).toBeInstanceOf(ConnectionLostError);
    }
    expect(classifyPgError(new Error('Connection terminated unexpectedly'), 'w')).toBeInstanceOf(ConnectionLostError);
  });

  it('transient conflicts and resource limits retry', () => {
    for (const code of ['40001', '40P01', '55P03', '57014', '53300', '53100']) {
      const e = classifyPgError(pgErr(code), 'w');
      expect(e, code).toBeInstanceOf(RetriableError);
      expect(e.retriable).toBe(true);
    }
  });

  it('bytes that do not fit the columns, missing tables and columns stop with a schema error', () => {
    for (const code of ['08P01', '22P03', '42P01', '42703', '42804', '3F000']) {
      const e = classifyPgError(pgErr(code), 'w');
      expect(e, code).toBeInstanceOf(SinkSchemaError);
      expect(e.retriable).toBe(false);
    }
  });

  it('anything else stops, with what was being done and the SQLSTATE', () => {
    const e = classifyPgError(Object.assign(pgErr('23505', 'duplicate key value violates unique constraint "t_pkey"'), { detail: 'Key (id)=(1) already exists.' }), 'writing 3 rows to "t"');
    expect(e).toBeInstanceOf(SluiceError);
    expect(e.retriable).toBe(false);
    expect(e.message).toBe('writing 3 rows to "t": duplicate key value violates unique constraint "t_pkey" (SQLSTATE 23505) – Key (id)=(1) already exists.');
  });
});

describe('connection settings', () => {
  it('JDBC URLs, statement timeout, time zone', () => {
    const c = pgClientConfig({ url: 'jdbc:postgresql://db.example:6543/sales?user=app&password=pw', poolSize: 3, statementTimeoutMs: 5000, timezone: 'UTC', applicationName: 'sluice:x' });
    expect(c).toMatchObject({ host: 'db.example', port: 6543, database: 'sales', user: 'app', password: 'pw', max: 3, statement_timeout: 5000, options: '-c TimeZone=UTC' });
  });
});
