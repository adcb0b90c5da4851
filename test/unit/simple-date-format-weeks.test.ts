// SimpleDateFormat's week-based letters (Y week year, w, W, F, u, E, L) as
// TimestampRouter and TimestampConverter format them: UTC, with the week rules
// of a Connect worker JVM's default locale (en / en_US: weeks start on Sunday,
// one day in the new year makes week 1).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimpleDateFormat } from '../../src/transforms/timefmt.js';
import { SCHEMALESS } from '../../src/workers/schema.js';
import type { TRecord } from '../../src/transforms/record.js';
import { chainOf, problemsOf } from './transform-chains.js';

const T = 'org.apache.kafka.connect.transforms.';

// Produced with OpenJDK 17.0.15, LANG=C.UTF-8 (default locale "en"; LANG unset gives en_US, same output):
//   SimpleDateFormat f = new SimpleDateFormat("yyyy-MM-dd EEE YYYY-ww W F u D"); f.setTimeZone(UTC); f.format(date at 12:00 UTC)
const JAVA_EN = `
2024-12-28 Sat 2024-52 4 4 6 363
2024-12-29 Sun 2025-01 5 5 7 364
2024-12-31 Tue 2025-01 5 5 2 366
2025-01-01 Wed 2025-01 1 1 3 1
2025-01-04 Sat 2025-01 1 1 6 4
2025-01-05 Sun 2025-02 2 1 7 5
2021-12-31 Fri 2022-01 5 5 5 365
2022-01-01 Sat 2022-01 1 1 6 1
2022-01-02 Sun 2022-02 2 1 7 2
2022-12-31 Sat 2022-53 5 5 6 365
2023-01-01 Sun 2023-01 1 1 7 1
2020-12-26 Sat 2020-52 4 4 6 361
2020-12-27 Sun 2021-01 5 4 7 362
2016-12-31 Sat 2016-53 5 5 6 366
2017-01-01 Sun 2017-01 1 1 7 1
2015-12-31 Thu 2016-01 5 5 4 365
2016-01-02 Sat 2016-01 1 1 6 2
2016-01-03 Sun 2016-02 2 1 7 3`.trim().split('\n');

// The same dates with -Duser.language=de -Duser.country=DE (Monday, 4 days: ISO weeks), pattern "YYYY-ww W".
const JAVA_DE = '2024-52 4,2024-52 4,2025-01 5,2025-01 1,2025-01 1,2025-01 1,2021-52 5,2021-52 0,2021-52 0,2022-52 5,2022-52 0,2020-52 4,2020-52 4,2016-52 5,2016-52 0,2015-53 5,2015-53 0,2015-53 0'.split(',');

const noonOf = (line: string): number => Date.parse(`${line.slice(0, 10)}T12:00:00Z`);

