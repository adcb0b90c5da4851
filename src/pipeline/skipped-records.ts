// errors.tolerance=all without a dead-letter topic: as in Kafka Connect, a
// record that fails to decode, convert or be written is skipped. It is
// counted (sluice_records_skipped_total), and with errors.log.enable=true
// logged with its topic, partition and offset (and the record itself with
// errors.log.include.messages=true), as Connect's LogReporter does.
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import type { RecordFailure } from '../workers/protocol.js';
import type { BatchReader } from '../core/batch-layout.js';
import { connectStage } from './dead-letter.js';

export class SkippedRecords {
  /** Counted as skipped, not dead-lettered. */
  readonly skips = true;
  private readonly logEach: boolean;
  private readonly withMessages: boolean;

  constructor(
    config: ResolvedConfig,
    private readonly log: Logger,
  ) {
    this.logEach = config.common['errors.log.enable'];
    this.withMessages = config.common['errors.log.include.messages'];
  }

  /** Same contract as DeadLetterQueue.send: once it resolves, the records may be committed past. */
  async send(topic: string, reader: BatchReader, failures: readonly RecordFailure[]): Promise<void> {
    if (!this.logEach) return;
    for (const f of failures) {
      const record = { topic, partition: reader.partition, offset: f.offset, stage: connectStage(f) };
      const message = this.withMessages
        ? { key: b64(reader.key(f.index)), value: b64(reader.value(f.index)), timestamp: reader.timestamp(f.index), headers: reader.headers(f.index).map((h) => ({ name: h.name, value: b64(h.value) })) }
        : {};
      this.log.warn({ ...record, ...message }, `${f.stage} failed, record skipped (errors.tolerance=all, no dead-letter topic) at topic ${topic} partition ${reader.partition} offset ${f.offset}: ${f.reason}`);
    }
  }

  async close(): Promise<void> {}
}

function b64(b: Uint8Array | null): string | null {
  return b ? Buffer.from(b).toString('base64') : null;
}
