// The binary layout of a partition batch in a SharedArrayBuffer. The main
// thread copies each Kafka message into it once; workers read keys, values
// and headers as views into the same memory, without another copy.
// native-notes/batch-layout.md documents the layout; these constants are the
// single source of it.
//
//   [0, HEADER_BYTES)                       header, Int32 slots (HDR_*)
//   [f64Start, f64Start + cap*F64_PER_REC*8) Float64 per record: offset, timestamp
//   [i32Start, i32Start + cap*I32_PER_REC*4) Int32 per record: key/value/headers start and length
//   [dataStart, capacityBytes)               key, value and header bytes
//
// A length of -1 means null (a null key, or a tombstone's null value).
// Offsets are kept as float64: exact up to 2^53, far beyond any real offset.
// Headers of one record are encoded as repeated
//   u32 nameLength | name (UTF-8) | i32 valueLength (-1 = null) | value

export const BATCH_MAGIC = 0x534c4231; // "SLB1"

export const HDR_MAGIC = 0;
export const HDR_RECORD_COUNT = 1;
export const HDR_RECORD_CAPACITY = 2;
export const HDR_DATA_START = 3;
export const HDR_DATA_END = 4;
export const HDR_PARTITION = 5;
export const HEADER_INTS = 16;
export const HEADER_BYTES = HEADER_INTS * 4;

export const F64_PER_RECORD = 2;
export const F64_OFFSET = 0;
export const F64_TIMESTAMP = 1;

export const I32_PER_RECORD = 6;
export const I32_KEY_START = 0;
export const I32_KEY_LENGTH = 1;
export const I32_VALUE_START = 2;
export const I32_VALUE_LENGTH = 3;
export const I32_HEADERS_START = 4;
export const I32_HEADERS_LENGTH = 5;

export const NULL_LENGTH = -1;

export function indexBytes(recordCapacity: number): number {
  return recordCapacity * (F64_PER_RECORD * 8 + I32_PER_RECORD * 4);
}

export function bufferBytes(recordCapacity: number, dataBytes: number): number {
  return HEADER_BYTES + indexBytes(recordCapacity) + dataBytes;
}

function f64Start(): number {
  return HEADER_BYTES;
}
function i32Start(recordCapacity: number): number {
  return HEADER_BYTES + recordCapacity * F64_PER_RECORD * 8;
}

export interface KafkaHeader {
  readonly name: string;
  readonly value: Uint8Array | null;
}

/** What the main thread needs of a librdkafka message. */
export interface SourceMessage {
  value: Buffer | null;
  key?: Buffer | string | null;
  offset: number;
  timestamp?: number;
  headers?: ReadonlyArray<Record<string, Buffer | string | null | undefined>>;
}

const utf8 = new TextEncoder();

/** Main-thread side: appends messages into a batch buffer. */
export class BatchWriter {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly hdr: Int32Array;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;
  private count = 0;
  private pos: number;

  constructor(buffer: SharedArrayBuffer, recordCapacity: number, partition: number) {
    this.buffer = buffer;
    this.capacity = recordCapacity;
    this.hdr = new Int32Array(buffer, 0, HEADER_INTS);
    this.f64 = new Float64Array(buffer, f64Start(), recordCapacity * F64_PER_RECORD);
    this.i32 = new Int32Array(buffer, i32Start(recordCapacity), recordCapacity * I32_PER_RECORD);
    this.bytes = new Uint8Array(buffer);
    this.pos = HEADER_BYTES + indexBytes(recordCapacity);
    this.hdr[HDR_MAGIC] = BATCH_MAGIC;
    this.hdr[HDR_RECORD_CAPACITY] = recordCapacity;
    this.hdr[HDR_DATA_START] = this.pos;
    this.hdr[HDR_PARTITION] = partition;
    this.hdr[HDR_RECORD_COUNT] = 0;
    this.hdr[HDR_DATA_END] = this.pos;
  }

  get records(): number {
    return this.count;
  }
  get dataBytes(): number {
    return this.pos - this.hdr[HDR_DATA_START]!;
  }

  /**
   * Takes count and data end from the header, where another writer (the native
   * source, on its own thread) published them after appending.
   */
  syncFromHeader(): void {
    this.count = this.hdr[HDR_RECORD_COUNT]!;
    this.pos = this.hdr[HDR_DATA_END]!;
  }

  /** Bytes this message takes in the data region. */
  static sizeOf(msg: SourceMessage): number {
    let n = (msg.value?.length ?? 0) + (msg.key == null ? 0 : typeof msg.key === 'string' ? Buffer.byteLength(msg.key) : msg.key.length);
    if (msg.headers) n += headersSize(msg.headers);
    return n;
  }

