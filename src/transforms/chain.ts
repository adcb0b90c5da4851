// The transform chain: Connect's `transforms` / `predicates` keys read into
// specs (plain data that travels to the workers in WorkerSetup), validated by
// building the chain once on the main thread at config load, and built again
// in each worker. A record goes through the steps in order; a step whose
// predicate (after `negate`) does not hold leaves it alone.
import { confluentTransforms } from './confluent.js';
import { connectPredicates, connectTransforms } from './connect.js';
import { debeziumTransforms } from './debezium.js';
import { OptionError, Options, type Predicate, type PredicateFactory, type Transform, type TransformFactory } from './options.js';
import { TransformError, type TRecord } from './record.js';

export interface TransformSpec {
  alias: string;
  type: string;
  options: Record<string, string>;
  predicate?: { name: string; type: string; options: Record<string, string> };
  negate: boolean;
}

export interface TransformsConfig {
  steps: TransformSpec[];
}

export const TRANSFORM_CLASSES: Readonly<Record<string, TransformFactory>> = { ...connectTransforms, ...debeziumTransforms, ...confluentTransforms };
export const PREDICATE_CLASSES: Readonly<Record<string, PredicateFactory>> = connectPredicates;

/** Keys this module reads (`transforms`, `transforms.*`, `predicates`, `predicates.*`). */
export function isTransformKey(key: string): boolean {
  return key === 'transforms' || key === 'predicates' || key.startsWith('transforms.') || key.startsWith('predicates.');
}

const listOf = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);

/**
 * Reads the transform keys of a connector config (values as given: strings,
 * numbers, booleans). Returns undefined when no transform is configured;
 * pushes every problem (naming its key) onto `problems`.
 */
export function readTransforms(raw: ReadonlyMap<string, unknown>, problems: string[]): TransformsConfig | undefined {
  const str = new Map<string, string>();
  for (const [k, v] of raw) str.set(k, typeof v === 'string' ? v : String(v));
  const aliases = listOf(str.get('transforms'));
  const predicates = listOf(str.get('predicates'));
  const used = new Set<string>(['transforms', 'predicates']);
  const steps: TransformSpec[] = [];
  const seen = new Set<string>();
  for (const alias of aliases) {
    if (seen.has(alias)) {
      problems.push(`transforms: the alias "${alias}" is listed twice`);
      continue;
    }
    seen.add(alias);
    const prefix = `transforms.${alias}.`;
    const type = str.get(`${prefix}type`)?.trim();
    const options: Record<string, string> = {};
    for (const [k, v] of str) {
      if (!k.startsWith(prefix)) continue;
      used.add(k);
      const name = k.slice(prefix.length);
      if (name !== 'type' && name !== 'predicate' && name !== 'negate') options[name] = v;
    }
    if (!type) {
      problems.push(`${prefix}type: required for the transform "${alias}" listed in transforms (a transform class)`);
      continue;
    }
    const factory = TRANSFORM_CLASSES[type];
    if (!factory) {
      problems.push(`${prefix}type: unknown transform class "${type}"${hintClass(type)}`);
      continue;
    }
    let negate = false;
    const negText = str.get(`${prefix}negate`);
    if (negText !== undefined) {
      const t = negText.trim().toLowerCase();
      if (t !== 'true' && t !== 'false') problems.push(`${prefix}negate: expected true or false, got ${JSON.stringify(negText)}`);
      negate = t === 'true';
    }
    const spec: TransformSpec = { alias, type, options, negate };
    const predName = str.get(`${prefix}predicate`)?.trim();
    if (negText !== undefined && !predName) problems.push(`${prefix}negate: set without ${prefix}predicate`);
    if (predName) {
      if (!predicates.includes(predName)) {
        problems.push(`${prefix}predicate: "${predName}" is not listed in predicates`);
        continue;
      }
      const pPrefix = `predicates.${predName}.`;
      const pType = str.get(`${pPrefix}type`)?.trim();
      if (!pType) {
        problems.push(`${pPrefix}type: required for the predicate "${predName}" (a predicate class)`);
        continue;
      }
      if (!PREDICATE_CLASSES[pType]) {
        problems.push(`${pPrefix}type: unknown predicate class "${pType}" (known: ${Object.keys(PREDICATE_CLASSES).join(', ')})`);
        continue;
      }
      const pOptions: Record<string, string> = {};
      for (const [k, v] of str) if (k.startsWith(pPrefix) && k !== `${pPrefix}type`) pOptions[k.slice(pPrefix.length)] = v;
      spec.predicate = { name: predName, type: pType, options: pOptions };
    }
    // Building it validates the options, with Connect's messages.
    try {
      buildStep(spec);
    } catch (err) {
      if (err instanceof OptionError) problems.push(err.message);
      else throw err;
    }
    steps.push(spec);
  }
  for (const p of predicates) {
    const pPrefix = `predicates.${p}.`;
    for (const k of str.keys()) if (k.startsWith(pPrefix)) used.add(k);
    if (!str.has(`${pPrefix}type`)) problems.push(`${pPrefix}type: required for the predicate "${p}" listed in predicates`);
    else if (!PREDICATE_CLASSES[str.get(`${pPrefix}type`)!.trim()]) problems.push(`${pPrefix}type: unknown predicate class "${str.get(`${pPrefix}type`)}"`);
  }
  for (const k of str.keys()) {
    if (used.has(k)) continue;
    if (k.startsWith('transforms.')) problems.push(`${k}: the transform "${k.split('.')[1]}" is not listed in transforms`);
    else if (k.startsWith('predicates.')) problems.push(`${k}: the predicate "${k.split('.')[1]}" is not listed in predicates`);
  }
  return steps.length > 0 ? { steps } : undefined;
}

