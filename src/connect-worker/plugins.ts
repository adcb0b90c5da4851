// GET /connector-plugins, GET /connector-plugins/{class}/config and
// PUT /connector-plugins/{class}/config/validate from the declared options
// (config/spec.ts, each sink's config.ts): the definitions are the same ones
// that parse and document the options, and validation is the resolution the
// connector would run with (config/load.ts), its problems put on the keys they name.
import { CONVERTER_CLASSES } from '../config/converters.js';
import { sharedOptions } from '../config/load.js';
import type { OptionSpec } from '../config/options.js';
import { sinkFor } from '../config/sink-spec.js';
import type { SinkModule } from '../sinks/common/module.js';
import { loadConfig } from '../sinks/index.js';
import { SINKS } from '../sinks/registry.js';
import { ConfigError } from '../errors.js';
import { PREDICATE_CLASSES, TRANSFORM_CLASSES } from '../transforms/chain.js';
import { HerderError, type ConfigInfo, type ConfigInfos, type ConfigKeyInfo, type ConfigType, type ConnectorConfig, type PluginInfo } from './herder.js';

const VERSION = '0.1.0';

/** The connector classes Sluice runs, under the names Connect users know them by (Java class names). */
const CONNECTOR_CLASSES: readonly string[] = SINKS.flatMap((s) => s.connectorClasses.filter((c) => c.includes('.') && !c.startsWith('sluice.')));

const CONVERTERS = CONVERTER_CLASSES;

export function connectorPlugins(): PluginInfo[] {
  return [
    ...CONNECTOR_CLASSES.map((c) => ({ class: c, type: 'sink' as const, version: VERSION })),
    ...CONVERTERS.map((c) => ({ class: c, type: 'converter' as const, version: VERSION })),
    ...Object.keys(TRANSFORM_CLASSES).sort().map((c) => ({ class: c, type: 'transformation' as const, version: VERSION })),
    ...Object.keys(PREDICATE_CLASSES).sort().map((c) => ({ class: c, type: 'predicate' as const, version: VERSION })),
  ];
}

/** A plugin named in full or by its simple name, as Connect's plugin lookup does. */
function sinkOfPlugin(pluginClass: string): SinkModule | undefined {
  const full = CONNECTOR_CLASSES.find((c) => c === pluginClass || c.split('.').pop() === pluginClass) ?? pluginClass;
  return sinkFor(SINKS, full);
}

function typeOf(o: OptionSpec): ConfigType {
  if (o.secret) return 'PASSWORD';
  if (o.expects.startsWith('an integer')) return 'INT';
  if (o.expects === 'true or false') return 'BOOLEAN';
  if (o.expects === 'a comma-separated list') return 'LIST';
  return 'STRING';
}

function definition(o: OptionSpec, order: number): ConfigKeyInfo {
  const d = o.default;
  return {
    name: o.key,
    type: typeOf(o),
    required: o.required === true,
    default_value: d === undefined ? null : Array.isArray(d) ? d.join(',') : String(d),
    importance: o.required ? 'HIGH' : 'MEDIUM',
    documentation: o.doc,
    group: null,
    order,
    width: 'NONE',
    display_name: o.key,
    dependents: [],
  };
}

function optionsFor(sink: SinkModule): OptionSpec[] {
  return [...sharedOptions, ...sink.options] as OptionSpec[];
}

export async function connectorPluginConfig(pluginClass: string): Promise<ConfigKeyInfo[]> {
  const sink = sinkOfPlugin(pluginClass);
  if (!sink) throw HerderError.notFound(`Unknown plugin ${pluginClass}.`);
  return optionsFor(sink).map((o, i) => definition(o, i + 1));
}

/** The key a problem line names ("<key>: …", "<key> (worker file): …"), if it is one of the config's keys or options. */
function keyOfProblem(problem: string, keys: ReadonlySet<string>): string | undefined {
  const m = /^([^\s:]+)(?: \([^)]*\))?:/.exec(problem);
  if (!m) return undefined;
  const k = m[1]!.replace(/^\$\{[^}]*\}$/, '');
  return keys.has(k) ? k : undefined;
}

export async function validateConnectorConfig(config: ConnectorConfig, workerFile: string | undefined, env: NodeJS.ProcessEnv): Promise<ConfigInfos> {
  const cls = config['connector.class'] ?? '';
  const sink = sinkOfPlugin(cls) ?? SINKS[0]!;
  const options = optionsFor(sink);
  const byKey = new Map(options.map((o) => [o.key, o]));
  let problems: readonly string[] = [];
  try {
    loadConfig({ json: { name: config.name ?? 'validate', config: { name: 'validate', ...config } }, worker: workerFile, env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems = err.problems;
  }
  const keys = new Set([...byKey.keys(), ...Object.keys(config)]);
  const errors = new Map<string, string[]>();
  for (const p of problems) {
    const k = keyOfProblem(p, keys) ?? 'connector.class';
    errors.set(k, [...(errors.get(k) ?? []), p]);
  }
  const configs: ConfigInfo[] = [];
  let order = 0;
  for (const k of [...byKey.keys(), ...Object.keys(config).filter((k) => !byKey.has(k))]) {
    const o = byKey.get(k);
    const def: ConfigKeyInfo = o
      ? definition(o, ++order)
      : { name: k, type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: '', group: null, order: ++order, width: 'NONE', display_name: k, dependents: [] };
    const given = config[k];
    const secret = o?.secret === true || /password|secret/i.test(k);
    configs.push({
      definition: def,
      value: {
        name: k,
        value: given === undefined ? def.default_value : secret && !/^\$\{[^}]+\}$/.test(given) ? '[hidden]' : given,
        recommended_values: [],
        errors: errors.get(k) ?? [],
        visible: true,
      },
    });
  }
  return { name: cls, error_count: problems.length, groups: ['Common'], configs };
}
