// The native addon's batch append (native/src/batch.c, the code consume() uses)
// against the JS layout: read back with BatchReader, and byte for byte against
// BatchWriter. Needs the addon built (npm run build:native); fails without it.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchReader, BatchWriter, bufferBytes, HDR_DATA_END, HDR_DATA_START, HDR_RECORD_COUNT, HEADER_INTS, indexBytes, HEADER_BYTES,
} from '../../src/core/batch-layout.js';
import { loadNativeAddon, type NativeAddon, type NativeTestRecord } from '../../src/source/native-addon.js';

let addon: NativeAddon;
beforeAll(() => {
  const loaded = loadNativeAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  addon = loaded.addon;
});

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
const str = (u: Uint8Array | null): string | null => (u === null ? null : Buffer.from(u).toString());

function batch(cap: number, dataBytes: number, partition = 3): { sab: SharedArrayBuffer; view: Uint8Array; w: BatchWriter } {
  const sab = new SharedArrayBuffer(bufferBytes(cap, dataBytes));
  const w = new BatchWriter(sab, cap, partition);
  return { sab, view: new Uint8Array(sab), w };
}

function header(sab: SharedArrayBuffer): Int32Array {
  return new Int32Array(sab, 0, HEADER_INTS);
}

/** The same record for BatchWriter (headers as one-key objects, so repeated names stay). */
function asSource(r: NativeTestRecord) {
  return {
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    offset: r.offset,
    timestamp: r.timestamp,
    headers: r.headers?.map((h) => ({ [h.name]: h.value === null ? null : Buffer.from(h.value) })),
  };
}

