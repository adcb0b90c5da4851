// java.text.SimpleDateFormat patterns, in UTC, as TimestampConverter and
// TimestampRouter use them (both set the formatter's time zone to UTC).
// Compiled once per option; formatting and parsing are plain loops.
//
// Week-based fields (Y week year, w week in year, W week in month) follow the
// calendar of the JVM's default locale, since both SMTs build their formatter
// with new SimpleDateFormat(pattern) and no Locale. A Connect worker's JVM
// (Java 17, LANG unset, C or C.UTF-8, as in the official images) defaults to
// en or en_US, whose GregorianCalendar has weeks starting on Sunday with one
// day enough for week 1 (checked with java 17: Calendar.getFirstDayOfWeek()=1,
// getMinimalDaysInFirstWeek()=1 for en, en_US and ROOT). So 2024-12-29 is
// week 1 of week year 2025 ("YYYY-ww" gives 2025-01), not ISO's 2024-52.

type Tok = { kind: 'lit'; text: string } | { kind: 'field'; ch: string; n: number };

const LETTERS = 'GyYMLwWDdFEuaHkKhmsSzZX';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** Letters this class can read back when parsing (week fields need Calendar's field resolution, which it does not do). */
const PARSEABLE = new Set('GyMLdHhkKmsSaEDZXzu');

/** java.util.Calendar's week definition: first day (1 Sunday .. 7 Saturday) and minimal days in week 1. */
export interface WeekRules {
  readonly firstDayOfWeek: number;
  readonly minimalDaysInFirstWeek: number;
}

/** The default locale of a Connect worker's JVM (en / en_US): Sunday, 1. */
export const CONNECT_DEFAULT_WEEK: WeekRules = { firstDayOfWeek: 1, minimalDaysInFirstWeek: 1 };

export class SimpleDateFormat {
  private readonly toks: Tok[];
  /** Why parse() cannot run this pattern, or undefined when it can. */
  readonly parseProblem: string | undefined;
  constructor(
    readonly pattern: string,
    private readonly week: WeekRules = CONNECT_DEFAULT_WEEK,
  ) {
    this.toks = tokenize(pattern);
    const bad = this.toks.find((t) => t.kind === 'field' && !PARSEABLE.has(t.ch));
    this.parseProblem = bad === undefined ? undefined
      : `pattern letter '${(bad as { ch: string }).ch}' (a week-based field) can be formatted but not parsed by Sluice (SimpleDateFormat resolves it through Calendar's week-date rules), in ${JSON.stringify(pattern)}`;
  }

  format(ms: number): string {
    const d = new Date(ms);
    let out = '';
    for (const t of this.toks) {
      if (t.kind === 'lit') {
        out += t.text;
        continue;
      }
      const n = t.n;
      switch (t.ch) {
        case 'G': out += d.getUTCFullYear() > 0 ? 'AD' : 'BC'; break;
        case 'y': {
          const y = d.getUTCFullYear();
          out += n === 2 ? pad(y % 100, 2) : pad(y, n);
          break;
        }
        case 'M':
        case 'L': {
          const m = d.getUTCMonth();
          out += n >= 4 ? MONTHS[m]! : n === 3 ? MONTHS[m]!.slice(0, 3) : pad(m + 1, n);
          break;
        }
        case 'd': out += pad(d.getUTCDate(), n); break;
        case 'H': out += pad(d.getUTCHours(), n); break;
        case 'k': out += pad(d.getUTCHours() || 24, n); break;
        case 'K': out += pad(d.getUTCHours() % 12, n); break;
        case 'h': out += pad(d.getUTCHours() % 12 || 12, n); break;
        case 'm': out += pad(d.getUTCMinutes(), n); break;
        case 's': out += pad(d.getUTCSeconds(), n); break;
        case 'S': out += pad(d.getUTCMilliseconds(), n); break;
        case 'a': out += d.getUTCHours() < 12 ? 'AM' : 'PM'; break;
        case 'Y': {
          const y = weekDate(ms, this.week).year;
          out += n === 2 ? pad(y % 100, 2) : pad(y, n);
          break;
        }
        case 'w': out += pad(weekDate(ms, this.week).week, n); break;
        case 'W': out += pad(weekOfMonth(d, this.week), n); break;
        case 'F': out += pad(Math.floor((d.getUTCDate() - 1) / 7) + 1, n); break;
        case 'E': out += n >= 4 ? DAYS[d.getUTCDay()]! : DAYS[d.getUTCDay()]!.slice(0, 3); break;
        case 'u': out += pad(d.getUTCDay() || 7, n); break;
        case 'D': out += pad(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / MS_PER_DAY) + 1, n); break;
        case 'Z': out += '+0000'; break;
        case 'X': out += 'Z'; break;
        case 'z': out += n >= 4 ? 'Coordinated Universal Time' : 'UTC'; break;
      }
    }
    return out;
  }

  /** Epoch ms, or throws with SimpleDateFormat's "Unparseable date" meaning. */
  parse(text: string): number {
    if (this.parseProblem !== undefined) throw new Error(this.parseProblem);
    let at = 0;
    let year = 1970, month = 0, day = 1, hour = 0, minute = 0, second = 0, milli = 0, pm: boolean | undefined, hour12 = false, offsetMin = 0;
    const fail = (): never => {
      throw new Error(`Unparseable date: ${JSON.stringify(text)} (format ${this.pattern})`);
    };
    for (let i = 0; i < this.toks.length; i++) {
      const t = this.toks[i]!;
      if (t.kind === 'lit') {
        if (!text.startsWith(t.text, at)) fail();
        at += t.text.length;
        continue;
      }
      const next = this.toks[i + 1];
      const adjacentNumber = next?.kind === 'field' && isNumeric(next);
      const num = (): number => {
        let end = at;
        if (text[end] === '-' || text[end] === '+') end++;
        const limit = adjacentNumber ? at + t.n : text.length;
        while (end < limit && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
        const s = text.slice(at, end);
        if (!/\d/.test(s)) fail();
        at = end;
        return Number(s);
      };
      const word = (list: readonly string[]): number => {
        for (let k = 0; k < list.length; k++) {
          for (const w of [list[k]!, list[k]!.slice(0, 3)]) {
            if (text.slice(at, at + w.length).toLowerCase() === w.toLowerCase()) {
              at += w.length;
              return k;
            }
          }
        }
        return fail();
      };
      switch (t.ch) {
        case 'G': word(['BC', 'AD']); break;
        case 'y': {
          const start = at;
          year = num();
          // "yy" reads two digits as a year within 80 years before and 20 after now, as SimpleDateFormat does.
          if (t.n <= 2 && at - start === 2) {
            const now = new Date().getUTCFullYear();
            year += Math.floor((now - 80) / 100) * 100;
            if (year < now - 80) year += 100;
          }
          break;
        }
        case 'M':
        case 'L': month = t.n >= 3 ? word(MONTHS) : num() - 1; break;
        case 'd': day = num(); break;
        case 'H': hour = num(); break;
        case 'k': hour = num() % 24; break;
        case 'K': hour = num(); hour12 = true; break;
        case 'h': hour = num() % 12; hour12 = true; break;
        case 'm': minute = num(); break;
        case 's': second = num(); break;
        case 'S': milli = num(); break;
        case 'a': pm = word(['AM', 'PM']) === 1; break;
        case 'E': word(DAYS); break;
        case 'u': num(); break;
        case 'D': {
          const doy = num();
          month = 0;
          day = doy;
          break;
        }
        case 'Z':
        case 'X': {
          if (text[at] === 'Z') {
            at++;
            break;
          }
          const m = /^([+-])(\d\d):?(\d\d)?/.exec(text.slice(at));
          if (!m) fail();
          offsetMin = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 60 + Number(m![3] ?? 0));
          at += m![0].length;
          break;
        }
        case 'z': {
          const m = /^(UTC|GMT|Z)([+-]\d\d:?\d\d)?/.exec(text.slice(at));
          if (!m) fail();
          if (m![2]) offsetMin = (m![2][0] === '-' ? -1 : 1) * (Number(m![2].slice(1, 3)) * 60 + Number(m![2].slice(-2)));
          at += m![0].length;
          break;
        }
      }
    }
    if (hour12 && pm) hour += 12;
    // Lenient like SimpleDateFormat's default: out-of-range fields roll over.
    const ms = Date.UTC(year, month, day, hour, minute, second, milli) - offsetMin * 60_000;
    if (Number.isNaN(ms)) fail();
    // SimpleDateFormat.parse(String) stops where the pattern ends; trailing text is ignored.
    return ms;
  }
}