  /** Appends when it fits; false when the batch is full (the caller closes it). */
  tryAppend(msg: SourceMessage): boolean {
    if (this.count === this.capacity) return false;
    const bytes = this.bytes;
    const value = msg.value;
    const key = msg.key;
    const valueLength = value === null ? 0 : value.length;
    let keyLength = 0;
    if (key != null) keyLength = typeof key === 'string' ? Buffer.byteLength(key) : key.length;
    const headersLength = msg.headers && msg.headers.length > 0 ? headersSize(msg.headers) : 0;
    if (this.pos + keyLength + valueLength + headersLength > bytes.length) return false;

    const slot = this.count * I32_PER_RECORD;
    const i32 = this.i32;
    let pos = this.pos;
    if (key == null) {
      i32[slot + I32_KEY_START] = pos;
      i32[slot + I32_KEY_LENGTH] = NULL_LENGTH;
    } else {
      i32[slot + I32_KEY_START] = pos;
      i32[slot + I32_KEY_LENGTH] = keyLength;
      if (typeof key === 'string') utf8.encodeInto(key, bytes.subarray(pos, pos + keyLength));
      else bytes.set(key, pos);
      pos += keyLength;
    }
    i32[slot + I32_VALUE_START] = pos;
    if (value === null) {
      i32[slot + I32_VALUE_LENGTH] = NULL_LENGTH;
    } else {
      i32[slot + I32_VALUE_LENGTH] = valueLength;
      bytes.set(value, pos);
      pos += valueLength;
    }
    i32[slot + I32_HEADERS_START] = pos;
    i32[slot + I32_HEADERS_LENGTH] = headersLength;
    if (headersLength > 0) pos = writeHeaders(bytes, pos, msg.headers!);

    const f = this.count * F64_PER_RECORD;
    this.f64[f + F64_OFFSET] = msg.offset;
    this.f64[f + F64_TIMESTAMP] = msg.timestamp ?? -1;
    this.pos = pos;
    this.count++;
    return true;
  }

  /** Publishes count and data end; call once before handing the buffer to a worker. */
  seal(): void {
    this.hdr[HDR_RECORD_COUNT] = this.count;
    this.hdr[HDR_DATA_END] = this.pos;
  }

  firstOffset(): number {
    return this.f64[F64_OFFSET]!;
  }
  lastOffset(): number {
    return this.f64[(this.count - 1) * F64_PER_RECORD + F64_OFFSET]!;
  }
  firstTimestamp(): number {
    return this.f64[F64_TIMESTAMP]!;
  }
}

function headerValueBytes(v: Buffer | string | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function headersSize(headers: ReadonlyArray<Record<string, Buffer | string | null | undefined>>): number {
  let n = 0;
  for (const h of headers) {
    for (const name in h) n += 8 + Buffer.byteLength(name) + headerValueBytes(h[name]);
  }
  return n;
}

function writeHeaders(bytes: Uint8Array, pos: number, headers: ReadonlyArray<Record<string, Buffer | string | null | undefined>>): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (const h of headers) {
    for (const name in h) {
      const nameBytes = utf8.encode(name);
      view.setUint32(pos, nameBytes.length, true);
      bytes.set(nameBytes, pos + 4);
      pos += 4 + nameBytes.length;
      const v = h[name];
      if (v == null) {
        view.setInt32(pos, NULL_LENGTH, true);
        pos += 4;
      } else {
        const vb = typeof v === 'string' ? utf8.encode(v) : v;
        view.setInt32(pos, vb.length, true);
        bytes.set(vb, pos + 4);
        pos += 4 + vb.length;
      }
    }
  }
  return pos;
}

const utf8Decoder = new TextDecoder();

/** Worker side: reads records as views into the shared buffer. */
export class BatchReader {
  readonly count: number;
  readonly partition: number;
  readonly bytes: Uint8Array;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    const hdr = new Int32Array(buffer, 0, HEADER_INTS);
    if (hdr[HDR_MAGIC] !== BATCH_MAGIC) throw new Error('not a Sluice batch buffer (bad magic)');
    const capacity = hdr[HDR_RECORD_CAPACITY]!;
    this.count = hdr[HDR_RECORD_COUNT]!;
    this.partition = hdr[HDR_PARTITION]!;
    this.f64 = new Float64Array(buffer, f64Start(), capacity * F64_PER_RECORD);
    this.i32 = new Int32Array(buffer, i32Start(capacity), capacity * I32_PER_RECORD);
    this.bytes = new Uint8Array(buffer, 0, hdr[HDR_DATA_END]);
  }

  offset(i: number): number {
    return this.f64[i * F64_PER_RECORD + F64_OFFSET]!;
  }
  timestamp(i: number): number {
    return this.f64[i * F64_PER_RECORD + F64_TIMESTAMP]!;
  }
  valueStart(i: number): number {
    return this.i32[i * I32_PER_RECORD + I32_VALUE_START]!;
  }
  /** -1 for a null value (tombstone). */
  valueLength(i: number): number {
    return this.i32[i * I32_PER_RECORD + I32_VALUE_LENGTH]!;
  }
  value(i: number): Uint8Array | null {
    const len = this.valueLength(i);
    if (len === NULL_LENGTH) return null;
    const start = this.valueStart(i);
    return this.bytes.subarray(start, start + len);
  }
  key(i: number): Uint8Array | null {
    const s = i * I32_PER_RECORD;
    const len = this.i32[s + I32_KEY_LENGTH]!;
    if (len === NULL_LENGTH) return null;
    const start = this.i32[s + I32_KEY_START]!;
    return this.bytes.subarray(start, start + len);
  }
  headers(i: number): KafkaHeader[] {
    const s = i * I32_PER_RECORD;
    const len = this.i32[s + I32_HEADERS_LENGTH]!;
    if (len === 0) return [];
    let pos = this.i32[s + I32_HEADERS_START]!;
    const end = pos + len;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset);
    const out: KafkaHeader[] = [];
    while (pos < end) {
      const nameLength = view.getUint32(pos, true);
      const name = utf8Decoder.decode(this.bytes.slice(pos + 4, pos + 4 + nameLength));
      pos += 4 + nameLength;
      const vlen = view.getInt32(pos, true);
      pos += 4;
      if (vlen === NULL_LENGTH) out.push({ name, value: null });
      else {
        out.push({ name, value: this.bytes.subarray(pos, pos + vlen) });
        pos += vlen;
      }
    }
    return out;
  }
}
