// The main thread's view of the sink registry: config loading, the docs and
// the sink factory, each derived from the one list in registry.ts.
import type { Logger } from 'pino';
import { loadConfigWith, type LoadOptions, type ResolvedConfig } from '../config/load.js';
import { optionsMarkdownFor, readmeWithConnectKeysFor } from '../config/docs.js';
import type { Sink } from './common/sink.js';
import { SINKS } from './registry.js';

/** Reads and validates a connector's configuration (config/load.ts) against every registered sink. */
export function loadConfig(opts: LoadOptions): ResolvedConfig {
  return loadConfigWith(SINKS, opts);
}

/** The sink that runs a loaded config. Throws ConfigError for what only the sink itself can check. */
export async function createSink(config: ResolvedConfig, log: Logger): Promise<Sink> {
  const sink = SINKS.find((s) => s.kind === config.sink);
  if (!sink) throw new Error(`no sink "${config.sink}" in the registry`);
  return sink.createSink(config, log);
}

/** The configuration reference (native-notes/config-reference.md, `sluice config-docs`). */
export function optionsMarkdown(): string {
  return optionsMarkdownFor(SINKS);
}

/** README.md with its generated table of Kafka Connect keys replaced. */
export function readmeWithConnectKeys(readme: string): string {
  return readmeWithConnectKeysFor(readme, SINKS);
}
