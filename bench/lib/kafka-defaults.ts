// librdkafka consumer properties for the raw-consume baseline: the same
// throughput defaults Sluice's consumer (src/source/consumer.ts) uses, so the
// baseline and Sluice fetch the same way. Keep in step with that file; the
// results record what was used.
export const CONSUMER_DEFAULTS: Record<string, string | number | boolean> = {
  'fetch.max.bytes': 52_428_800,
  'max.partition.fetch.bytes': 4_194_304,
  'fetch.wait.max.ms': 100,
  'queued.min.messages': 100_000,
  'queued.max.messages.kbytes': 16_384,
  'enable.auto.commit': false,
  'enable.partition.eof': false,
};
