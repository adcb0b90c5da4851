// File sink options: Kafka Connect's FileStreamSinkConnector has one key.
import { str, type ConfigOf, type OptionSpec } from '../../config/options.js';

export const fileOptions = [
  str({ key: 'file', doc: 'File the record values are appended to, one line each, as FileStreamSinkConnector writes them (native-notes/file-sink.md). Unset: standard output, as in Kafka Connect. Next to the file Sluice keeps <file>.sluice-state, the file\'s length and each partition\'s next offset, written after every fsync: a restart cuts off any tail written after it and goes on from those offsets, so nothing is lost or written twice.' }),
] as const satisfies readonly OptionSpec<any>[];

export type FileConfig = ConfigOf<typeof fileOptions>;
