import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/workers/byte-writer.js';
import { decimalString, writeNumeric } from '../../src/sinks/postgres/values.js';

function numericWords(s: string): number[] {
  const w = new ByteWriter(64);
  writeNumeric(w, s);
  const out: number[] = [];
  for (let i = 0; i < w.pos; i += 2) out.push(w.view.getInt16(i));
  return out;
}

describe('PostgreSQL binary numeric', () => {
  it('encodes base-10000 digits, weight, sign and scale like numeric_send', () => {
    // ndigits, weight, sign, dscale, digits...
    expect(numericWords('0')).toEqual([0, 0, 0, 0]);
    expect(numericWords('1')).toEqual([1, 0, 0, 0, 1]);
    expect(numericWords('12345.678')).toEqual([3, 1, 0, 3, 1, 2345, 6780]);
    expect(numericWords('-0.0001')).toEqual([1, -1, 0x4000, 4, 1]);
    expect(numericWords('10000')).toEqual([1, 1, 0, 0, 1]);
    expect(numericWords('123.40')).toEqual([2, 0, 0, 2, 123, 4000]);
  });

  it('reads decimals in every form they arrive in', () => {
    const dec = { kind: 'decimal', precision: 12, scale: 2 } as const;
    expect(decimalString(Buffer.from([0x30, 0x39]), dec, 'c')).toBe('123.45'); // Avro bytes, unscaled 12345
    expect(decimalString(Buffer.from([0xcf, 0xc7]), dec, 'c')).toBe('-123.45');
    expect(decimalString(Buffer.from([0x30, 0x39]).toString('base64'), dec, 'c')).toBe('123.45'); // Connect JSON base64
    expect(decimalString('123.45', dec, 'c')).toBe('123.45');
    expect(decimalString(1e21, { kind: 'any' }, 'c')).toBe('1000000000000000000000');
    expect(decimalString(1.5e-7, { kind: 'any' }, 'c')).toBe('0.00000015');
    expect(() => decimalString('abc', { kind: 'any' }, 'amount')).toThrow('column "amount" (numeric) cannot take string abc');
  });
});

