// The file sink's worker half: each record's line (lines.ts) appended to one
// buffer, handed to the main thread as the batch's output, written as it is.
import { ByteWriter } from '../../workers/byte-writer.js';
import type { Decoded } from '../../workers/decode/decoders.js';
import type { EncoderOutput, WorkerEncoder } from '../../workers/encoder.js';
import { recordLine } from './lines.js';

const NEWLINE = 0x0a;

export class FileEncoder implements WorkerEncoder<Record<string, never>> {
  private readonly out = new ByteWriter(1 << 16);
  private rows = 0;

  needsKeys(): boolean {
    return false;
  }

  begin(): void {
    this.out.reset();
    this.rows = 0;
  }

  add(value: Decoded): void {
    // The whole line is made before anything is written: a value that fails leaves nothing behind.
    this.line(recordLine(value.value, value.schema));
  }

  /** PrintStream.println(null) prints "null": Kafka Connect writes a tombstone as that line. */
  tombstone(): void {
    this.line('null');
  }

  discardCurrent(): void {}

  finish(): EncoderOutput {
    const n = this.out.pos;
    if (n === 0) return { output: null, outputBytes: 0, rows: this.rows };
    const output = new SharedArrayBuffer(n);
    new Uint8Array(output).set(this.out.buf.subarray(0, n));
    return { output, outputBytes: n, rows: this.rows };
  }

  private line(text: string): void {
    this.out.utf8(text);
    this.out.byte(NEWLINE);
    this.rows++;
  }
}
