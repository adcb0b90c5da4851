// What the REST API shows of a connector's config. A key is secret when its
// declared option says so (src/config, `secret: true`) or when its name marks
// it secret whichever client reads it (passwords, JAAS configs, keys,
// tokens). Such a value comes back as Connect's "[hidden]" unless it is only
// config-provider placeholders (${file:…}, ${env:…}), which are shown as the
// user wrote them: the resolved value never reaches the REST layer. Passwords
// inside connection URLs are masked too.
import { connectKeyOptions } from '../../config/connect-keys.js';
import { isSecretKafkaKey } from '../../config/kafka-security.js';
import type { OptionSpec } from '../../config/options.js';
import { redact } from '../../config/redact.js';
import { commonOptions } from '../../config/spec.js';
import { postgresOptions } from '../../sinks/postgres/config.js';
import { s3Options } from '../../sinks/s3-parquet/config.js';
import type { ConfigInfos, ConnectorConfig, ConnectorInfo, TaskInfo } from '../herder.js';

export const HIDDEN = '[hidden]';

const declaredSecret = new Set<string>();

/** Adds the secret keys (and aliases) of option declarations, e.g. a sink's options. */
export function declareSecretOptions(options: readonly OptionSpec<any>[]): void {
  for (const o of options) {
    if (!o.secret) continue;
    declaredSecret.add(o.key);
    for (const a of o.aliases ?? []) declaredSecret.add(a);
  }
}
declareSecretOptions([...commonOptions, ...connectKeyOptions, ...postgresOptions, ...s3Options]);

export function isSecretKey(key: string): boolean {
  // The name rule also catches keys no option declares (kafka.*, consumer.override.*, a new sink's password).
  return declaredSecret.has(key) || isSecretKafkaKey(key) || /(^|\.)user\.info$|(^|\.)customer\.key$/.test(key);
}

// Connect's ConfigTransformer DEFAULT_PATTERN: ${provider:[path:]key}.
const PLACEHOLDER = /\$\{[^}]*?:(?:[^}]*?:)?[^}]*?\}/g;

/** Whether the value is nothing but config-provider placeholders (and blanks). */
export function isOnlyPlaceholders(value: string): boolean {
  const rest = value.replace(PLACEHOLDER, '');
  return rest !== value && rest.trim() === '';
}

/** user:password@ in a URL and password=… parameters (JDBC URLs) masked. */
function maskUrl(value: string): string {
  return value
    .replace(/(\/\/[^/:@\s]*:)([^@/\s]+)@/g, (_m, pre: string, pw: string) => (isOnlyPlaceholders(pw) ? _m : `${pre}${HIDDEN}@`))
    .replace(/([?&;]password=)([^&;]*)/gi, (_m, pre: string, pw: string) => (isOnlyPlaceholders(pw) ? _m : `${pre}${HIDDEN}`));
}

export function maskValue(key: string, value: string): string;
export function maskValue(key: string, value: string | null): string | null;
export function maskValue(key: string, value: string | null): string | null {
  if (value === null || value === '') return value;
  if (isSecretKey(key)) return isOnlyPlaceholders(value) ? value : HIDDEN;
  if (/(^|\.)url$|\.urls?$|^connection\.url$/i.test(key)) return maskUrl(value);
  return value;
}

export function maskConfig(config: ConnectorConfig): ConnectorConfig {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) out[k] = maskValue(k, v);
  return out;
}

export function maskInfo(info: ConnectorInfo): ConnectorInfo {
  return { ...info, config: maskConfig(info.config) };
}

export function maskTasks(tasks: readonly TaskInfo[]): TaskInfo[] {
  return tasks.map((t) => ({ ...t, config: maskConfig(t.config) }));
}

export function maskConfigInfos(infos: ConfigInfos): ConfigInfos {
  return {
    ...infos,
    configs: infos.configs.map((c) => {
      const secret = c.definition.type === 'PASSWORD' || isSecretKey(c.value.name);
      if (!secret) return { ...c, value: { ...c.value, value: maskValue(c.value.name, c.value.value) } };
      const v = c.value.value;
      return { ...c, value: { ...c.value, value: v === null || v === '' || v === HIDDEN || isOnlyPlaceholders(v) ? v : HIDDEN } };
    }),
  };
}

/** The literal (non-placeholder) values of a config's secret keys, for redacting free text such as status traces. */
export function literalSecrets(config: ConnectorConfig): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (v && v.length >= 3 && isSecretKey(k) && !isOnlyPlaceholders(v)) out.push(v);
  }
  return out;
}

export function redactText(text: string, secrets: readonly string[]): string {
  return redact(text, secrets.filter((s) => s.length > 0), { mask: HIDDEN, minLength: 1 });
}

/**
 * Operators GET a config, change a key and PUT it back; what they got has
 * "[hidden]" where a secret was. A value that is exactly the masked form of
 * the stored one means "unchanged", so the stored value is kept instead of
 * the literal "[hidden]" (Connect, which shows secrets, round-trips them too).
 */
export function restoreHidden<T extends string | null>(incoming: Record<string, T>, stored: ConnectorConfig | undefined): Record<string, T> {
  if (!stored) return incoming;
  const out: Record<string, T> = { ...incoming };
  for (const [k, v] of Object.entries(incoming)) {
    const was = stored[k];
    if (v === null || was === undefined || v === was || !v.includes(HIDDEN)) continue;
    if (maskValue(k, was) === v) out[k] = was as T;
  }
  return out;
}
