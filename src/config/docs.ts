// Markdown reference of every option, generated from the declared spec.
import { allOptions } from './load.js';
import { envName, type OptionSpec } from './options.js';

export function optionsMarkdown(): string {
  const groups: [string, (o: OptionSpec<any>) => boolean][] = [
    ['Common', (o) => !o.sinks],
    ['PostgreSQL sink', (o) => !!o.sinks?.includes('postgres')],
    ['S3 Parquet sink', (o) => !!o.sinks?.includes('s3')],
  ];
  const out: string[] = ['# Sluice configuration reference', '', 'Generated from the declared spec (`node dist/src/cli.js config-docs`). Every key can be set in the connector JSON or as its environment variable; the environment wins. librdkafka properties pass through as `kafka.<property>` (or Kafka Connect\'s `consumer.override.<property>`), or `SLUICE_KAFKA_<PROPERTY>` with dots as underscores.', ''];
  for (const [title, pick] of groups) {
    out.push(`## ${title}`, '', '| key | env | expects | default | description |', '| --- | --- | --- | --- | --- |');
    for (const o of (allOptions as readonly OptionSpec<any>[]).filter(pick)) {
      const def = o.default === undefined ? (o.required ? '**required**' : '') : `\`${Array.isArray(o.default) ? o.default.join(',') : String(o.default)}\``;
      const names = [o.key, ...(o.aliases ?? [])].map((k) => `\`${k}\``).join(' / ');
      const doc = (o.doc + (o.ignored ? ` *Accepted, no effect:* ${o.ignored}` : '') + (o.secret ? ' *Secret: never logged.*' : '')).replace(/\|/g, '\\|');
      out.push(`| ${names} | \`${envName(o.key)}\` | ${o.expects} | ${def} | ${doc} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
