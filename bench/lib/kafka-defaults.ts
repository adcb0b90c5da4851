// librdkafka consumer properties for the raw-consume baseline: exactly the
// defaults Sluice's consumer uses (and its consume() call size), so the
// baseline and Sluice fetch the same way.
import { CONSUME_BATCH, CONSUMER_DEFAULTS as SLUICE_DEFAULTS } from '../../src/source/consumer.js';

export const CONSUMER_DEFAULTS: Record<string, string | number | boolean> = {
  ...SLUICE_DEFAULTS,
  // The baseline reads without a group protocol of Sluice's kind; these two match its fixed settings.
  'enable.auto.commit': false,
  'enable.partition.eof': false,
};

export const RAW_CONSUME_BATCH = CONSUME_BATCH;