describe('native batch append (writeTestRecords)', () => {
  it('writes nulls, empties, repeated and null headers, big offsets and timestamps as BatchReader reads them', () => {
    const { sab, view } = batch(8, 4096, 5);
    const records: NativeTestRecord[] = [
      { key: b('k1'), value: b('v1'), offset: 0, timestamp: 1_700_000_000_123 },
      { key: null, value: b('no key'), offset: 1, timestamp: -1 },
      { key: b('tomb'), value: null, offset: 2, timestamp: 5 },
      { key: new Uint8Array(0), value: new Uint8Array(0), offset: 3, timestamp: 6 },
      {
        key: null, value: null, offset: 2 ** 40 + 7, timestamp: 2 ** 45,
        headers: [
          { name: 'h', value: b('1') },
          { name: 'h', value: null },
          { name: 'ü', value: new Uint8Array(0) },
          { name: 'h', value: b('3') },
        ],
      },
      { key: b('x'), value: b('y'), offset: 2 ** 53 - 1, timestamp: 0, headers: [] },
    ];
    expect(addon.writeTestRecords(view, records)).toBe(6);
    const hdr = header(sab);
    const dataStart = HEADER_BYTES + indexBytes(8);
    expect(hdr[HDR_DATA_START]).toBe(dataStart);
    expect(hdr[HDR_RECORD_COUNT]).toBe(6);
    // k1 v1 | "no key" | "tomb" | empty, empty | headers: 8 bytes of lengths + name + value each
    // (h=1: 10, h=null: 9, ü='': 8+2, h=3: 10) | x y
    expect(hdr[HDR_DATA_END]).toBe(dataStart + 4 + 6 + 4 + 0 + (10 + 9 + 10 + 10) + 2);

    const r = new BatchReader(sab);
    expect(r.count).toBe(6);
    expect(r.partition).toBe(5);
    expect([0, 1, 2, 3, 4, 5].map((i) => r.offset(i))).toEqual([0, 1, 2, 3, 2 ** 40 + 7, 2 ** 53 - 1]);
    expect([0, 1, 2, 3, 4, 5].map((i) => r.timestamp(i))).toEqual([1_700_000_000_123, -1, 5, 6, 2 ** 45, 0]);
    expect([0, 1, 2, 3, 4, 5].map((i) => str(r.key(i)))).toEqual(['k1', null, 'tomb', '', null, 'x']);
    expect([0, 1, 2, 3, 4, 5].map((i) => str(r.value(i)))).toEqual(['v1', 'no key', null, '', null, 'y']);
    expect([0, 1, 2, 3, 4, 5].map((i) => r.valueLength(i))).toEqual([2, 6, -1, 0, -1, 1]);
    expect(r.headers(4).map((h) => [h.name, str(h.value)])).toEqual([['h', '1'], ['h', null], ['ü', ''], ['h', '3']]);
    expect(r.headers(0)).toEqual([]);
    expect(r.headers(5)).toEqual([]);
    expect(r.value(0)!.buffer).toBe(sab);
  });

  it('produces exactly the bytes BatchWriter produces', () => {
    const records: NativeTestRecord[] = [];
    for (let i = 0; i < 50; i++) {
      records.push({
        key: i % 7 === 0 ? null : b(`key-${i}`),
        value: i % 11 === 0 ? null : i % 13 === 0 ? new Uint8Array(0) : b('v'.repeat(i)),
        offset: 1000 + i * 3,
        timestamp: i % 5 === 0 ? -1 : 1_600_000_000_000 + i,
        headers: i % 3 === 0 ? [{ name: 'a', value: b(String(i)) }, { name: 'a', value: null }, { name: 'trace', value: new Uint8Array(0) }] : undefined,
      });
    }
    const native = batch(64, 8192, 9);
    const js = batch(64, 8192, 9);
    expect(addon.writeTestRecords(native.view, records)).toBe(50);
    for (const r of records) expect(js.w.tryAppend(asSource(r))).toBe(true);
    js.w.seal();
    expect(Buffer.from(native.view).equals(Buffer.from(js.view))).toBe(true);
  });

  it('refuses a record larger than the batch and writes nothing', () => {
    const { sab, view } = batch(4, 16);
    const before = Buffer.from(view);
    expect(addon.writeTestRecords(view, [{ key: b('k'), value: new Uint8Array(16), offset: 0, timestamp: 0 }])).toBe(0);
    expect(Buffer.from(view).equals(before)).toBe(true);
    expect(new BatchReader(sab).count).toBe(0);
    // Headers count with their 8 bytes of lengths: 4 + 8 + 4 = 16 fits, one more byte does not.
    expect(addon.writeTestRecords(view, [{ key: null, value: b('abcd'), offset: 0, timestamp: 0, headers: [{ name: 'abcde', value: null }] }])).toBe(0);
    expect(addon.writeTestRecords(view, [{ key: null, value: b('abc'), offset: 0, timestamp: 0, headers: [{ name: 'abcde', value: null }] }])).toBe(1);
    expect(header(sab)[HDR_DATA_END]).toBe(HEADER_BYTES + indexBytes(4) + 16);
  });

  it('stops exactly at the record capacity', () => {
    const { sab, view } = batch(3, 1024);
    const recs = [0, 1, 2, 3, 4].map((i) => ({ key: null, value: new Uint8Array(0), offset: i, timestamp: i }));
    expect(addon.writeTestRecords(view, recs)).toBe(3);
    expect(addon.writeTestRecords(view, recs.slice(3))).toBe(0);
    const r = new BatchReader(sab);
    expect(r.count).toBe(3);
    expect([r.offset(0), r.offset(1), r.offset(2)]).toEqual([0, 1, 2]);
    expect(header(sab)[HDR_DATA_END]).toBe(HEADER_BYTES + indexBytes(3));
  });

  it('fills the data region to the last byte, and refuses one byte over', () => {
    const exact = batch(10, 100);
    const end = exact.view.length;
    expect(addon.writeTestRecords(exact.view, [
      { key: b('0123456789'), value: new Uint8Array(40).fill(1), offset: 0, timestamp: 0 },
      { key: null, value: new Uint8Array(50).fill(2), offset: 1, timestamp: 0 },
      { key: null, value: new Uint8Array(0), offset: 2, timestamp: 0 }, // 0 bytes still fit a full data region
      { key: null, value: new Uint8Array(1), offset: 3, timestamp: 0 },
    ])).toBe(3);
    expect(header(exact.sab)[HDR_DATA_END]).toBe(end);
    const r = new BatchReader(exact.sab);
    expect(r.count).toBe(3);
    expect(r.value(1)!.every((x) => x === 2)).toBe(true);
    expect(r.value(1)!.length).toBe(50);
    expect(r.valueStart(1) + 50).toBe(end);

    const over = batch(10, 100);
    expect(addon.writeTestRecords(over.view, [
      { key: b('0123456789'), value: new Uint8Array(40), offset: 0, timestamp: 0 },
      { key: null, value: new Uint8Array(51), offset: 1, timestamp: 0 },
    ])).toBe(1);
    expect(header(over.sab)[HDR_DATA_END]).toBe(HEADER_BYTES + indexBytes(10) + 50);
    expect(header(over.sab)[HDR_RECORD_COUNT]).toBe(1);
  });

  it('continues after records a BatchWriter appended and sealed', () => {
    const { sab, view, w } = batch(8, 256, 1);
    expect(w.tryAppend({ key: Buffer.from('js'), value: Buffer.from('first'), offset: 100, timestamp: 1 })).toBe(true);
    expect(w.tryAppend({ key: null, value: null, offset: 101, timestamp: 2 })).toBe(true);
    w.seal();
    expect(addon.writeTestRecords(view, [
      { key: b('c'), value: b('native'), offset: 102, timestamp: 3, headers: [{ name: 'n', value: b('1') }] },
    ])).toBe(1);
    const r = new BatchReader(sab);
    expect(r.count).toBe(3);
    expect([0, 1, 2].map((i) => r.offset(i))).toEqual([100, 101, 102]);
    expect([0, 1, 2].map((i) => str(r.key(i)))).toEqual(['js', null, 'c']);
    expect([0, 1, 2].map((i) => str(r.value(i)))).toEqual(['first', null, 'native']);
    expect(r.headers(2).map((h) => [h.name, str(h.value)])).toEqual([['n', '1']]);
    expect(header(sab)[HDR_DATA_END]).toBe(HEADER_BYTES + indexBytes(8) + 2 + 5 + 1 + 6 + 8 + 1 + 1);
  });

  it('refuses a buffer that is not a batch, and a view that does not start at byte 0', () => {
    expect(() => addon.writeTestRecords(new Uint8Array(new SharedArrayBuffer(1024)), [])).toThrow(/bad magic/);
    const { sab } = batch(2, 16);
    expect(() => addon.writeTestRecords(new Uint8Array(sab, 8), [])).toThrow(/byte 0/);
    const broken = batch(2, 16);
    header(broken.sab)[HDR_DATA_END] = broken.view.length + 1;
    expect(() => addon.writeTestRecords(broken.view, [])).toThrow(/data end out of range/);
  });
});

describe('mapLargeAllocations', () => {
  it('leaves an mmap threshold the user set alone, and otherwise says whether it set one', () => {
    const saved = process.env.MALLOC_MMAP_THRESHOLD_;
    process.env.MALLOC_MMAP_THRESHOLD_ = '1048576';
    try {
      expect(addon.mapLargeAllocations!()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.MALLOC_MMAP_THRESHOLD_;
      else process.env.MALLOC_MMAP_THRESHOLD_ = saved;
    }
    // glibc (not under a sanitizer's allocator) applies it; elsewhere it is a no-op.
    expect(typeof addon.mapLargeAllocations!()).toBe('boolean');
  });
});
