// Markdown reference of every option, generated from the declared spec, and
// the table of Kafka Connect keys (read / accepted with a notice / refused)
// that the README's migration section carries.
import { allOptions } from './load.js';
import { connectKeyFamilies, WORKER_ONLY_KEYS } from './connect-keys.js';
import { envName, type OptionSpec } from './options.js';

const options = allOptions as readonly OptionSpec<any>[];
/** Keys Sluice reads and acts on (the notice and refused ones are tabled apart). */
const acted = (o: OptionSpec<any>) => (!o.ignored || o.ignoredBy !== undefined) && !o.refused;

export function optionsMarkdown(): string {
  const groups: [string, (o: OptionSpec<any>) => boolean][] = [
    ['Common', (o) => !o.sinks && acted(o)],
    ['PostgreSQL sink', (o) => !!o.sinks?.includes('postgres') && acted(o)],
    ['S3 Parquet sink', (o) => !!o.sinks?.includes('s3') && acted(o)],
    ['Elasticsearch / OpenSearch sink', (o) => !!o.sinks?.includes('opensearch') && acted(o)],
  ];
  const out: string[] = ['# Sluice configuration reference', '', 'Generated from the declared spec (`node dist/src/cli.js config-docs`). Every key can be set in the connector JSON or as its environment variable; the environment wins. librdkafka properties pass through as `kafka.<property>` (or Kafka Connect\'s `consumer.override.<property>`), or `SLUICE_KAFKA_<PROPERTY>` with dots as underscores.', ''];
  for (const [title, pick] of groups) {
    out.push(`## ${title}`, '', '| key | env | expects | default | description |', '| --- | --- | --- | --- | --- |');
    for (const o of options.filter(pick)) {
      const def = o.default === undefined ? (o.required ? '**required**' : '') : `\`${Array.isArray(o.default) ? o.default.join(',') : String(o.default)}\``;
      const names = [o.key, ...(o.aliases ?? [])].map((k) => `\`${k}\``).join(' / ');
      const doc = (o.doc + (o.secret ? ' *Secret: never logged.*' : '')).replace(/\|/g, '\\|');
      out.push(`| ${names} | \`${envName(o.key)}\` | ${o.expects} | ${def} | ${doc} |`);
    }
    out.push('');
  }
  out.push('## Kafka Connect keys accepted with a notice, or refused', '', connectKeysMarkdown(), '');
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** Every Kafka Connect key (or key family) Sluice accepts with a notice or refuses, and the worker file keys. */
export function connectKeysMarkdown(): string {
  const out: string[] = [
    'A key below is accepted, and `sluice check` and the start-up log print one line saying it has no effect here and why; a refused key is a configuration error naming it. Any key not in these tables and not an option above is an error too ("unknown key", with the closest known key).',
    '',
    '| key | sinks | what Sluice does |',
    '| --- | --- | --- |',
  ];
  for (const o of options.filter((x) => !acted(x))) {
    const names = [o.key, ...(o.aliases ?? [])].map((k) => `\`${k}\``).join(' / ');
    const what = o.refused ? `**refused**: ${o.refused}` : `notice: ${o.ignored}`;
    out.push(`| ${names} | ${o.sinks?.join(', ') ?? 'all'} | ${cell(what)} |`);
  }
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
export function readmeConnectKeys(): string {
  const groups: [string, (o: OptionSpec<any>) => boolean][] = [
    ['all sinks', (o) => !o.sinks && acted(o)],
    ['PostgreSQL', (o) => !!o.sinks?.includes('postgres') && acted(o)],
    ['S3', (o) => !!o.sinks?.includes('s3') && acted(o)],
  ];
  const out = ['| Sluice | sinks | keys |', '| --- | --- | --- |'];
  for (const [title, pick] of groups) {
    const keys = options.filter(pick).flatMap((o) => [o.key, ...(o.aliases ?? [])]).map((k) => `\`${k}\``);
    out.push(`| reads and acts on | ${title} | ${keys.join(', ')} |`);
  }
  out.push(`| reads and acts on | all sinks | ${connectKeyFamilies.filter((f) => f.category === 'acted').map((f) => `\`${f.prefix}*\``).join(', ')} |`);
  return [
    out.join('\n'),
    '',
    'Everything else Sluice knows from Kafka Connect configs is accepted with a one-line notice, or refused naming the key:',
    '',
    connectKeysMarkdown(),
  ].join('\n');
}

export const README_START = '<!-- connect-keys: generated by npm run docs from src/config (do not edit by hand) -->';
export const README_END = '<!-- /connect-keys -->';

/** README.md with the generated table between its markers replaced. */
export function readmeWithConnectKeys(readme: string): string {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) throw new Error('README.md has no connect-keys markers');
  return readme.slice(0, a + README_START.length) + '\n' + readmeConnectKeys() + '\n' + readme.slice(b);
}
