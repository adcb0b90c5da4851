// schema.compatibility: records Confluent's TopicPartitionWriter hands to the
// errant-record reporter (it catches SchemaProjectorException around each
// record's placement and calls reporter.report(record, e)). Kafka Connect
// gives a sink task a reporter only when errors.deadletterqueue.topic.name is
// set or errors.log.enable=true, and the reporter then follows
// errors.tolerance: with all, the record goes to the dead-letter topic (or is
// logged and skipped); with none, the task fails. Without a reporter the
// exception fails the task whatever errors.tolerance says.
import { SluiceError } from '../../errors.js';
import type { EncodedBatch } from '../common/sink.js';
import type { Errant, FileSet } from './rotation.js';

export interface ErrantTicket {
  resolve(): void;
  reject(err: Error): void;
  /** Things the batch waits on before it is durable. */
  pending: number;
  sealed: boolean;
}

/**
 * The rotation's `errant` hook for one submitted batch: undefined (the error
 * stops Sluice as it is) with errors.tolerance=none; a hook that stops Sluice
 * saying why with errors.tolerance=all and no reporter; else a hook that sends
 * the records to the dead-letter path, the batch and the set waiting for it.
 */
export function errantReporter<T extends ErrantTicket>(batch: EncodedBatch, ticket: T, hasReporter: boolean): Errant<T> | undefined {
  const send = batch.deadLetter;
  if (!send) return undefined;
  const where = `topic ${batch.topic} partition ${batch.partition}`;
  if (!hasReporter) {
    return (_set, _ticket, offsets, reason) => {
      throw new SluiceError(
        `${where} offset ${offsets[0]}: ${reason}. errors.tolerance=all does not skip it: as in Kafka Connect, the S3 sink reports such a record only to an ` +
          'errant-record reporter, which exists with errors.deadletterqueue.topic.name or errors.log.enable=true',
      );
    };
  }
  return (set: FileSet<T>, t: T, offsets, reason) => {
    if (t !== ticket) throw new SluiceError('internal: an errant record of another batch');
    const sent = send(offsets.map((offset) => ({ offset, reason: `${where} offset ${offset}: ${reason}` })));
    set.deadLetters.push(sent);
    t.pending++;
    sent.then(
      () => {
        t.pending--;
        if (t.sealed && t.pending === 0) t.resolve();
      },
      (err: unknown) => t.reject(err instanceof Error ? err : new SluiceError(String(err))),
    );
  };
}
