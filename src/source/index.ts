// Picks the Kafka source: the native addon when it is built (source.native =
// auto | on), the @confluentinc/kafka-javascript binding otherwise.
import type { Logger } from 'pino';
import { KafkaFatalError } from '../errors.js';
import { BindingSource } from './consumer.js';
import { loadNativeAddon } from './native-addon.js';
import { NativeSource } from './native.js';
import type { Source, SourceHandlers, SourceOptions } from './source.js';

export type NativeMode = 'auto' | 'on' | 'off';

let fallbackLogged = false;

export function createSource(mode: NativeMode, opts: SourceOptions, handlers: SourceHandlers, log: Logger): Source {
  if (mode !== 'off') {
    const loaded = loadNativeAddon();
    if ('addon' in loaded) return new NativeSource(loaded.addon, opts, handlers, log);
    if (mode === 'on') throw new KafkaFatalError(`source.native=on, but the native source cannot be loaded: ${loaded.error}`);
    if (!fallbackLogged) log.warn(`native source not available (${loaded.error}); consuming through the @confluentinc/kafka-javascript binding`);
    fallbackLogged = true;
  }
  return new BindingSource(opts, handlers, log);
}
