// HTTP basic auth as Kafka Connect's BasicAuthSecurityRestExtension does it:
// a JAAS file (named by -Djava.security.auth.login.config in KAFKA_OPTS, or
// the worker property of the same name) with a `KafkaConnect` entry holding
// PropertyFileLoginModule and its `file` option; that file is a Java
// properties file of `user: password` lines, read once at start. As in
// Connect, the whole value is the password, and an empty file lets every
// request through. Failures answer 401 "User cannot access the resource.".
import crypto from 'node:crypto';
import { ConfigError } from '../../errors.js';
import { parseJaasConfig } from '../../config/kafka-security.js';
import { parsePropertiesText } from '../../config/providers.js';

export const BASIC_AUTH_EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
export const PROPERTY_FILE_LOGIN_MODULE = 'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
const LOGIN_CONTEXT = 'KafkaConnect';
export const JAAS_PROPERTY = 'java.security.auth.login.config';

export interface BasicAuth {
  readonly jaasPath: string;
  readonly usersPath: string;
  /** user → sha256(password): compared in constant time, and no password string kept around. */
  readonly users: ReadonlyMap<string, Buffer>;
}

/** The JAAS file path: the worker property, else -Djava.security.auth.login.config=… in KAFKA_OPTS. */
function jaasPathOf(props: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv): string | undefined {
  const p = props.get(JAAS_PROPERTY)?.trim();
  if (p) return p;
  const m = /(?:^|\s)-Djava\.security\.auth\.login\.config=(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(env.KAFKA_OPTS ?? '');
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** The body of `<name> { … };` in a JAAS configuration file. */
function jaasSection(text: string, name: string): string | undefined {
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"'])\/\/.*$/gm, '$1');
  const re = new RegExp(`(?:^|[\\s;}])${name}\\s*\\{([^}]*)\\}\\s*;?`);
  return re.exec(noComments)?.[1];
}

export function readBasicAuth(props: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, readFile: (p: string) => Buffer): BasicAuth {
  const jaasPath = jaasPathOf(props, env);
  const ext = `rest.extension.classes=${BASIC_AUTH_EXTENSION}`;
  if (!jaasPath) {
    throw new ConfigError([`${ext} needs a JAAS file: set KAFKA_OPTS=-D${JAAS_PROPERTY}=<path> (as for Kafka Connect) or the worker property ${JAAS_PROPERTY}`]);
  }
  let text: string;
  try {
    text = readFile(jaasPath).toString('utf8');
  } catch (err) {
    throw new ConfigError([`${JAAS_PROPERTY}: cannot read ${jaasPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const body = jaasSection(text, LOGIN_CONTEXT);
  if (body === undefined) throw new ConfigError([`${JAAS_PROPERTY}: ${jaasPath} has no ${LOGIN_CONTEXT} { … }; entry`]);
  let entries;
  try {
    entries = parseJaasConfig(body);
  } catch (err) {
    throw new ConfigError([`${JAAS_PROPERTY}: ${jaasPath}: the ${LOGIN_CONTEXT} entry cannot be read: ${(err as Error).message}`]);
  }
  const other = entries.find((e) => e.module !== PROPERTY_FILE_LOGIN_MODULE);
  if (other) {
    throw new ConfigError([`${JAAS_PROPERTY}: ${jaasPath}: login module ${other.module} is not supported; Sluice reads ${PROPERTY_FILE_LOGIN_MODULE} only`]);
  }
  const usersPath = entries[0]!.options.file?.trim();
  if (!usersPath) throw new ConfigError([`${JAAS_PROPERTY}: ${jaasPath}: ${PROPERTY_FILE_LOGIN_MODULE} needs file="<users file>"`]);
  let usersText: string;
  try {
    usersText = readFile(usersPath).toString('utf8');
  } catch (err) {
    throw new ConfigError([`${JAAS_PROPERTY}: ${jaasPath}: cannot read the users file ${usersPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const users = new Map<string, Buffer>();
  for (const [user, password] of parsePropertiesText(usersText)) users.set(user, sha256(password));
  return { jaasPath, usersPath, users };
}

function sha256(s: string): Buffer {
  return crypto.createHash('sha256').update(s, 'utf8').digest();
}

/** Connect's BasicAuthCredentials: `Basic base64(user:password)`, user non-empty. */
function credentials(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space <= 0 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Whether the Authorization header passes PropertyFileLoginModule's check; the user when it does. */
export function authenticate(auth: BasicAuth, header: string | undefined): { ok: boolean; user?: string } {
  // Connect: an empty credentials file permits every request.
  if (auth.users.size === 0) return { ok: true };
  const c = credentials(header);
  if (!c) return { ok: false };
  const expected = auth.users.get(c.user);
  const given = sha256(c.password);
  // Compare even for an unknown user, so timing does not tell which users exist.
  const match = crypto.timingSafeEqual(given, expected ?? sha256('\u0000' + c.password));
  return expected && match ? { ok: true, user: c.user } : { ok: false };
}

export const UNAUTHORIZED_MESSAGE = 'User cannot access the resource.';