describe('numeric without strings', () => {
  it('writes exactly what the string path writes, for every sign, scale and size it takes', async () => {
    const { writeNumericUnscaled } = await import('../../src/sinks/postgres/values.js');
    const words = (fn: (w: ByteWriter) => void) => {
      const w = new ByteWriter(64);
      fn(w);
      return Array.from({ length: w.pos / 2 }, (_, i) => w.view.getInt16(i * 2));
    };
    const asString = (u: number, scale: number) => {
      const neg = u < 0;
      let s = Math.abs(u).toString();
      if (scale > 0) {
        s = s.padStart(scale + 1, '0');
        s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
      }
      return neg ? `-${s}` : s;
    };
    const samples = [0, 1, -1, 5, 10000, 123456789, -123456789, 100000000, 2 ** 47 - 1, -(2 ** 47), 99990000, 1234];
    let direct = 0;
    for (const scale of [0, 1, 2, 3, 4, 5, 8, 12]) {
      for (const u of samples) {
        let ok = false;
        const fast = words((w) => (ok = writeNumericUnscaled(w, u, scale)));
        if (!ok) {
          expect(fast).toEqual([]); // declined: nothing written, the string path takes it
          expect(Math.abs(u) * 10 ** (Math.ceil(scale / 4) * 4 - scale)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
          continue;
        }
        direct++;
        expect(fast, `${u} scale ${scale}`).toEqual(words((w) => writeNumeric(w, asString(u, scale))));
      }
    }
    expect(direct).toBeGreaterThan(80);
    const w = new ByteWriter(8);
    expect(writeNumericUnscaled(w, 2 ** 52, 1)).toBe(false); // 2^52 × 1000 is past 2^53: the string path takes it
    expect(w.pos).toBe(0);
  });
});

describe('a record that fails before its row is started', () => {
  it('leaves the rows before it intact (discardCurrent rewinds to the failed record, not the previous one)', async () => {
    const { PgEncoder } = await import('../../src/sinks/postgres/encoding.js');
    const { outputTupleOffsets, outputTuples, readOutputHeader } = await import('../../src/sinks/postgres/protocol.js');
    const { tupleStarts } = await import('../../src/sinks/postgres/rejects.js');
    const { OID } = await import('../../src/sinks/postgres/types.js');
    const col = (name: string) => ({ name, typeOid: OID.int8, typeName: 'int8', elemOid: 0, typmod: -1, sqlType: 'bigint', notNull: false, pk: false, source: { from: 'value' as const, field: name } });
    const plan = {
      id: 1, table: '"t"', staged: false, deletes: false, textNul: 'escape' as const, autoEvolve: false, missingTable: false,
      rules: { pkMode: 'none' as const, pkFields: [], exclude: [] }, columns: [col('a')],
    };
    const good = { id: 'connect:good', fields: [{ name: 'a', type: { kind: 'int64' as const }, optional: false }] };
    const extra = { id: 'connect:extra', fields: [...good.fields, { name: 'b', type: { kind: 'int64' as const }, optional: false }] };
    const ctx = (offset: number) => ({ topic: 't', partition: 0, offset, timestamp: 0, key: null, keyBytes: null, headers: () => [] });
    const enc = new PgEncoder();
    enc.begin(plan as never, 't', 0);
    enc.add({ value: { a: 1 }, schema: good }, undefined, ctx(10));
    // "table is missing fields b": thrown before the row is written; the worker then calls discardCurrent().
    expect(() => enc.add({ value: { a: 2, b: 3 }, schema: extra }, undefined, ctx(11))).toThrow(/missing fields "b"/);
    enc.discardCurrent();
    enc.add({ value: { a: 4 }, schema: good }, undefined, ctx(12));
    const out = enc.finish();
    const header = readOutputHeader(out.output!);
    expect(header.rows).toBe(2);
    const tuples = outputTuples(out.output!, header);
    const starts = tupleStarts(tuples, 2);
    const view = new DataView(tuples.buffer, tuples.byteOffset, tuples.byteLength);
    expect([view.getBigInt64(starts[0]! + 6), view.getBigInt64(starts[1]! + 6)]).toEqual([1n, 4n]);
    expect(Array.from(outputTupleOffsets(out.output!, header))).toEqual([10, 12]);
  });
});

describe('numeric(p,s) columns', () => {
  it('refuses a value with more decimal places than the column keeps (PostgreSQL would round it), in every form, and takes the rest', async () => {
    const { valueWriter } = await import('../../src/sinks/postgres/values.js');
    const { OID } = await import('../../src/sinks/postgres/types.js');
    const typmod = ((10 << 16) | 2) + 4; // numeric(10,2)
    const dec4 = { kind: 'decimal', precision: 10, scale: 4 } as const;
    const write = (ft: Parameters<typeof valueWriter>[2], v: unknown, mod = typmod) => {
      const w = new ByteWriter(64);
      valueWriter(OID.numeric, 0, ft, 'fail', 'amount', mod)(w, v);
      return Array.from({ length: w.pos / 2 }, (_, i) => w.view.getInt16(i * 2));
    };
    const unscaled = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return new Uint8Array(b); };
    // Avro decimal(10,4) 1.2345 (fast path), as a string, a number, the Connect base64 form.
    expect(() => write(dec4, unscaled(12345))).toThrow('column "amount" (numeric(10,2)) cannot take 4 bytes: 1.2345 has 4 significant decimal places and the column keeps 2 (PostgreSQL would round it)');
    expect(() => write({ kind: 'any' }, '1.235')).toThrow('1.235 has 3 significant decimal places');
    expect(() => write({ kind: 'float64' }, 0.125)).toThrow('0.125 has 3 significant decimal places');
    expect(() => write(dec4, Buffer.from(unscaled(-5)).toString('base64'))).toThrow('-0.0005 has 4 significant decimal places');
    // Trailing zeros lose nothing: 1.2300 at scale 4 is 1.23, written as numeric(…,2) would write it.
    expect(write(dec4, unscaled(12300))).toEqual([2, 0, 0, 4, 1, 2300]);
    expect(() => write({ kind: 'any' }, '1.20')).not.toThrow();
    expect(() => write({ kind: 'any' }, 7)).not.toThrow();
    // More integer digits than numeric(10,2) has room for (8): refused with the reason, fast path or not.
    expect(() => write({ kind: 'decimal', precision: 12, scale: 2 }, unscaled(1234567890))).not.toThrow();
    expect(() => write({ kind: 'decimal', precision: 12, scale: 0 }, unscaled(123456789))).toThrow('123456789 has 9 digits before the point and the column has room for 8');
    expect(() => write({ kind: 'any' }, '-0123456789.5')).toThrow('-0123456789.5 has 9 digits before the point');
    expect(() => write({ kind: 'any' }, '-0.5')).not.toThrow();
    // An unconstrained numeric keeps everything; numeric[] columns check each element.
    expect(() => write(dec4, unscaled(12345), -1)).not.toThrow();
    const w = new ByteWriter(128);
    expect(() => valueWriter(1231 /* numeric[] */, OID.numeric, { kind: 'array', items: { kind: 'any' }, itemsOptional: true }, 'fail', 'xs', typmod)(w, ['1.5', '2.125'])).toThrow('2.125 has 3 significant decimal places');
  });

  it("PostgreSQL 15's negative scale and scale above precision: a value the column would round or cannot hold is refused", async () => {
    const { valueWriter } = await import('../../src/sinks/postgres/values.js');
    const { OID, numericTypmod } = await import('../../src/sinks/postgres/types.js');
    // make_numeric_typmod: the scale in 11 bits, signed.
    const mod = (p: number, s: number) => ((p << 16) | (s & 0x7ff)) + 4;
    expect(numericTypmod(mod(38, -1))).toEqual({ precision: 38, scale: -1 });
    expect(numericTypmod(mod(3, 5))).toEqual({ precision: 3, scale: 5 });
    expect(numericTypmod(mod(10, 2))).toEqual({ precision: 10, scale: 2 });
    expect(numericTypmod(-1)).toBeUndefined();
    const write = (ft: Parameters<typeof valueWriter>[2], v: unknown, m: number) => valueWriter(OID.numeric, 0, ft, 'fail', 'n', m)(new ByteWriter(64), v);
    const whole = { kind: 'decimal', precision: 38, scale: 0 } as const;
    const unscaled = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return new Uint8Array(b); };
    // numeric(38,-1) (Debezium's sink makes it on PostgreSQL 15) would store 42 as 40.
    expect(() => write(whole, unscaled(42), mod(38, -1))).toThrow('column "n" (numeric(38,-1)) cannot take 4 bytes: 42 is not a multiple of 10 and the column keeps scale -1 (PostgreSQL would round it)');
    expect(() => write({ kind: 'any' }, '4.5', mod(38, -1))).toThrow('4.5 has 1 significant decimal places');
    expect(() => write(whole, unscaled(-12300), mod(38, -2))).not.toThrow();
    expect(() => write(whole, unscaled(0), mod(38, -2))).not.toThrow();
    expect(() => write({ kind: 'variable-decimal' }, { scale: 0, value: Buffer.from([42]).toString('base64') }, mod(38, -1))).toThrow('42 is not a multiple of 10');
    // numeric(3,5) holds 0.00000 .. 0.00999.
    expect(() => write({ kind: 'any' }, '0.00123', mod(3, 5))).not.toThrow();
    expect(() => write({ kind: 'any' }, '0.0123', mod(3, 5))).toThrow('0.0123 is not below 1e-2, the largest the column holds');
    expect(() => write({ kind: 'any' }, '1.001', mod(3, 5))).toThrow('1.001 has 1 digits before the point and the column has room for 0');
  });
});

describe('maps into JSON columns', () => {
  it('a Connect map with non-string keys ([key, value] pairs) becomes an object keyed by the key text, values per their type', async () => {
    const { normalizeForJson } = await import('../../src/sinks/postgres/values.js');
    const ft = { kind: 'map', values: { kind: 'string' } } as const;
    expect(normalizeForJson([[1, 'a'], [2, 'b']], ft)).toEqual({ 1: 'a', 2: 'b' });
    expect(normalizeForJson({ x: 'a' }, ft)).toEqual({ x: 'a' });
    expect(normalizeForJson([[{ id: 1 }, 'a']], ft)).toEqual({ '{"id":1}': 'a' });
    const dec = { kind: 'map', values: { kind: 'decimal', precision: 5, scale: 2 } } as const;
    expect(normalizeForJson([[7, 'MDk=']], dec)).toEqual({ 7: '123.45' });
    expect(() => normalizeForJson([[1, 'a', 'extra']], ft)).toThrow('a map given as an array must hold [key, value] pairs');
  });
});
