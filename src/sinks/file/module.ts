// The file sink's registry record (common/module.ts).
import type { SinkModule } from '../common/module.js';
import { fileOptions } from './config.js';

export const fileSink: SinkModule = {
  kind: 'file',
  title: 'File sink',
  shortTitle: 'File',
  connectorClasses: ['sluice.file', 'org.apache.kafka.connect.file.FileStreamSinkConnector', 'FileStreamSink', 'FileStreamSinkConnector'],
  classesDoc: 'org.apache.kafka.connect.file.FileStreamSinkConnector (or FileStreamSink), sluice.file',
  options: fileOptions,
  createSink: async (config, log) => new (await import('./sink.js')).FileSink(config, log.child({ sink: 'file' })),
  createEncoder: async () => new (await import('./encoding.js')).FileEncoder(),
};
