import { describe, expect, it } from 'vitest';
import { BatchReader, BatchWriter, bufferBytes, HEADER_BYTES } from '../../src/core/batch-layout.js';

describe('SharedArrayBuffer batch layout', () => {
  it('round-trips keys, values, nulls, headers, offsets and timestamps without copying on read', () => {
    const sab = new SharedArrayBuffer(bufferBytes(4, 1024));
    const w = new BatchWriter(sab, 4, 7);
    expect(w.tryAppend({ key: Buffer.from('k1'), value: Buffer.from('v1'), offset: 10, timestamp: 1000 })).toBe(true);
    expect(w.tryAppend({ key: null, value: null, offset: 12, timestamp: 1001 })).toBe(true); // tombstone, gap in offsets
    expect(w.tryAppend({ key: 'str-key', value: Buffer.alloc(0), offset: 13, headers: [{ a: Buffer.from('1') }, { b: null }, { 'ü': 'x' }] })).toBe(true);
    w.seal();
    const r = new BatchReader(sab);
    expect(r.count).toBe(3);
    expect(r.partition).toBe(7);
    expect([r.offset(0), r.offset(1), r.offset(2)]).toEqual([10, 12, 13]);
    expect([r.timestamp(0), r.timestamp(1), r.timestamp(2)]).toEqual([1000, 1001, -1]);
    expect(Buffer.from(r.key(0)!).toString()).toBe('k1');
    expect(Buffer.from(r.value(0)!).toString()).toBe('v1');
    expect(r.key(1)).toBeNull();
    expect(r.value(1)).toBeNull();
    expect(Buffer.from(r.key(2)!).toString()).toBe('str-key');
    expect(r.value(2)!.length).toBe(0);
    expect(r.headers(2).map((h) => [h.name, h.value === null ? null : Buffer.from(h.value).toString()])).toEqual([['a', '1'], ['b', null], ['ü', 'x']]);
    expect(r.value(0)!.buffer).toBe(sab); // a view, not a copy
  });

  it('refuses a record that does not fit and one past the record capacity', () => {
    const sab = new SharedArrayBuffer(bufferBytes(2, 16));
    const w = new BatchWriter(sab, 2, 0);
    expect(w.tryAppend({ value: Buffer.alloc(17), offset: 0 })).toBe(false);
    expect(w.tryAppend({ value: Buffer.alloc(8), offset: 0 })).toBe(true);
    expect(w.tryAppend({ value: Buffer.alloc(8), offset: 1 })).toBe(true);
    expect(w.tryAppend({ value: Buffer.alloc(0), offset: 2 })).toBe(false);
    expect(w.dataBytes).toBe(16);
    expect(HEADER_BYTES % 8).toBe(0);
  });

  it('rejects a buffer that is not a batch', () => {
    expect(() => new BatchReader(new SharedArrayBuffer(1024))).toThrow(/bad magic/);
  });
});
