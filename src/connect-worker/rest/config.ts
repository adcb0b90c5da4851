// The REST server's settings, read from Kafka Connect's worker properties as
// Connect's RestServerConfig reads them: `listeners` (comma-separated
// http[s]://host:port), `rest.advertised.host.name|port|listener`,
// `topic.tracking.enable|allow.reset`, `rest.extension.classes` (basic auth),
// and the TLS keys of https listeners (`listeners.https.ssl.*`, else `ssl.*`).
// One difference on purpose: with no `listeners`, or a listener with no host,
// Sluice binds 127.0.0.1, not every interface (write 0.0.0.0 for that).
import fs from 'node:fs';
import { ConfigError } from '../../errors.js';
import { readBasicAuth, BASIC_AUTH_EXTENSION, type BasicAuth } from './auth.js';
import { ADMIN_HTTPS_PREFIX, readTlsOptions, type TlsSettings } from './tls.js';

export interface Listener {
  readonly protocol: 'http' | 'https';
  /** Host to bind; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** As written in `listeners`, for messages. */
  readonly spec: string;
}

export interface RestConfig {
  readonly listeners: readonly Listener[];
  /**
   * admin.listeners: undefined serves the admin resources (/admin/loggers) on
   * `listeners`; an empty list disables them; otherwise only these serve them.
   */
  readonly adminListeners?: readonly Listener[];
  /** TLS of https admin listeners (admin.listeners.https.ssl.*, else ssl.*). */
  readonly adminTls?: TlsSettings;
  readonly advertisedHost?: string;
  readonly advertisedPort?: number;
  readonly advertisedListener?: 'http' | 'https';
  readonly topicTrackingEnabled: boolean;
  readonly topicTrackingResetAllowed: boolean;
  /** Set when rest.extension.classes names Connect's BasicAuthSecurityRestExtension. */
  readonly basicAuth?: BasicAuth;
  /** Server TLS for https listeners; set when any listener is https. */
  readonly tls?: TlsSettings;
  /** Access-Control-Allow-Origin to send, when set (access.control.allow.origin). */
  readonly allowOrigin?: string;
  readonly allowMethods?: string;
  /** response.http.headers.config rules, applied to every response (Jetty's HeaderFilter). */
  readonly responseHeaders: readonly ResponseHeaderRule[];
  /** One-line notices for the log (never a value of a secret key). */
  readonly notices: readonly string[];
}

export interface ResponseHeaderRule {
  readonly action: 'set' | 'add' | 'setDate' | 'addDate';
  readonly name: string;
  /** The header value; for the *Date actions, milliseconds from now. */
  readonly value: string;
}

/** Jetty's QuotedCSV: commas inside double quotes do not split; the quotes go. */
function splitQuotedCsv(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** response.http.headers.config, validated as RestServerConfig.validateHttpResponseHeaderConfig does. */
export function parseResponseHeaders(value: string): ResponseHeaderRule[] {
  const key = 'response.http.headers.config';
  const rules: ResponseHeaderRule[] = [];
  for (const rule of splitQuotedCsv(value)) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rule);
    if (!m) throw new ConfigError([`${key}: invalid format of header config '${rule}'. Expected: '[action] [header name]:[header value]'`]);
    const action = (['set', 'add', 'setDate', 'addDate'] as const).find((a) => a.toLowerCase() === m[1]!.toLowerCase());
    if (!action) throw new ConfigError([`${key}: invalid header config action: '${m[1]}'. Expected one of [set, add, setDate, addDate]`]);
    const parts = m[2]!.trim().split(':');
    if (parts.length !== 2) throw new ConfigError([`${key}: invalid format of header name and header value pair '${m[2]}'. Expected: '[header name]:[header value]'`]);
    const name = parts[0]!.trim();
    if (name === '' || /\s/.test(name)) throw new ConfigError([`${key}: invalid header name '${name}'. The '[header name]' cannot contain whitespace`]);
    const v = parts[1]!.trim();
    if ((action === 'setDate' || action === 'addDate') && !/^-?\d+$/.test(v)) throw new ConfigError([`${key}: ${action} ${name} needs milliseconds from now, not '${v}'`]);
    rules.push({ action, name, value: v });
  }
  return rules;
}

export const DEFAULT_LISTENER = 'http://127.0.0.1:8083';

// Connect's RestServer.LISTENER_PATTERN.
const LISTENER_PATTERN = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

