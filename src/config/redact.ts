// Masking secret values in messages. A message names config keys, and a short
// secret can be spelled inside one (password "postgres" in
// dialect.postgres.postgis.schema): masking there hides the key the message is
// about and tells a reader the secret. Key names are not secrets, so a secret
// found strictly inside a known key name is left alone; everywhere else, and
// wherever a whole token equals the secret, it is masked.

/** Every config key name loadConfig knows (declared keys, aliases, and the keys a config was given with). */
const keyNames = new Set<string>();

export function rememberKeyNames(names: Iterable<string>): void {
  for (const n of names) keyNames.add(n);
}

/** Tokens that can be a config key: letters, digits, dots, dashes, underscores. */
const TOKEN = /[A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9_]/g;

/** Replaces every secret value inside a text with ***, never inside the key names it mentions. */
export function redact(text: string, secrets: readonly string[], opts: { mask?: string; minLength?: number } = {}): string {
  const mask = opts.mask ?? '***';
  const minLength = opts.minLength ?? 3;
  const present = secrets.filter((s) => s.length >= minLength && text.includes(s));
  if (present.length === 0) return text;
  const keys: Array<[number, number]> = [];
  for (const m of text.matchAll(TOKEN)) if (keyNames.has(m[0])) keys.push([m.index, m.index + m[0].length]);
  const hide = new Uint8Array(text.length);
  for (const s of present) {
    for (let at = text.indexOf(s); at !== -1; at = text.indexOf(s, at + 1)) {
      const end = at + s.length;
      const insideKey = keys.some(([a, b]) => a <= at && end <= b && !(a === at && end === b));
      if (!insideKey) hide.fill(1, at, end);
    }
  }
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!hide[i]) out += text[i];
    else if (i === 0 || !hide[i - 1]) out += mask;
  }
  return out;
}
