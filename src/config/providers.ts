// Kafka Connect config providers: ${alias:path:key} in any value, resolved by
// the provider class declared as config.providers.<alias>.class. Sluice has
// Apache Kafka's three: FileConfigProvider (a key of a properties file),
// DirectoryConfigProvider (the content of a file in a directory) and
// EnvVarConfigProvider (an environment variable), with their params
// (allowed.paths, allowlist.pattern). Without a config.providers declaration,
// `file`, `dir` and `env` are available under those names, as most worker
// files declare them.
import fs from 'node:fs';
import path from 'node:path';

/** Kafka's ConfigTransformer pattern: ${provider:[path:]key}. */
const VARIABLE = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;

type Kind = 'file' | 'dir' | 'env';

const CLASSES: Readonly<Record<string, Kind>> = {
  'org.apache.kafka.common.config.provider.FileConfigProvider': 'file',
  'org.apache.kafka.common.config.provider.DirectoryConfigProvider': 'dir',
  'org.apache.kafka.common.config.provider.EnvVarConfigProvider': 'env',
};

interface Provider {
  kind: Kind;
  /** FileConfigProvider / DirectoryConfigProvider allowed.paths: directories files must lie under. */
  allowedPaths?: string[];
  /** EnvVarConfigProvider allowlist.pattern. */
  allowlist?: RegExp;
}

export function parsePropertiesText(text: string): Map<string, string> {
  // java.util.Properties: continuation lines end in an odd number of backslashes; \uXXXX, \t, \n escapes.
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    let k = 0;
    while (k < line.length && !/[=:\s]/.test(line[k]!)) k += line[k] === '\\' ? 2 : 1;
    const key = unescape(line.slice(0, k));
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(key, unescape(rest));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c);
}

export class ConfigProviders {
  private readonly providers = new Map<string, Provider>();
  /** Problems of the declaration itself (an unknown class, a bad param). */
  readonly problems: string[] = [];
  readonly declared: boolean;

  /** `decl`: every config.providers* key with its value and where it came from. */
  constructor(decl: ReadonlyMap<string, { value: string; origin: string }>, private readonly env: NodeJS.ProcessEnv) {
    const list = decl.get('config.providers');
    this.declared = list !== undefined;
    if (!list) {
      for (const kind of ['file', 'dir', 'env'] as const) this.providers.set(kind, { kind });
    } else {
      for (const alias of list.value.split(',').map((s) => s.trim()).filter(Boolean)) {
        const cls = decl.get(`config.providers.${alias}.class`);
        if (!cls) {
          this.problems.push(`${list.origin}: provider "${alias}" has no config.providers.${alias}.class`);
          continue;
        }
        const kind = CLASSES[cls.value.trim()];
        if (!kind) {
          this.problems.push(`${cls.origin}: "${cls.value}" is not a config provider Sluice has (FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider); resolve the secret into a file or an environment variable and use one of those`);
          continue;
        }
        const p: Provider = { kind };
        const allowed = decl.get(`config.providers.${alias}.param.allowed.paths`);
        if (allowed && kind !== 'env') p.allowedPaths = allowed.value.split(',').map((s) => path.resolve(s.trim())).filter(Boolean);
        const allow = decl.get(`config.providers.${alias}.param.allowlist.pattern`);
        if (allow && kind === 'env') {
          try {
            p.allowlist = new RegExp(`^(?:${allow.value})$`);
          } catch (err) {
            this.problems.push(`${allow.origin}: not a valid regular expression (${(err as Error).message})`);
          }
        }
        this.providers.set(alias, p);
      }
    }
    for (const [key, { origin }] of decl) {
      if (key === 'config.providers') continue;
      const m = /^config\.providers\.([^.]+)\.(class|param\..+)$/.exec(key);
      if (!m) this.problems.push(`${origin}: not a config provider setting (config.providers.<alias>.class or .param.<name>)`);
      else if (this.declared && !list!.value.split(',').map((s) => s.trim()).includes(m[1]!)) {
        this.problems.push(`${origin}: provider "${m[1]}" is not listed in config.providers`);
      }
    }
  }

  /** Replaces every ${alias:[path:]key} in a value; problems name `origin`. */
  resolve(value: string, origin: string, problems: string[]): string {
    return value.replace(VARIABLE, (whole, alias: string, p: string | undefined, key: string) => {
      const provider = this.providers.get(alias);
      if (!provider) {
        // Kafka Connect leaves an unknown variable as it is; a literal ${...} password would only fail later, less clearly.
        problems.push(`${origin}: \${${alias}:...} names no config provider${this.declared ? ' listed in config.providers' : ' (file, dir and env are available without config.providers)'}`);
        return whole;
      }
      try {
        return this.lookup(provider, alias, p, key);
      } catch (err) {
        problems.push(`${origin}: ${(err as Error).message}`);
        return '';
      }
    });
  }

  private lookup(provider: Provider, alias: string, p: string | undefined, key: string): string {
    if (provider.kind === 'env') {
      // EnvVarConfigProvider reads ${env:VAR}; a path is not used.
      if (provider.allowlist && !provider.allowlist.test(key)) throw new Error(`environment variable ${key} is not allowed by config.providers.${alias}.param.allowlist.pattern`);
      const v = this.env[key];
      if (v === undefined) throw new Error(`environment variable ${key} is not set`);
      return v;
    }
    if (p === undefined || p === '') {
      throw new Error(provider.kind === 'file' ? `\${${alias}:...} needs the form \${${alias}:/path/to/file.properties:key}` : `\${${alias}:...} needs the form \${${alias}:/path/to/dir:file}`);
    }
    const target = provider.kind === 'file' ? path.resolve(p) : path.resolve(p, key);
    if (provider.allowedPaths && !provider.allowedPaths.some((d) => target === d || target.startsWith(d.endsWith(path.sep) ? d : d + path.sep))) {
      throw new Error(`${target} is not under config.providers.${alias}.param.allowed.paths`);
    }
    if (provider.kind === 'dir' && (key.includes('/') || key === '..' || key === '.')) throw new Error(`\${${alias}:${p}:${key}}: the key must be a file name in the directory`);
    let text: string;
    try {
      text = fs.readFileSync(target, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${target} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (provider.kind === 'dir') return text;
    const v = parsePropertiesText(text).get(key);
    if (v === undefined) throw new Error(`${p} has no key ${key}`);
    return v;
  }
}
