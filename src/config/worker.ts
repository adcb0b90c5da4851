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

type RawEntries = Map<string, { value: unknown; origin: string }>;

/**
 * Kafka Connect configures a converter from the config that names its class,
 * with that config's <role>.converter.* settings only (Plugins.newConverter):
 * a connector that sets value.converter gets none of the worker's
 * value.converter.* settings, and one that does not set it gets the worker's
 * converter with the worker's settings, its own value.converter.* ignored.
 * `raw` holds the worker's entries overridden by the connector's; this puts
 * each converter's settings back to what Connect would use.
 */
export function applyConverterGroups(raw: RawEntries, connectorKeys: ReadonlySet<string>, worker: WorkerFile): { notices: string[]; warnings: string[] } {
  const notices: string[] = [];
  const warnings: string[] = [];
  const fromWorker = new Map(worker.inherited.map((e) => [e.key, e]));
  for (const role of ['key', 'value', 'header'] as const) {
    const cls = `${role}.converter`;
    const prefix = `${cls}.`;
    for (const [k, { origin }] of [...raw]) {
      if (!k.startsWith(prefix)) continue;
      if (connectorKeys.has(cls) && origin.endsWith(WORKER_ORIGIN)) {
        raw.delete(k);
        notices.push(`${origin}: not applied: the connector sets ${cls}, and Kafka Connect configures it with the connector's ${prefix}* settings only`);
      } else if (!connectorKeys.has(cls) && fromWorker.has(cls) && connectorKeys.has(k)) {
        const w = fromWorker.get(k);
        if (w) raw.set(k, { value: w.value, origin: w.origin });
        else raw.delete(k);
        warnings.push(`${k}: ignored, as Kafka Connect ignores it: the connector does not set ${cls}, so the worker's ${cls} is used with the worker's ${prefix}* settings; set ${cls} in the connector too for it to apply`);
      }
    }
  }
  return { notices, warnings };
}