function isNumeric(t: { ch: string; n: number }): boolean {
  return 'yYMLdHkKhmsSDuwWF'.includes(t.ch) && !((t.ch === 'M' || t.ch === 'L') && t.n >= 3);
}

/** Epoch day on which week 1 of `year` starts (GregorianCalendar's WEEK_OF_YEAR rules). */
function week1Start(year: number, w: WeekRules): number {
  const jan1 = Date.UTC(year, 0, 1) / MS_PER_DAY;
  // Days from the week's first day back to Jan 1 (getUTCDay: 0 Sunday; Calendar: 1 Sunday).
  const back = (((new Date(jan1 * MS_PER_DAY).getUTCDay() + 1 - w.firstDayOfWeek) % 7) + 7) % 7;
  // The week holding Jan 1 is week 1 when enough of its days are in the year, else the next one is.
  return 7 - back >= w.minimalDaysInFirstWeek ? jan1 - back : jan1 - back + 7;
}

/** Week year and week in that year (SimpleDateFormat's Y and w). */
function weekDate(ms: number, w: WeekRules): { year: number; week: number } {
  const day = Math.floor(ms / MS_PER_DAY);
  const y = new Date(ms).getUTCFullYear();
  const start = week1Start(y, w);
  if (day < start) return { year: y - 1, week: Math.floor((day - week1Start(y - 1, w)) / 7) + 1 };
  if (day >= week1Start(y + 1, w)) return { year: y + 1, week: 1 };
  return { year: y, week: Math.floor((day - start) / 7) + 1 };
}

