// The building blocks of the declared config spec. One declaration per key
// yields: parsing of Kafka Connect's string values, validation with messages
// that say what is expected, the SLUICE_* environment variable, and the docs.
import { z } from 'zod';

export interface OptionSpec<T = unknown> {
  readonly key: string;
  /** Validates and converts the raw value (Connect JSON gives strings). */
  readonly schema: z.ZodType<T>;
  readonly default?: T;
  readonly required?: boolean;
  readonly doc: string;
  /** Human description of what is expected, used in error messages. */
  readonly expects: string;
  /** Never logged, printed in status output or error messages. */
  readonly secret?: boolean;
  /** Other names the same option is known by (Debezium's JDBC sink, older keys). */
  readonly aliases?: readonly string[];
  /** Accepted for compatibility with Kafka Connect; has no effect in Sluice (a one-line notice says why). */
  readonly ignored?: string;
  /** A Kafka Connect key Sluice knows but cannot honour: setting it is an error with this reason. */
  readonly refused?: string;
}

/**
 * A family of Kafka Connect keys (a prefix, e.g. consumer.override.*), for
 * keys that cannot be declared one by one. `acted`: Sluice acts on them;
 * `notice`: accepted with a one-line notice; `refused`: an error naming the key.
 */
export interface KeyFamily {
  readonly prefix: string;
  readonly category: 'acted' | 'notice' | 'refused';
  readonly doc: string;
  /** Where the family is read: the connector JSON, the worker properties file, or both. */
  readonly where: 'connector' | 'worker' | 'both';
}

/** SLUICE_BATCH_MAX_RECORDS for batch.max.records. */
export function envName(key: string): string {
  return 'SLUICE_' + key.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

const trimmed = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim());

export function str<const O extends Omit<OptionSpec<string>, 'schema' | 'expects'> & { pattern?: RegExp; expects?: string }>(opts: O): OptionSpec<string> & O {
  let schema: z.ZodType<string> = trimmed.pipe(z.string().min(1, 'must not be empty'));
  if (opts.pattern) schema = schema.pipe(z.string().regex(opts.pattern, 'has the wrong form'));
  return { ...opts, schema, expects: opts.expects ?? 'a non-empty string' } as OptionSpec<string> & O;
}

export function int<const O extends Omit<OptionSpec<number>, 'schema' | 'expects'> & { min?: number; max?: number }>(opts: O): OptionSpec<number> & O {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const schema = z
    .union([z.number(), z.string().trim().regex(/^-?\d+$/, 'is not an integer').transform(Number)])
    .pipe(z.number().int('is not an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  const range = opts.max !== undefined ? `between ${min} and ${max}` : `of at least ${min}`;
  return { ...opts, schema, expects: `an integer ${range}` } as OptionSpec<number> & O;
}

export function bool<const O extends Omit<OptionSpec<boolean>, 'schema' | 'expects'>>(opts: O): OptionSpec<boolean> & O {
  const schema = z.union([
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v === 'true' || v === 'false', 'is not true or false')
      .transform((v) => v === 'true'),
  ]);
  return { ...opts, schema, expects: 'true or false' } as OptionSpec<boolean> & O;
}

export function oneOf<
  const V extends readonly [string, ...string[]],
  const O extends Omit<OptionSpec<V[number]>, 'schema' | 'expects'> & { caseInsensitive?: boolean },
>(values: V, opts: O): OptionSpec<V[number]> & O {
  const schema = trimmed
    .transform((v) => (opts.caseInsensitive ? v.toLowerCase() : v))
    .pipe(z.enum(values, { error: () => `is not one of ${values.join(', ')}` }));
  return { ...opts, schema: schema as z.ZodType<V[number]>, expects: `one of ${values.join(' | ')}` } as OptionSpec<V[number]> & O;
}

/** A comma-separated list in Connect style, or a JSON array. */
export function list<const O extends Omit<OptionSpec<string[]>, 'schema' | 'expects'>>(opts: O): OptionSpec<string[]> & O {
  const schema = z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0));
  return { ...opts, schema, expects: 'a comma-separated list' } as OptionSpec<string[]> & O;
}

/** Keys that pass through to librdkafka as they are, after the prefix. */
export const KAFKA_PASSTHROUGH_PREFIXES = ['kafka.', 'consumer.override.'] as const;

type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;
type IsSet<S> = S extends { default: unknown } ? true : S extends { required: true } ? true : false;

/** The typed config object a list of option declarations yields. */
export type ConfigOf<Specs extends readonly OptionSpec<any>[]> = {
  readonly [S in Specs[number] as S['key']]: IsSet<S> extends true ? ValueOf<S> : ValueOf<S> | undefined;
};
