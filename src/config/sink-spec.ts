// What configuration needs to know about a sink: which connector classes run
// it, its options, and its cross-key rules. Each sink declares this in its own
// folder (src/sinks/<name>/module.ts); the registry (src/sinks/registry.ts)
// hands the list to loadConfigWith() and to the docs, so nothing in config/
// names a sink.
import type { OptionSpec } from './options.js';

/** The resolved values a sink's cross-key rules read, and what they may report. */
export interface SinkChecks {
  /** A resolved value (a default when unset), by canonical key, common options included. */
  get(key: string): unknown;
  /** Whether the user set the key (connector, worker file or environment), not just its default. */
  isSet(key: string): boolean;
  /** The name the user set the key by (an alias such as Debezium's, or an env variable); undefined when unset. */
  setAs(key: string): string | undefined;
  /** Replaces a value: an option that stands for others (Debezium's schema.evolution=basic). */
  set(key: string, value: unknown): void;
  problem(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  /** A secret found inside another value (a password in a URL): redacted from every message. */
  secret(value: string): void;
}

export interface SinkConfigSpec {
  /** The sink's short name: ResolvedConfig.sink, the plan's kind, logs. */
  readonly kind: string;
  /** Heading of its section in the configuration reference: "PostgreSQL sink". */
  readonly title: string;
  /** Its name in the README's migration table: "PostgreSQL". */
  readonly shortTitle: string;
  /** Kafka Connect connector classes (and Sluice names) that run it, compared without case. */
  readonly connectorClasses: readonly string[];
  /** Looser connector.class forms it also runs (the argument is lower case), e.g. any JDBC sink class. */
  readonly matchesClass?: (connectorClass: string) => boolean;
  /** How messages and docs name the classes it runs: "a JDBC sink class (Confluent or Debezium), sluice.postgres". */
  readonly classesDoc: string;
  /** Its own options; a key may be declared by several sinks, each with its own meaning. */
  readonly options: readonly OptionSpec<any>[];
  /** Rules across keys, run once the values are parsed; report through `c`. */
  readonly check?: (c: SinkChecks) => void;
  /**
   * Of two names of one option given with different values (each as the user
   * wrote it), the one the connector class reads, when it ignores the other
   * (Debezium's JDBC sink has no pk.mode); undefined: both count, a conflict.
   */
  readonly readsName?: (a: string, b: string, connectorClass: string) => string | undefined;
  /** Whether records' keys are read with these settings (the converter-default warning then covers the key converter too). */
  readonly usesKeys?: (get: (key: string) => unknown) => boolean;
}

/** The sink whose connector classes include `connectorClass`. */
export function sinkFor<S extends SinkConfigSpec>(sinks: readonly S[], connectorClass: string): S | undefined {
  const c = connectorClass.trim().toLowerCase();
  return sinks.find((s) => s.connectorClasses.some((x) => x.toLowerCase() === c)) ?? sinks.find((s) => s.matchesClass?.(c));
}