/** Week in month (W): days of a first partial week short of the minimum make week 0, as in Calendar. */
function weekOfMonth(d: Date, w: WeekRules): number {
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const back = (((first.getUTCDay() + 1 - w.firstDayOfWeek) % 7) + 7) % 7;
  return Math.floor((d.getUTCDate() - 1 + back) / 7) + (7 - back >= w.minimalDaysInFirstWeek ? 1 : 0);
}

const MS_PER_DAY = 86_400_000;

function pad(v: number, n: number): string {
  const s = String(Math.abs(v));
  return (v < 0 ? '-' : '') + (s.length >= n ? s : '0'.repeat(n - s.length) + s);
}

function tokenize(p: string): Tok[] {
  const toks: Tok[] = [];
  let lit = '';
  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    if (c === "'") {
      if (p[i + 1] === "'") {
        lit += "'";
        i += 2;
        continue;
      }
      const end = p.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in date pattern ${JSON.stringify(p)}`);
      // '' inside a quoted part is a quote
      lit += p.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (!LETTERS.includes(c)) throw new Error(`illegal pattern character '${c}' in ${JSON.stringify(p)}`);
      let n = 1;
      while (p[i + n] === c) n++;
      if (lit) toks.push({ kind: 'lit', text: lit });
      lit = '';
      toks.push({ kind: 'field', ch: c, n });
      i += n;
      continue;
    }
    lit += c;
    i++;
  }
  if (lit) toks.push({ kind: 'lit', text: lit });
  return toks;
}
