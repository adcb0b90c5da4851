// connection.url parameters as the PostgreSQL JDBC driver reads them:
// currentSchema is the session's search_path (tables are created and found
// there), and user/password in the URL win over connection.user/password.
import { describe, expect, it } from 'vitest';
import { createTopic, produce } from '../helpers/kafka.js';
import { sql } from '../helpers/pg.js';
import { uniqueName } from '../helpers/stack.js';
import { envelope, PG_JDBC, pgConnector, runUntilCommitted, type ConnectField } from './postgres-helpers.js';

const FIELDS: ConnectField[] = [{ field: 'id', type: 'int32', optional: false }, { field: 'name', type: 'string', optional: true }];

describe('JDBC URL parameters', () => {
  it('currentSchema: auto.create makes the table in that schema, and an existing table there is written to', async () => {
    const schema = uniqueName('Staging Area');
    await sql(`CREATE SCHEMA "${schema}"`);
    const created = uniqueName('jdbc_cs_new');
    const existing = uniqueName('jdbc_cs_old');
    await sql(`CREATE TABLE public.${existing} (id integer, name text)`);
    await sql(`CREATE TABLE "${schema}".${existing} (id integer, name text)`);
    for (const t of [created, existing]) {
      await createTopic(t, 1);
      await produce(t, [1, 2].map((id) => ({ value: envelope(FIELDS, { id, name: `n${id}` }) })));
    }
    // The value is a search_path, as pgjdbc sends it: a mixed-case name with a space is quoted, as in SQL.
    const url = `${PG_JDBC}?currentSchema=${encodeURIComponent(`"${schema}"`)}&reWriteBatchedInserts=true`;
    const out = await runUntilCommitted(pgConnector(`${created},${existing}`, { 'connection.url': url, 'auto.create': 'true' }), [created, existing]);
    expect(out).toContain('connection.url: parameter reWriteBatchedInserts accepted, no effect');
    expect(await sql(`SELECT id, name FROM "${schema}".${created} ORDER BY id`)).toEqual([{ id: 1, name: 'n1' }, { id: 2, name: 'n2' }]);
    expect(await sql(`SELECT to_regclass('public.${created}') AS t`)).toEqual([{ t: null }]);
    expect(await sql(`SELECT id, name FROM "${schema}".${existing} ORDER BY id`)).toEqual([{ id: 1, name: 'n1' }, { id: 2, name: 'n2' }]);
    expect(await sql(`SELECT count(*)::int AS n FROM public.${existing}`)).toEqual([{ n: 0 }]);
  });

  it('user and password in the URL win over connection.user and connection.password, and never show', async () => {
    const topic = uniqueName('jdbc_user');
    await createTopic(topic, 1);
    await sql(`CREATE TABLE ${topic} (id integer, name text)`);
    await produce(topic, [{ value: envelope(FIELDS, { id: 7, name: 'x' }) }]);
    const out = await runUntilCommitted(pgConnector(topic, {
      'connection.url': `${PG_JDBC}?user=postgres&password=url-secret-991`, 'connection.user': 'no_such_role', 'connection.password': 'other-pw',
    }), [topic]);
    expect(await sql(`SELECT id, name FROM ${topic}`)).toEqual([{ id: 7, name: 'x' }]);
    expect(out).not.toContain('url-secret-991');
  });

  it('options=-c search_path=…: rows go to that schema as in Kafka Connect (the server applies the options); currentSchema still wins', async () => {
    const schema = uniqueName('app');
    const other = uniqueName('other');
    for (const sc of [schema, other]) await sql(`CREATE SCHEMA ${sc}`);
    const viaOptions = uniqueName('jdbc_opt');
    const viaBoth = uniqueName('jdbc_opt_cs');
    for (const t of [viaOptions, viaBoth]) {
      await createTopic(t, 1);
      await produce(t, [1, 2].map((id) => ({ value: envelope(FIELDS, { id, name: `n${id}` }) })));
    }
    const options = encodeURIComponent(`-c search_path=${schema}`);
    const out = await runUntilCommitted(pgConnector(viaOptions, { 'connection.url': `${PG_JDBC}?options=${options}`, 'auto.create': 'true' }), [viaOptions]);
    expect(out).not.toContain('parameter options accepted, no effect');
    expect(await sql(`SELECT id, name FROM ${schema}.${viaOptions} ORDER BY id`)).toEqual([{ id: 1, name: 'n1' }, { id: 2, name: 'n2' }]);
    expect(await sql(`SELECT to_regclass('public.${viaOptions}') AS t`)).toEqual([{ t: null }]);
    await runUntilCommitted(pgConnector(viaBoth, { 'connection.url': `${PG_JDBC}?options=${options}&currentSchema=${other}`, 'auto.create': 'true' }), [viaBoth]);
    expect(await sql(`SELECT count(*)::int AS n FROM ${other}.${viaBoth}`)).toEqual([{ n: 2 }]);
  });
});
