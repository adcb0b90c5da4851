// Markdown reference of every option, generated from the declared spec, and
// the table of Kafka Connect keys (read / accepted with a notice / refused)
// that the README's migration section carries. The sinks and their options
// come from the sink registry (src/sinks/index.ts passes them).
import { connectKeyFamilies, connectKeyOptions, WORKER_ONLY_KEYS } from './connect-keys.js';
import { commonOptions } from './spec.js';
import { envName, type OptionSpec } from './options.js';
import type { SinkConfigSpec } from './sink-spec.js';

/** Keys Sluice reads and acts on (the notice and refused ones are tabled apart). */
const acted = (o: OptionSpec<any>) => !o.ignored && !o.refused;

export function optionsMarkdownFor(sinks: readonly SinkConfigSpec[]): string {
  const groups: [string, readonly OptionSpec<any>[], string?][] = [
    ['Common', [...commonOptions, ...connectKeyOptions].filter(acted)],
    ...sinks.map((s) => [s.title, s.options.filter(acted), `\`connector.class\`: ${s.classesDoc}.`] as [string, readonly OptionSpec<any>[], string]),
  ];
  const out: string[] = ['# Sluice configuration reference', '', 'Generated from the declared spec (`node dist/src/cli.js config-docs`). Every key can be set in the connector JSON or as its environment variable; the environment wins. librdkafka properties pass through as `kafka.<property>` (or Kafka Connect\'s `consumer.override.<property>`), or `SLUICE_KAFKA_<PROPERTY>` with dots as underscores.', ''];
  for (const [title, options, intro] of groups) {
    out.push(`## ${title}`, '', ...(intro ? [intro, ''] : []), '| key | env | expects | default | description |', '| --- | --- | --- | --- | --- |');
    for (const o of options) {
      const def = o.default === undefined ? (o.required ? '**required**' : '') : `\`${Array.isArray(o.default) ? o.default.join(',') : String(o.default)}\``;
      const names = [o.key, ...(o.aliases ?? [])].map((k) => `\`${k}\``).join(' / ');
      const doc = (o.doc + (o.secret ? ' *Secret: never logged.*' : '')).replace(/\|/g, '\\|');
      out.push(`| ${names} | \`${envName(o.key)}\` | ${o.expects} | ${def} | ${doc} |`);
    }
    out.push('');
  }
  out.push('## Kafka Connect keys accepted with a notice, or refused', '', connectKeysMarkdown(sinks), '');
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Every Kafka Connect key (or key family) Sluice accepts with a notice or refuses, and the worker file keys. */
export function connectKeysMarkdown(sinks: readonly SinkConfigSpec[]): string {
  const out: string[] = [
    'A key below is accepted, and `sluice check` and the start-up log print one line saying it has no effect here and why; a refused key is a configuration error naming it. A key in neither these tables nor the options above is ignored, as Kafka Connect ignores keys its connector does not define, with a warning naming it ("unknown key", with the closest known key when it looks like a typo); an unknown `SLUICE_*` environment variable is an error.',
    '',
    '| key | sinks | what Sluice does |',
    '| --- | --- | --- |',
  ];
  // One row per declaration; sinks declaring the same key alike share it.
  const rows = new Map<string, { names: string; kinds: string[]; what: string }>();
  const add = (o: OptionSpec<any>, kind: string) => {
    if (acted(o)) return;
    const names = [o.key, ...(o.aliases ?? [])].map((k) => `\`${k}\``).join(' / ');
    const what = o.refused ? `**refused**: ${o.refused}` : `notice: ${o.ignored}`;
    const row = rows.get(`${names}\u0000${what}`);
    if (row) row.kinds.push(kind);
    else rows.set(`${names}\u0000${what}`, { names, kinds: [kind], what });
  };
  for (const o of commonOptions) add(o, 'all');
  for (const s of sinks) for (const o of s.options) add(o, s.kind);
  for (const o of connectKeyOptions) add(o, 'all');
  for (const r of rows.values()) out.push(`| ${r.names} | ${r.kinds.join(', ')} | ${cell(r.what)} |`);
  for (const f of connectKeyFamilies) {
    const where = f.where === 'both' ? 'connector or worker file' : f.where === 'worker' ? 'worker file' : 'connector';
    const what = f.category === 'acted' ? 'read' : f.category === 'refused' ? '**refused**' : 'notice';
    out.push(`| \`${f.prefix}*\` (${where}) | all | ${what}: ${cell(f.doc)} |`);
  }
  out.push(
    '',
    'Worker properties file (`--worker`, `SLUICE_WORKER_CONFIG`): `bootstrap.servers`, `key.converter*`, `value.converter*`, `header.converter*`, `consumer.*` and `config.providers*` are read (the connector JSON overrides them, `SLUICE_*` variables override both). These worker keys are accepted with a notice:',
    '',
    '| worker key | why it has no effect |',
    '| --- | --- |',
  );
  for (const [k, why] of Object.entries(WORKER_ONLY_KEYS)) out.push(`| \`${k}\` | ${cell(why)} |`);
  out.push('', 'Any other worker key is accepted with a notice, as Kafka Connect ignores unknown worker settings.');
  return out.join('\n');
}

/** The "read" keys per group, then the notice / refused table: the README's migration table. */
export function readmeConnectKeys(sinks: readonly SinkConfigSpec[]): string {
  const groups: [string, readonly OptionSpec<any>[]][] = [
    ['all sinks', [...commonOptions, ...connectKeyOptions].filter(acted)],
    ...sinks.map((s) => [s.shortTitle, s.options.filter(acted)] as [string, readonly OptionSpec<any>[]]),
  ];
  const out = ['| Sluice | sinks | keys |', '| --- | --- | --- |'];
  for (const [title, options] of groups) {
    const keys = options.flatMap((o) => [o.key, ...(o.aliases ?? [])]).map((k) => `\`${k}\``);
    out.push(`| reads and acts on | ${title} | ${keys.join(', ')} |`);
  }
  out.push(`| reads and acts on | all sinks | ${connectKeyFamilies.filter((f) => f.category === 'acted').map((f) => `\`${f.prefix}*\``).join(', ')} |`);
  return [
    out.join('\n'),
    '',
    'Everything else Sluice knows from Kafka Connect configs is accepted with a one-line notice, or refused naming the key:',
    '',
    connectKeysMarkdown(sinks),
  ].join('\n');
}

export const README_START = '<!-- connect-keys: generated by npm run docs from src/config (do not edit by hand) -->';
export const README_END = '<!-- /connect-keys -->';

/** README.md with the generated table between its markers replaced. */
export function readmeWithConnectKeysFor(readme: string, sinks: readonly SinkConfigSpec[]): string {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) throw new Error('README.md has no connect-keys markers');
  return readme.slice(0, a + README_START.length) + '\n' + readmeConnectKeys(sinks) + '\n' + readme.slice(b);
}
