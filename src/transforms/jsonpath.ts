// A subset of Jayway JsonPath (github.com/json-path/JsonPath), the syntax of
// Confluent's Filter SMT `filter.condition`, evaluated on decoded keys and
// values (objects, arrays, numbers, bigint, strings, booleans, null). No JSONPath
// library is among Sluice's dependencies, so this one reads:
//   $  .name  ['name']  ["name"]  ['a','b']  [n]  [-n]  [*]  .*  [?(filter)]
// and in a filter: @ and $ paths as above, 'text' / "text", numbers, true,
// false, null, /regex/flags, == != < <= > >= =~, &&, ||, !, parentheses; a
// lone path tests that it exists. Anything else (.. deep scan, slices,
// functions such as length(), in / nin / subsetof / size / empty) is a
// parse error, so a condition is never read some other way.
//
// Jayway semantics kept: a filter on an object tests the object itself, on an
// array each element; a missing property on a definite prefix of the path is
// PathNotFoundException ("missing"), inside an indefinite part it is skipped;
// in a filter a missing path is undefined: == never holds, != does; == between
// a number and a string compares them as Jayway's value nodes do (the string
// read as a number, or the number as its text); < <= > >= compare two numbers
// or two strings only; =~ must match the whole text.
import { wholeMatch } from './java-regex.js';

type Seg =
  | { k: 'names'; names: string[] }
  | { k: 'index'; i: number }
  | { k: 'wild' }
  | { k: 'filter'; f: Expr };

type Operand =
  | { k: 'path'; root: '@' | '$'; segs: Seg[] }
  | { k: 'lit'; v: unknown }
  | { k: 'regex'; re: RegExp };

type Expr =
  | { k: 'or' | 'and'; a: Expr; b: Expr }
  | { k: 'not'; a: Expr }
  | { k: 'exists'; p: Operand }
  | { k: 'cmp'; op: string; l: Operand; r: Operand };

/** A path was missing where Jayway throws PathNotFoundException. */
export class PathNotFound extends Error {}

const UNDEFINED = Symbol('undefined');

export class JsonPath {
  private readonly segs: Seg[];
  /** No wildcard, filter or several names: one result or PathNotFound. */
  readonly definite: boolean;

  constructor(readonly text: string) {
    const p = new Parser(text);
    if (p.peek() !== '$') p.fail('a JSON path starts with $');
    p.at++;
    this.segs = p.segments();
    p.skipWs();
    if (p.at < text.length) p.fail(`unexpected ${JSON.stringify(text.slice(p.at, p.at + 10))}`);
    this.definite = isDefinite(this.segs);
  }

  /** Jayway's JsonPath.read: the value (definite) or the list of matches; throws PathNotFound. */
  read(root: unknown): unknown {
    const out = walk(root, root, this.segs, true);
    if (this.definite) {
      if (out.length === 0) throw new PathNotFound(`No results for path: ${this.text}`);
      return out[0];
    }
    return out;
  }
}

function isDefinite(segs: readonly Seg[]): boolean {
  return segs.every((s) => (s.k === 'names' && s.names.length === 1) || s.k === 'index');
}

/** Every value the segments reach from `v`; `strict` while the path so far is definite. */
function walk(root: unknown, v: unknown, segs: readonly Seg[], strict: boolean): unknown[] {
  let cur: unknown[] = [v];
  for (let n = 0; n < segs.length; n++) {
    const s = segs[n]!;
    const definiteSoFar = strict && isDefinite(segs.slice(0, n + 1));
    const next: unknown[] = [];
    for (const x of cur) {
      switch (s.k) {
        case 'names':
          for (const name of s.names) {
            if (isObject(x) && Object.hasOwn(x, name) && x[name] !== undefined) next.push(x[name]);
            else if (definiteSoFar) throw new PathNotFound(`Missing property in path ${name}`);
          }
          break;
        case 'index':
          if (Array.isArray(x)) {
            const i = s.i < 0 ? x.length + s.i : s.i;
            if (i >= 0 && i < x.length) next.push(x[i]);
            else if (definiteSoFar) throw new PathNotFound(`Index ${s.i} out of bounds`);
          } else if (definiteSoFar) throw new PathNotFound(`Filter: [${s.i}] can only be applied to arrays`);
          break;
        case 'wild':
          if (Array.isArray(x)) next.push(...x);
          else if (isObject(x)) next.push(...Object.values(x));
          break;
        case 'filter':
          if (Array.isArray(x)) {
            for (const e of x) if (test(s.f, e, root)) next.push(e);
          } else if (isObject(x) && test(s.f, x, root)) next.push(x);
          break;
      }
    }
    cur = next;
  }
  return cur;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && !(x instanceof Date);
}

