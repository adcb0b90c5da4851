// Markdown reference of every option, generated from the declared spec, and
// the table of Kafka Connect keys (read / accepted with a notice / refused)
// that the README's migration section carries.
import { allOptions } from './load.js';
import { connectKeyFamilies, WORKER_ONLY_KEYS } from './connect-keys.js';
import { envName, type OptionSpec } from './options.js';

const options = allOptions as readonly OptionSpec<any>[];
/** Keys Sluice reads and acts on (the notice and refused ones are tabled apart). */
const acted = (o: OptionSpec<any>) => !o.ignored && !o.refused;

export function optionsMarkdown(): string {
  const groups: [string, (o: OptionSpec<any>) => boolean][] = [
    ['Common', (o) => !o.sinks && acted(o)],
    ['PostgreSQL sink', (o) => !!o.sinks?.includes('postgres') && acted(o)],
    ['S3 Parquet sink', (o) => !!o.sinks?.includes('s3') && acted(o)],
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
