// Java regular expressions as RegexRouter and TopicNameMatches use them:
// Matcher.matches() (the whole topic) and Matcher.replaceFirst's replacement
// syntax ($1, ${name}, \ escapes the next character).

/** A Java pattern as a JS RegExp that must match the whole string; throws for what JS cannot express. */
export function wholeMatch(pattern: string): RegExp {
  if (/\(\?>|[*+?}]\+/.test(pattern)) throw new Error('atomic groups and possessive quantifiers are not supported');
  // Java's embedded flags (?i) at the start are common in topic patterns; JS has the i flag.
  let flags = 'u';
  let body = pattern;
  const m = /^\(\?([imsx]+)\)/.exec(body);
  if (m) {
    if (m[1]!.includes('x')) throw new Error('the (?x) flag is not supported');
    flags += m[1]!;
    body = body.slice(m[0].length);
  }
  return new RegExp(`^(?:${jsEscapes(body)})$`, flags);
}

const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');

/**
 * Java's escapes in a form the u flag accepts: Java lets a backslash quote any
 * character that is not a letter or digit (`\_`, `\-`, `\#`), JS only its own
 * syntax characters, so the others lose the backslash (they mean themselves
 * either way); \Q…\E quotes are spelled out; \A, \Z and \z, Java-only anchors,
 * add nothing to a whole-string match.
 */
function jsEscapes(body: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('a trailing backslash escapes nothing');
    if (e === 'Q') {
      const end = body.indexOf('\\E', i + 1);
      const quoted = body.slice(i + 1, end < 0 ? body.length : end);
      out += quoted.replace(inClass ? /[\^$\\.*+?()[\]{}|/-]/g : /[\^$\\.*+?()[\]{}|/]/g, '\\$&');
      i = end < 0 ? body.length : end + 1;
    } else if (e === 'A' || e === 'Z' || e === 'z') {
      // nothing: the pattern is anchored at both ends already
    } else if (/[A-Za-z0-9]/.test(e) || JS_SYNTAX.has(e) || (inClass && e === '-')) {
      out += '\\' + e;
    } else {
      out += e;
    }
  }
  return out;
}

/** A compiled Java replacement string: literal parts and group references. */
export function javaReplacement(replacement: string): (m: RegExpExecArray) => string {
  const parts: (string | number | { name: string })[] = [];
  let lit = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      i++;
      if (i >= replacement.length) throw new Error('character to be escaped is missing');
      lit += replacement[i];
    } else if (c === '$') {
      i++;
      if (i >= replacement.length) throw new Error('illegal group reference: group index is missing');
      if (replacement[i] === '{') {
        const end = replacement.indexOf('}', i);
        if (end < 0) throw new Error("named capturing group is missing trailing '}'");
        if (lit) parts.push(lit);
        lit = '';
        parts.push({ name: replacement.slice(i + 1, end) });
        i = end;
      } else {
        let j = i;
        while (j < replacement.length && /\d/.test(replacement[j]!)) j++;
        if (j === i) throw new Error('illegal group reference');
        if (lit) parts.push(lit);
        lit = '';
        parts.push(Number(replacement.slice(i, j)));
        i = j - 1;
      }
    } else lit += c;
  }
  if (lit) parts.push(lit);
  return (m) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') {
        if (p >= m.length) throw new Error(`No group ${p}`);
        out += m[p] ?? '';
      } else {
        if (!m.groups || !(p.name in m.groups)) throw new Error(`No group with name {${p.name}}`);
        out += m.groups[p.name] ?? '';
      }
    }
    return out;
  };
}
