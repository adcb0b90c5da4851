// An Avro record appended to Arrow columns straight from its bytes: the S3
// Parquet encoder's add() is given an AvroRow as the record's value, and the
// record builder (columns.ts StructBuilder, OWN_ROW) lets the row append its
// fields itself. Fields are read by workers/decode/avro-fields.ts: each child
// builder gets the very value the decoder would have put in the record object
// (a number, a boolean, a symbol, a view of the bytes, avsc's value for any
// other type), so it writes the same data and refuses the same values; a
// string goes in as its UTF-8 bytes, which is what the builder writes for it.
// Only the JS object of the record and its strings are never made.
import { AvroFieldReader, avroRecordType, R_BOOL, R_BYTES, R_DOUBLE, R_ENUM, R_FIXED, R_FLOAT, R_STRING, R_VARINT } from '../../workers/decode/avro-fields.js';
import type { RecordSchema } from '../../workers/schema.js';
import { OWN_ROW, utf8Target, type Builder, type OwnRow } from './columns.js';

export class AvroRow implements OwnRow {
  private bytes: Uint8Array = new Uint8Array(0);
  private readonly symbols: (readonly string[] | undefined)[];

  private constructor(private readonly reader: AvroFieldReader) {
    this.symbols = Array.from(reader.reads, (read, i) => (read === R_ENUM ? reader.symbols(i) : undefined));
  }

  /** The row of an Avro record schema; null when the schema is not one (no Avro writer schema, not a record). */
  static of(schema: RecordSchema): AvroRow | null {
    const type = avroRecordType(schema);
    return type ? new AvroRow(new AvroFieldReader(type)) : null;
  }

  /** Reads a Confluent-framed value; false when the decoder must take it (it then says what is wrong). */
  read(bytes: Uint8Array): boolean {
    this.bytes = bytes;
    return this.reader.read(bytes);
  }

  [OWN_ROW](children: readonly Builder[]): void {
    const r = this.reader;
    const b = this.bytes;
    const { reads, nums, starts, ends, nulls } = r;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      if (nulls[i] === 1) {
        c.append(null);
        continue;
      }
      switch (reads[i]) {
        case R_VARINT:
        case R_FLOAT:
        case R_DOUBLE:
          c.append(nums[i]);
          break;
        case R_BOOL:
          c.append(nums[i] !== 0);
          break;
        case R_STRING: {
          const u = utf8Target(c);
          if (u) u.appendUtf8(b, starts[i]!, ends[i]!);
          else c.append(Buffer.from(b.buffer, b.byteOffset + starts[i]!, ends[i]! - starts[i]!).toString('utf8'));
          break;
        }
        case R_ENUM:
          c.append(this.symbols[i]![nums[i]!]);
          break;
        case R_BYTES:
        case R_FIXED:
          c.append(b.subarray(starts[i]!, ends[i]!));
          break;
        default:
          c.append(r.values[i]);
      }
    }
  }
}
