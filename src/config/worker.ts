// Kafka Connect's worker properties file (connect-distributed.properties or
// connect-standalone.properties), read as it is. What a sink connector takes
// from its worker: bootstrap.servers, the converters and their settings,
// consumer.* (the sink consumer's properties) and config.providers*. The rest
// configures the Connect worker itself and is accepted with a notice, as is a
// key Kafka Connect would not read from a worker file either.
import fs from 'node:fs';
import { ConfigError } from '../errors.js';
import { WORKER_ONLY_KEYS, connectKeyFamilies } from './connect-keys.js';
import { parsePropertiesText } from './providers.js';

export interface WorkerEntry {
  readonly key: string;
  readonly value: string;
  /** How messages name it: "<key> (worker file)". */
  readonly origin: string;
}

export interface WorkerFile {
  readonly path: string;
  /** Keys the sink inherits from the worker (converters, bootstrap.servers), as connector keys. */
  readonly inherited: readonly WorkerEntry[];
  /** consumer.<property> entries, without the prefix. */
  readonly consumer: readonly WorkerEntry[];
  /** config.providers* entries. */
  readonly providers: readonly WorkerEntry[];
  /** Keys accepted with no effect: "<key> (worker file): <why>". */
  readonly notices: readonly string[];
}

export const WORKER_ORIGIN = ' (worker file)';

/** Keys a sink connector inherits from its worker, as Kafka Connect's Worker hands them on. */
function inherits(key: string): boolean {
  return key === 'bootstrap.servers' || /^(key|value|header)\.converter(\..+)?$/.test(key);
}

export function readWorkerFile(path: string, isConnectorKey: (key: string) => boolean): WorkerFile {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`--worker: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const inherited: WorkerEntry[] = [];
  const consumer: WorkerEntry[] = [];
  const providers: WorkerEntry[] = [];
  const notices: string[] = [];
  for (const [key, value] of parsePropertiesText(text)) {
    const origin = key + WORKER_ORIGIN;
    const entry = { key, value, origin };
    if (inherits(key)) inherited.push(entry);
    else if (key.startsWith('config.providers')) providers.push(entry);
    else if (key.startsWith('consumer.')) consumer.push({ ...entry, key: key.slice('consumer.'.length) });
    else if (WORKER_ONLY_KEYS[key]) notices.push(`${origin}: accepted, no effect: ${WORKER_ONLY_KEYS[key]}`);
    else {
      const family = connectKeyFamilies.find((f) => f.where !== 'connector' && key.startsWith(f.prefix));
      if (family) notices.push(`${origin}: accepted, no effect: ${family.doc}`);
      else if (isConnectorKey(key)) notices.push(`${origin}: a connector setting, which Kafka Connect does not take from the worker config either; set it in the connector JSON`);
      else notices.push(`${origin}: not a Kafka Connect worker setting Sluice knows; ignored, as Kafka Connect ignores unknown worker settings`);
    }
  }
  return { path, inherited, consumer, providers, notices };
}