export function parseListeners(value: string, key = 'listeners'): { listeners: Listener[]; notices: string[] } {
  const specs = value.split(',').map((s) => s.trim());
  if (specs.length === 0 || specs.every((s) => s === '')) {
    throw new ConfigError([`${key}: at least one URL is expected, e.g. http://127.0.0.1:8083,https://127.0.0.1:8443`]);
  }
  const listeners: Listener[] = [];
  const notices: string[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    if (spec === '') {
      problems.push(`${key}: empty URL found in the list`);
      continue;
    }
    const m = LISTENER_PATTERN.exec(spec);
    if (!m) {
      problems.push(`${key}: ${spec} is not a listener URL (expected http://host:port or https://host:port)`);
      continue;
    }
    const protocol = m[1]!.toLowerCase();
    if (protocol !== 'http' && protocol !== 'https') {
      problems.push(`${key}: ${spec}: unsupported protocol ${m[1]} (http or https)`);
      continue;
    }
    const port = Number(m[3]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      problems.push(`${key}: ${spec}: port ${m[3]} is out of range`);
      continue;
    }
    let host = m[2]!;
    if (host === '') {
      host = '127.0.0.1';
      notices.push(`${key}: ${spec} names no host; Sluice binds 127.0.0.1 (Kafka Connect would bind every interface; write 0.0.0.0 for that)`);
    }
    listeners.push({ protocol, host, port, spec });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { listeners, notices };
}

function bool(props: ReadonlyMap<string, string>, key: string, dflt: boolean): boolean {
  const v = props.get(key)?.trim().toLowerCase();
  if (v === undefined || v === '') return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError([`${key}: ${JSON.stringify(v)} is not true or false`]);
}

export interface ReadRestConfigOptions {
  readFile?: (path: string) => Buffer;
  /** For the JAAS file path in KAFKA_OPTS (-Djava.security.auth.login.config=…). */
  env?: NodeJS.ProcessEnv;
}

/** The REST settings of worker properties (as parsed from the worker file, env already applied). */
export function readRestConfig(props: ReadonlyMap<string, string>, opts: ReadRestConfigOptions = {}): RestConfig {
  const readFile = opts.readFile ?? ((p: string) => fs.readFileSync(p));
  const env = opts.env ?? process.env;
  const notices: string[] = [];
  const problems: string[] = [];

  const { listeners, notices: ln } = parseListeners(props.get('listeners') ?? DEFAULT_LISTENER);
  notices.push(...ln);
  if (!props.has('listeners')) notices.push(`listeners: not set; Sluice serves the REST API on ${DEFAULT_LISTENER} (Kafka Connect's default is every interface)`);

  let adminListeners: Listener[] | undefined;
  const adminSpec = props.get('admin.listeners');
  if (adminSpec !== undefined) {
    if (adminSpec.trim() === '') adminListeners = [];
    else {
      try {
        const parsed = parseListeners(adminSpec, 'admin.listeners');
        adminListeners = parsed.listeners;
        notices.push(...parsed.notices);
      } catch (err) {
        if (err instanceof ConfigError) problems.push(...err.problems);
        else throw err;
      }
    }
  }

  let advertisedPort: number | undefined;
  const ap = props.get('rest.advertised.port')?.trim();
  if (ap) {
    advertisedPort = Number(ap);
    if (!/^\d+$/.test(ap) || advertisedPort < 1 || advertisedPort > 65535) problems.push(`rest.advertised.port: ${ap} is not a port`);
  }
  const al = props.get('rest.advertised.listener')?.trim().toLowerCase();
  let advertisedListener: 'http' | 'https' | undefined;
  if (al) {
    if (al !== 'http' && al !== 'https') problems.push(`rest.advertised.listener: ${al} is not http or https`);
    else if (!listeners.some((l) => l.protocol === al)) problems.push(`rest.advertised.listener: no ${al} listener in listeners`);
    else advertisedListener = al;
  }
  const advertisedHost = props.get('rest.advertised.host.name')?.trim() || undefined;

  let basicAuth: BasicAuth | undefined;
  const extensions = (props.get('rest.extension.classes') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ext of extensions) {
    if (ext === BASIC_AUTH_EXTENSION) {
      try {
        basicAuth = readBasicAuth(props, env, readFile);
      } catch (err) {
        if (err instanceof ConfigError) problems.push(...err.problems);
        else throw err;
      }
    } else {
      problems.push(`rest.extension.classes: ${ext} is a Java REST extension Sluice cannot load; it supports ${BASIC_AUTH_EXTENSION} only`);
    }
  }

  let tls: TlsSettings | undefined;
  if (listeners.some((l) => l.protocol === 'https')) {
    try {
      tls = readTlsOptions(props, readFile);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  let adminTls: TlsSettings | undefined;
  if (adminListeners?.some((l) => l.protocol === 'https')) {
    try {
      adminTls = readTlsOptions(props, readFile, ADMIN_HTTPS_PREFIX);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  for (const l of [...listeners, ...(adminListeners ?? [])]) {
    if (!basicAuth && !isLoopback(l.host)) {
      notices.push(`listeners: ${l.spec} accepts connections from other hosts without authentication; set rest.extension.classes=${BASIC_AUTH_EXTENSION} to require a password`);
    }
  }

  let responseHeaders: ResponseHeaderRule[] = [];
  try {
    responseHeaders = parseResponseHeaders(props.get('response.http.headers.config') ?? '');
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }

  let topicTrackingEnabled = true;
  let topicTrackingResetAllowed = true;
  try {
    topicTrackingEnabled = bool(props, 'topic.tracking.enable', true);
    topicTrackingResetAllowed = bool(props, 'topic.tracking.allow.reset', true);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    listeners,
    adminListeners,
    adminTls,
    advertisedHost,
    advertisedPort,
    advertisedListener,
    topicTrackingEnabled,
    topicTrackingResetAllowed,
    basicAuth,
    tls,
    allowOrigin: props.get('access.control.allow.origin')?.trim() || undefined,
    allowMethods: props.get('access.control.allow.methods')?.trim() || undefined,
    responseHeaders,
    notices,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