describe('SimpleDateFormat week fields', () => {
  it('formats week year, week in year and month, day of week in month as Java does around New Year', () => {
    const f = new SimpleDateFormat('yyyy-MM-dd EEE YYYY-ww W F u D');
    for (const line of JAVA_EN) expect(f.format(noonOf(line))).toBe(line);
  });

  it('follows other week rules when given them (ISO, as de_DE)', () => {
    const f = new SimpleDateFormat('YYYY-ww W', { firstDayOfWeek: 2, minimalDaysInFirstWeek: 4 });
    expect(JAVA_EN.map((l) => f.format(noonOf(l)))).toEqual(JAVA_DE);
  });

  it('YY, Y, L and their lengths as Java prints them', () => {
    // Java: "Y YY YYY YYYYY LL LLL LLLL" on 2024-12-31 gives "2025 25 2025 02025 12 Dec December".
    expect(new SimpleDateFormat('Y YY YYY YYYYY LL LLL LLLL').format(Date.UTC(2024, 11, 31))).toBe('2025 25 2025 02025 12 Dec December');
  });

  it('refuses to parse week fields rather than guess a date', () => {
    expect(() => new SimpleDateFormat('YYYY-ww').parse('2025-01')).toThrow(/pattern letter 'Y'.*not parsed/);
    expect(new SimpleDateFormat('yyyy-MM-dd').parseProblem).toBeUndefined();
  });

  // Every day around New Year 1900..2100 against the JVM here, when one is installed.
  const java = (() => {
    try {
      execFileSync('javac', ['-version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!java)('matches java.text.SimpleDateFormat on every day around New Year, 1900-2100', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdf-'));
    writeFileSync(join(dir, 'F.java'), `import java.text.SimpleDateFormat; import java.util.*;
public class F { public static void main(String[] a) throws Exception {
  SimpleDateFormat f = new SimpleDateFormat(a[0]); f.setTimeZone(TimeZone.getTimeZone("UTC"));
  StringBuilder sb = new StringBuilder(); java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
  for (String l; (l = r.readLine()) != null;) sb.append(f.format(new Date(Long.parseLong(l)))).append('\\n');
  System.out.print(sb); } }`);
    execFileSync('javac', ['F.java'], { cwd: dir });
    const ms: number[] = [];
    for (let y = 1900; y <= 2100; y++) {
      for (let d = -8; d <= 8; d++) ms.push(Date.UTC(y, 0, 1 + d), Date.UTC(y, 0, 1 + d, 23, 59, 59, 999));
    }
    const pattern = 'YYYY-ww W F u E yyyy-MM-dd D';
    // LANG=C.UTF-8 as in Connect's images; the JVM maps it to its default locale "en".
    const out = execFileSync('java', ['-cp', dir, 'F', pattern], { input: ms.join('\n') + '\n', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '' } }).toString().trim().split('\n');
    const f = new SimpleDateFormat(pattern);
    expect(ms.map((m) => f.format(m))).toEqual(out);
  }, 60_000);
});

describe('TimestampRouter and TimestampConverter with week patterns', () => {
  const rec = (ts: number, value: unknown = 1): TRecord => ({
    topic: 'orders', partition: 0, offset: 7, timestamp: ts, key: null, keySchema: undefined, value, valueSchema: SCHEMALESS, headers: undefined, readHeaders: () => [],
  });
  const one = (alias: string, type: string, opts: Record<string, string>): Record<string, string> => {
    const out: Record<string, string> = { transforms: alias, [`transforms.${alias}.type`]: type };
    for (const [k, v] of Object.entries(opts)) out[`transforms.${alias}.${k}`] = v;
    return out;
  };

  it('TimestampRouter routes by week year: 2024-12-29 goes to week 1 of 2025', () => {
    const chain = chainOf(one('tr', `${T}TimestampRouter`, { 'topic.format': '${topic}-${timestamp}', 'timestamp.format': 'YYYY-ww' }));
    const a = rec(Date.UTC(2024, 11, 29, 0, 0, 1));
    chain.apply(a);
    expect(a.topic).toBe('orders-2025-01');
    const b = rec(Date.UTC(2024, 11, 28, 23, 59, 59));
    chain.apply(b);
    expect(b.topic).toBe('orders-2024-52');
  });

  it('an illegal pattern letter is a config problem naming the key', () => {
    expect(problemsOf(one('tr', `${T}TimestampRouter`, { 'timestamp.format': 'yyyy-bb' }))[0]).toMatch(/^transforms\.tr\.timestamp\.format: illegal pattern character 'b'/);
  });

  it('TimestampConverter formats week fields to a string; a format only used to parse may not have them', () => {
    const chain = chainOf(one('tc', `${T}TimestampConverter$Value`, { 'target.type': 'string', format: "YYYY-'W'ww-u" }));
    const r = rec(0, Date.UTC(2024, 11, 31));
    chain.apply(r);
    expect(r.value).toBe('2025-W01-2');
    expect(problemsOf(one('tc', `${T}TimestampConverter$Value`, { 'target.type': 'unix', format: 'YYYY-ww' }))[0]).toMatch(/^transforms\.tc\.format: pattern letter 'Y'/);
    // A string timestamp that reaches a string target with a week pattern names the key too.
    expect(() => chain.apply(rec(0, '2025-W01-2'))).toThrow(/transforms\.tc\.format: pattern letter 'Y'/);
  });
});
