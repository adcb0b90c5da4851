// The S3 sink's worker encoder: the plan's format picks the Parquet (Arrow
// columns) or the record (JSON lines, Avro binary) encoder. Each keeps its
// buffers between batches, so both are made once per worker thread, when
// first needed.
import type { Decoded } from '../../workers/decode/decoders.js';
import type { RecordSchema } from '../../workers/schema.js';
import type { EncoderOutput, RecordContext, WorkerEncoder } from '../../workers/encoder.js';
import { S3ParquetEncoder, type S3Plan } from './encoding.js';
import { S3RecordEncoder } from './record-encoding.js';

export class S3FormatEncoder implements WorkerEncoder<S3Plan> {
  private parquet?: S3ParquetEncoder;
  private records?: S3RecordEncoder;
  private current!: WorkerEncoder<S3Plan>;

  private pick(plan: S3Plan): WorkerEncoder<S3Plan> {
    // schema.compatibility: Avro rows for every format, projected when the file is written.
    if ((!plan.format || plan.format === 'parquet') && !plan.compatibility) return (this.parquet ??= new S3ParquetEncoder());
    return (this.records ??= new S3RecordEncoder());
  }

  needsKeys(plan: S3Plan): boolean {
    return this.pick(plan).needsKeys(plan);
  }

  begin(plan: S3Plan, topic: string, partition: number): void {
    this.current = this.pick(plan);
    this.current.begin(plan, topic, partition);
  }

  add(value: Decoded, key: Decoded | undefined, ctx: RecordContext): void {
    this.current.add(value, key, ctx);
  }

  tombstone(key: Decoded | undefined, ctx: RecordContext): void {
    this.current.tombstone(key, ctx);
  }

  discardCurrent(): void {
    this.current.discardCurrent();
  }

  finish(): EncoderOutput {
    return this.current.finish();
  }

  addAvro(bytes: Uint8Array, schema: RecordSchema, key: Decoded | undefined, ctx: RecordContext): boolean {
    // Parquet columns only: the record formats write the decoded record.
    return this.current === this.parquet && this.parquet.addAvro(bytes, schema, key, ctx);
  }
}