function operandValue(o: Operand, at: unknown, root: unknown): unknown {
  if (o.k === 'lit') return o.v;
  if (o.k === 'regex') return o.re;
  const found = walk(o.root === '@' ? at : root, o.root === '@' ? at : root, o.segs, false);
  if (isDefinite(o.segs)) return found.length === 0 ? UNDEFINED : found[0];
  return found;
}

function test(e: Expr, at: unknown, root: unknown): boolean {
  switch (e.k) {
    case 'or': return test(e.a, at, root) || test(e.b, at, root);
    case 'and': return test(e.a, at, root) && test(e.b, at, root);
    case 'not': return !test(e.a, at, root);
    case 'exists': {
      const v = operandValue(e.p, at, root);
      return v !== UNDEFINED && !(Array.isArray(v) && !isDefinite((e.p as { segs: Seg[] }).segs) && v.length === 0);
    }
    case 'cmp': {
      const l = operandValue(e.l, at, root);
      const r = operandValue(e.r, at, root);
      switch (e.op) {
        case '==': return equal(l, r);
        case '!=': return !equal(l, r);
        case '=~': return r instanceof RegExp && typeof l === 'string' && r.test(l);
        default: {
          const c = compare(l, r);
          if (c === undefined) return false;
          return e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
        }
      }
    }
  }
}

function isNum(x: unknown): x is number | bigint {
  return typeof x === 'number' || typeof x === 'bigint';
}

/** Exact comparison of two numbers, bigint included (Jayway compares BigDecimals). */
function numCompare(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const [big, num, sign] = typeof a === 'bigint' ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (Number.isNaN(num)) return NaN;
  if (!Number.isFinite(num)) return num > 0 ? -sign : sign;
  const t = BigInt(Math.trunc(num));
  const c = big < t ? -1 : big > t ? 1 : num === Math.trunc(num) ? 0 : num > 0 ? -1 : 1;
  return c * sign;
}

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function equal(l: unknown, r: unknown): boolean {
  if (l === UNDEFINED || r === UNDEFINED) return false;
  if (isNum(l) && isNum(r)) return numCompare(l, r) === 0;
  // Jayway's NumberNode.equals reads a string as a number; StringNode.equals reads a number as its text.
  if (isNum(l) && typeof r === 'string') {
    if (!DECIMAL.test(r)) return false;
    return /^-?\d+$/.test(r) ? numCompare(l, BigInt(r)) === 0 : typeof l === 'number' && l === Number(r);
  }
  if (typeof l === 'string' && isNum(r)) return l === String(r);
  if (l === null || r === null) return l === r;
  if (typeof l === 'string' || typeof l === 'boolean') return l === r;
  return false;
}

function compare(l: unknown, r: unknown): number | undefined {
  if (isNum(l) && isNum(r)) {
    const c = numCompare(l, r);
    return Number.isNaN(c) ? undefined : c;
  }
  if (typeof l === 'string' && typeof r === 'string') return l < r ? -1 : l > r ? 1 : 0;
  return undefined;
}

class Parser {
  at = 0;
  constructor(readonly text: string) {}

  fail(why: string): never {
    throw new Error(`${why} at position ${this.at} of ${JSON.stringify(this.text)}`);
  }

  peek(): string | undefined {
    return this.text[this.at];
  }

