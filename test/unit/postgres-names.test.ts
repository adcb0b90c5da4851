import { describe, expect, it } from 'vitest';
import { qualifiedName, quoteIdent, splitTableFormat, tableNameFor } from '../../src/sinks/postgres/names.js';

describe('identifier quoting', () => {
  it('always double-quotes and doubles embedded quotes', () => {
    expect(quoteIdent('orders')).toBe('"orders"');
    expect(quoteIdent('Orders')).toBe('"Orders"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('"')).toBe('""""');
    expect(quoteIdent('x"; DROP TABLE y; --')).toBe('"x""; DROP TABLE y; --"');
    expect(quoteIdent('with space.and.dots')).toBe('"with space.and.dots"');
  });

  it('refuses a NUL character, which no identifier can hold', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });

  it('qualifies with a schema when there is one', () => {
    expect(qualifiedName({ table: 't' })).toBe('"t"');
    expect(qualifiedName({ schema: 's"x', table: 't' })).toBe('"s""x"."t"');
  });
});

// tableNameFor names Sluice's own table (pg.offsets.table); record tables are named as the connector class names them (postgres-table-names.test.ts).
describe('pg.offsets.table', () => {
  it('substitutes ${topic}, every occurrence', () => {
    expect(tableNameFor('${topic}', 'orders')).toEqual({ table: 'orders' });
    expect(tableNameFor('kafka_${topic}_${topic}', 'o')).toEqual({ table: 'kafka_o_o' });
  });

  it('splits schema and table at the first unquoted dot of the format', () => {
    expect(tableNameFor('sales.${topic}', 'orders')).toEqual({ schema: 'sales', table: 'orders' });
    expect(tableNameFor('sluice.offsets', '')).toEqual({ schema: 'sluice', table: 'offsets' });
  });

  it('a part wholly in double quotes is a quoted identifier; anything else is literal', () => {
    expect(splitTableFormat('"My Schema"."T.${topic}"')).toEqual({ schema: 'My Schema', table: 'T.${topic}' });
    expect(splitTableFormat('"a""b".t')).toEqual({ schema: 'a"b', table: 't' });
    expect(splitTableFormat('weird"; DROP TABLE x; --${topic}')).toEqual({ table: 'weird"; DROP TABLE x; --${topic}' });
    expect(qualifiedName(tableNameFor('weird"; DROP TABLE x; --${topic}', 't1'))).toBe('"weird""; DROP TABLE x; --t1"');
  });

  it('a $ sequence in a topic is taken literally', () => {
    expect(tableNameFor('${topic}', "$&$'")).toEqual({ table: "$&$'" });
  });
});
