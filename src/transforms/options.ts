// Reading one transform's or predicate's options (Connect gives strings; a
// connector JSON may give numbers or booleans too). Every problem names the
// full config key, transforms.<alias>.<option>.
import { ConfigProblem } from '../errors.js';
import type { TRecord } from './record.js';

/**
 * The same string as a V8 internalized string. Field names from config are
 * slices or concatenations; used as property keys, each store would first look
 * them up in the string table (several µs per record for a few fields).
 */
export function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** A bad or missing option: a config problem naming the full key. */
export class OptionError extends ConfigProblem {}

export class Options {
  constructor(
    /** "transforms.<alias>." or "predicates.<name>." */
    readonly prefix: string,
    private readonly raw: ReadonlyMap<string, string>,
  ) {}

  has(name: string): boolean {
    return this.raw.has(name);
  }

  fail(name: string, why: string): never {
    throw new OptionError(`${this.prefix}${name}: ${why}`);
  }

  str(name: string, def: string): string;
  str(name: string): string | undefined;
  str(name: string, def?: string): string | undefined {
    const v = this.raw.get(name) ?? def;
    return v === undefined ? v : intern(v);
  }

  required(name: string, what = 'a non-empty string'): string {
    const v = this.raw.get(name);
    if (v === undefined || v.trim() === '') this.fail(name, `required (${what})`);
    return intern(v);
  }

  bool(name: string, def: boolean): boolean {
    const v = this.raw.get(name);
    if (v === undefined) return def;
    const t = v.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') this.fail(name, `expected true or false, got ${JSON.stringify(v)}`);
    return t === 'true';
  }

  list(name: string, opts: { required?: boolean } = {}): string[] {
    const v = this.raw.get(name);
    const items = v === undefined ? [] : v.split(',').map((s) => intern(s.trim())).filter((s) => s.length > 0);
    if (opts.required && items.length === 0) this.fail(name, 'required (a comma-separated list, not empty)');
    return items;
  }

  oneOf<const V extends readonly string[]>(name: string, values: V, def: V[number], caseInsensitive = false): V[number] {
    const v = this.raw.get(name);
    if (v === undefined) return def;
    const t = caseInsensitive ? v.trim().toLowerCase() : v.trim();
    const hit = values.find((x) => (caseInsensitive ? x.toLowerCase() : x) === t);
    if (hit === undefined) this.fail(name, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return hit;
  }
}

/** Connect's Transformation: changes the record in place; false drops it. Throws TransformError for a bad record. */
export interface Transform {
  apply(r: TRecord): boolean;
  /** Overrides the factory's routing for this configuration (Debezium routes only with route.by.field). */
  readonly routing?: TransformInfo['routing'];
}

export interface TransformInfo {
  /** Reads or writes the record key: the worker decodes keys for it. */
  readonly usesKey: boolean;
  /**
   * How it changes the topic: never; from the topic alone (RegexRouter: the same
   * for every record of a batch); or per record (timestamp, a field).
   */
  readonly routing: 'none' | 'topic' | 'record';
}

export interface Predicate {
  test(r: TRecord): boolean;
  /** Decided by the topic alone. */
  readonly topicOnly: boolean;
}

export interface TransformFactory {
  readonly info: TransformInfo;
  create(o: Options, alias: string): Transform;
  /** For routing 'topic': where a topic goes. */
  routeTopic?(t: Transform, topic: string): string;
}

export interface PredicateFactory {
  create(o: Options): Predicate;
}