  skipWs(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  segments(): Seg[] {
    const segs: Seg[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '.') {
        if (this.text[this.at + 1] === '.') this.fail('deep scan (..) is not supported');
        this.at++;
        if (this.peek() === '*') {
          this.at++;
          segs.push({ k: 'wild' });
          continue;
        }
        const m = /^[^\s.[\]()=!<>&|,'"]+/.exec(this.text.slice(this.at));
        if (!m) this.fail('a property name must follow "."');
        if (this.text[this.at + m![0].length] === '(') this.fail(`functions (${m![0]}()) are not supported`);
        segs.push({ k: 'names', names: [m![0]] });
        this.at += m![0].length;
      } else if (c === '[') {
        this.at++;
        this.skipWs();
        const d = this.peek();
        if (d === '?') {
          this.at++;
          this.skipWs();
          if (this.peek() !== '(') this.fail('expected ( after ?');
          this.at++;
          const f = this.expr();
          this.skipWs();
          if (this.peek() !== ')') this.fail('expected ) to close the filter');
          this.at++;
          segs.push({ k: 'filter', f });
        } else if (d === '*') {
          this.at++;
          segs.push({ k: 'wild' });
        } else if (d === "'" || d === '"') {
          const names = [this.quoted()];
          for (this.skipWs(); this.peek() === ','; this.skipWs()) {
            this.at++;
            this.skipWs();
            names.push(this.quoted());
          }
          segs.push({ k: 'names', names });
        } else {
          const m = /^-?\d+/.exec(this.text.slice(this.at));
          if (!m) this.fail('expected a quoted name, an index, * or ?() in brackets');
          this.at += m![0].length;
          this.skipWs();
          if (this.peek() !== ']') this.fail('slices and index lists are not supported');
          segs.push({ k: 'index', i: Number(m![0]) });
        }
        this.skipWs();
        if (this.peek() !== ']') this.fail('expected ]');
        this.at++;
      } else {
        return segs;
      }
    }
  }

  quoted(): string {
    const q = this.peek();
    if (q !== "'" && q !== '"') this.fail('expected a quoted string');
    let out = '';
    for (this.at++; this.at < this.text.length; this.at++) {
      const c = this.text[this.at]!;
      if (c === '\\') {
        out += this.text[++this.at] ?? '';
        continue;
      }
      if (c === q) {
        this.at++;
        return out;
      }
      out += c;
    }
    return this.fail('unterminated string');
  }

  expr(): Expr {
    let a = this.and();
    for (this.skipWs(); this.text.startsWith('||', this.at); this.skipWs()) {
      this.at += 2;
      a = { k: 'or', a, b: this.and() };
    }
    return a;
  }

  and(): Expr {
    let a = this.unary();
    for (this.skipWs(); this.text.startsWith('&&', this.at); this.skipWs()) {
      this.at += 2;
      a = { k: 'and', a, b: this.unary() };
    }
    return a;
  }

  unary(): Expr {
    this.skipWs();
    if (this.peek() === '!' && this.text[this.at + 1] !== '=') {
      this.at++;
      return { k: 'not', a: this.unary() };
    }
    if (this.peek() === '(') {
      this.at++;
      const e = this.expr();
      this.skipWs();
      if (this.peek() !== ')') this.fail('expected )');
      this.at++;
      return e;
    }
    const l = this.operand();
    this.skipWs();
    const m = /^(==|!=|<=|>=|=~|<|>)/.exec(this.text.slice(this.at));
    if (!m) {
      if (/^[a-z]/i.test(this.text.slice(this.at))) this.fail('only == != < <= > >= =~ are supported as operators');
      if (l.k !== 'path') this.fail('a literal alone is not a condition');
      return { k: 'exists', p: l };
    }
    this.at += m[1]!.length;
    this.skipWs();
    const r = this.operand();
    if (m[1] === '=~' && r.k !== 'regex') this.fail('=~ needs a /regex/ on its right');
    return { k: 'cmp', op: m[1]!, l, r };
  }

  operand(): Operand {
    this.skipWs();
    const c = this.peek();
    if (c === '@' || c === '$') {
      this.at++;
      return { k: 'path', root: c, segs: this.segments() };
    }
    if (c === "'" || c === '"') return { k: 'lit', v: this.quoted() };
    if (c === '/') {
      const end = this.text.indexOf('/', this.at + 1);
      if (end < 0) this.fail('unterminated /regex/');
      const body = this.text.slice(this.at + 1, end);
      this.at = end + 1;
      const flags = /^[a-z]*/.exec(this.text.slice(this.at))![0];
      this.at += flags.length;
      if (/[^i]/.test(flags)) this.fail(`regex flag(s) ${flags} are not supported (only i)`);
      try {
        return { k: 'regex', re: wholeMatch(flags.includes('i') ? `(?i)${body}` : body) };
      } catch (err) {
        return this.fail(`bad regex /${body}/: ${(err as Error).message}`);
      }
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.text.slice(this.at));
    if (!m) this.fail('expected a path, a string, a number, true, false, null or /regex/');
    this.at += m![0].length;
    const t = m![0];
    // An integer beyond 2^53 stays exact (a bigint), as the decoders give such values.
    const num = /^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t)) ? BigInt(t) : Number(t);
    return { k: 'lit', v: t === 'true' ? true : t === 'false' ? false : t === 'null' ? null : num };
  }
}