function hintClass(type: string): string {
  const simple = type.split('.').pop()!;
  const match = Object.keys(TRANSFORM_CLASSES).filter((c) => c.split('.').pop() === simple || c.split('.').pop()!.split('$')[0] === simple);
  if (match.length > 0) return ` (did you mean ${match.join(' or ')}?)`;
  return ' (Sluice runs the transforms of Apache Kafka, org.apache.kafka.connect.transforms.*, Debezium\'s ExtractNewRecordState, and Confluent\'s TombstoneHandler, Drop, ExtractTopic, Filter and MessageTimestampRouter)';
}

interface Step {
  alias: string;
  type: string;
  t: Transform;
  factory: TransformFactory;
  pred?: Predicate;
  negate: boolean;
}

function buildStep(spec: TransformSpec): Step {
  const factory = TRANSFORM_CLASSES[spec.type]!;
  const t = factory.create(new Options(`transforms.${spec.alias}.`, new Map(Object.entries(spec.options))), spec.alias);
  const pred = spec.predicate
    ? PREDICATE_CLASSES[spec.predicate.type]!.create(new Options(`predicates.${spec.predicate.name}.`, new Map(Object.entries(spec.predicate.options))))
    : undefined;
  return { alias: spec.alias, type: spec.type, t, factory, pred, negate: spec.negate };
}

export class TransformChain {
  private readonly steps: Step[];
  /** Some step reads or writes the key: the worker decodes keys. */
  readonly usesKey: boolean;
  /** Some step sends records elsewhere than their topic; 'record' when it depends on more than the topic. */
  readonly routing: 'none' | 'topic' | 'record';

  constructor(config: TransformsConfig) {
    this.steps = config.steps.map(buildStep);
    this.usesKey = this.steps.some((s) => s.factory.info.usesKey);
    let routing: 'none' | 'topic' | 'record' = 'none';
    // A topic-only route stays topic-only unless a step before it can drop or reshape by record... only the
    // routers themselves and their predicates decide the topic.
    for (const s of this.steps) {
      const r = s.t.routing ?? s.factory.info.routing;
      if (r === 'record' || (r === 'topic' && s.pred && !s.pred.topicOnly)) routing = 'record';
      else if (r === 'topic' && routing === 'none') routing = 'topic';
    }
    this.routing = routing;
  }

  /** Runs the chain on the record in place; false: a step dropped it. Throws TransformError naming the step. */
  apply(r: TRecord): boolean {
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (s.pred !== undefined && s.pred.test(r) === s.negate) continue;
      try {
        if (!s.t.apply(r)) return false;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        const e = new TransformError(`transform "${s.alias}" (${s.type}) failed on the record's ${partOf(s.type)}: ${msg}`);
        e.transformClass = s.type;
        throw e;
      }
    }
    return true;
  }

  /** For routing 'topic': the topic every record of `topic` ends up in. */
  routeTopic(topic: string): string {
    let t = topic;
    for (const s of this.steps) {
      if ((s.t.routing ?? s.factory.info.routing) !== 'topic') continue;
      if (s.pred && s.pred.test({ topic: t } as TRecord) === s.negate) continue;
      t = s.factory.routeTopic!(s.t, t);
    }
    return t;
  }
}

function partOf(type: string): string {
  return type.endsWith('$Key') ? 'key' : 'value';
}
