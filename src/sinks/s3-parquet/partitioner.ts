// Partitioners: where under <topics.dir>/<topic>/ a record's file goes, as in
// Confluent's storage partitioners. Default: partition=<n>. Field:
// <field>=<value>[/...]. Time-based: a Joda-style path.format of the record's
// time bucket (partition.duration.ms) in a time zone. The worker computes the
// path per record; the main thread only groups by it.
import { ConfigError } from '../../errors.js';
import type { FieldType, RecordSchema } from '../../workers/schema.js';
import { ConvertError } from '../../workers/encoder.js';

export type TimestampExtractor = 'Record' | 'RecordField' | 'Wallclock';

export type PartitionerSpec =
  | { kind: 'default' }
  | { kind: 'field'; fields: string[] }
  | { kind: 'time'; pathFormat: string; durationMs: number; extractor: TimestampExtractor; field?: string; timezone: string; locale: string };

export interface PartitionerConfig {
  'partitioner.class': string;
  'partition.field.name'?: string;
  'path.format'?: string;
  'partition.duration.ms'?: number;
  'timestamp.extractor': TimestampExtractor;
  'timestamp.field'?: string;
  timezone: string;
  locale: string;
}

const HOURLY = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH";
const DAILY = "'year'=YYYY/'month'=MM/'day'=dd";

/** Reads the partitioner keys; every problem names its key. */
export function partitionerSpec(c: PartitionerConfig): PartitionerSpec {
  const cls = c['partitioner.class'];
  const problems: string[] = [];
  const tz = c.timezone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    problems.push(`timezone: "${tz}" is not a time zone (use an IANA name like UTC or Europe/Berlin)`);
  }
  let spec: PartitionerSpec | undefined;
  const time = (pathFormat: string | undefined, durationMs: number | undefined): PartitionerSpec | undefined => {
    if (!pathFormat) problems.push('path.format: required by the time-based partitioner');
    if (!durationMs) problems.push('partition.duration.ms: required by the time-based partitioner');
    if (c['timestamp.extractor'] === 'RecordField' && !c['timestamp.field']) problems.push('timestamp.field: required when timestamp.extractor=RecordField');
    if (!pathFormat || !durationMs) return undefined;
    try {
      parseJodaPattern(pathFormat);
    } catch (err) {
      problems.push(`path.format: ${(err as Error).message}`);
    }
    return { kind: 'time', pathFormat, durationMs, extractor: c['timestamp.extractor'], field: c['timestamp.field'], timezone: tz, locale: c.locale.replace(/_/g, '-') };
  };
  if (/(^|\.)DefaultPartitioner$/.test(cls) || cls === 'default') spec = { kind: 'default' };
  else if (/(^|\.)FieldPartitioner$/.test(cls) || cls === 'field') {
    const fields = (c['partition.field.name'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (fields.length === 0) problems.push('partition.field.name: required by the field partitioner');
    spec = { kind: 'field', fields };
  } else if (/(^|\.)TimeBasedPartitioner$/.test(cls) || cls === 'time') spec = time(c['path.format'], c['partition.duration.ms']);
  else if (/(^|\.)HourlyPartitioner$/.test(cls)) spec = time(c['path.format'] ?? HOURLY, 3_600_000);
  else if (/(^|\.)DailyPartitioner$/.test(cls)) spec = time(c['path.format'] ?? DAILY, 86_400_000);
  else problems.push(`partitioner.class: "${cls}" is not a partitioner Sluice has (DefaultPartitioner, FieldPartitioner, TimeBasedPartitioner, HourlyPartitioner, DailyPartitioner)`);
  if (c['locale']) {
    try {
      new Intl.DateTimeFormat(c.locale.replace(/_/g, '-'));
    } catch {
      problems.push(`locale: "${c.locale}" is not a locale`);
    }
  }
  if (problems.length > 0 || !spec) throw new ConfigError(problems);
  return spec;
}

// ---------- runtime (worker side) ----------

/** Reads a (dotted) field of a record value. */
export function fieldValue(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function fieldTypeAt(schema: RecordSchema, path: readonly string[]): FieldType | undefined {
  let fields = schema.fields;
  let t: FieldType | undefined;
  for (const p of path) {
    const f = fields?.find((x) => x.name === p);
    if (!f) return undefined;
    t = f.type;
    fields = t.kind === 'record' ? t.fields : undefined;
  }
  return t;
}

export interface PathContext {
  partition: number;
  /** Kafka record timestamp, ms. */
  timestamp: number;
}

/** Computes a record's path under the topic directory and the time rotate.interval.ms measures. */
export class Partitioner {
  private readonly fields: string[][] = [];
  private readonly time?: TimeBuckets;
  private readonly tsField?: string[];
  /** Units of the timestamp field per millisecond, by schema id. */
  private readonly perMsBySchema = new Map<string, number>();
  /** The time of the last record passed to path(): what rotate.interval.ms measures. */
  lastTime = 0;

  constructor(readonly spec: PartitionerSpec) {
    if (spec.kind === 'field') this.fields = spec.fields.map((f) => f.split('.'));
    if (spec.kind === 'time') {
      this.time = new TimeBuckets(spec.pathFormat, spec.durationMs, spec.timezone, spec.locale);
      if (spec.extractor === 'RecordField') this.tsField = spec.field!.split('.');
    }
  }

  path(value: unknown, schema: RecordSchema, ctx: PathContext): string {
    const spec = this.spec;
    if (spec.kind === 'default') {
      this.lastTime = ctx.timestamp;
      return `partition=${ctx.partition}`;
    }
    if (spec.kind === 'field') {
      this.lastTime = ctx.timestamp;
      let out = '';
      for (let i = 0; i < this.fields.length; i++) {
        const f = this.fields[i]!;
        const v = fieldValue(value, f);
        if (v === null || v === undefined) throw new ConvertError(`partition.field.name: field ${f.join('.')} is missing or null, so the record has no partition path`);
        let text: string;
        if (typeof v === 'string') text = v;
        else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') text = String(v);
        else throw new ConvertError(`partition.field.name: field ${f.join('.')} is not a string, number or boolean`);
        // One path level per field: a slash in a value must not add levels.
        if (i > 0) out += '/';
        out += `${spec.fields[i]}=${text.replace(/\//g, '%2F')}`;
      }
      return out;
    }
    const t = this.timeOf(value, schema, ctx);
    this.lastTime = t;
    return this.time!.path(t);
  }

  private timeOf(value: unknown, schema: RecordSchema, ctx: PathContext): number {
    const spec = this.spec as Extract<PartitionerSpec, { kind: 'time' }>;
    if (spec.extractor === 'Record') return ctx.timestamp;
    if (spec.extractor === 'Wallclock') return Date.now();
    const f = this.tsField!;
    const v = fieldValue(value, f);
    let ms: number;
    if (typeof v === 'number' || typeof v === 'bigint') {
      let perMs = this.perMsBySchema.get(schema.id);
      if (perMs === undefined) {
        const t = fieldTypeAt(schema, f);
        perMs = t?.kind === 'timestamp-micros' ? 1000 : t?.kind === 'timestamp-nanos' ? 1_000_000 : 1;
        this.perMsBySchema.set(schema.id, perMs);
      }
      // Floor division, exact for longs beyond 2^53 too.
      ms = typeof v === 'bigint' ? Number(floorBig(v, BigInt(perMs))) : perMs === 1 ? v : Math.floor(v / perMs);
      if (Math.abs(ms) > 8.64e15) throw new ConvertError(`timestamp.field: field ${f.join('.')} (${String(v)}) is beyond the dates the time-based partitioner can place (±275760 years)`);
    } else if (typeof v === 'string') ms = Date.parse(v);
    else if (v instanceof Date) ms = v.getTime();
    else throw new ConvertError(`timestamp.field: field ${f.join('.')} is ${v === undefined ? 'missing' : 'not a timestamp'}`);
    if (!Number.isFinite(ms)) throw new ConvertError(`timestamp.field: field ${f.join('.')} is not a timestamp (${String(v)})`);
    return ms;
  }
}

function floorBig(a: bigint, d: bigint): bigint {
  const q = a / d;
  return a % d !== 0n && a < 0n ? q - 1n : q;
}

// ---------- time buckets and Joda-style formatting ----------

export type PatternPart = string | { letter: string; count: number };

/** Joda DateTimeFormat patterns: letters are fields, '…' is literal text, '' a quote. */
export function parseJodaPattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let i = 0;
  let literal = '';
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      // Quoted text runs to the next lone quote; '' inside it is a quote.
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new Error(`unterminated quote in "${pattern}"`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            literal += "'";
            j += 2;
            continue;
          }
          break;
        }
        literal += pattern[j++];
      }
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      if (!'GCYyxwWeEuDMdaKhHkmsSzZ'.includes(c)) throw new Error(`"${c}" is not a Joda pattern letter (quote literal text: 'year'=YYYY)`);
      let n = 1;
      while (pattern[i + n] === c) n++;
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ letter: c, count: n });
      i += n;
      continue;
    }
    literal += c;
    i++;
  }
  if (literal) parts.push(literal);
  return parts;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** The ISO week and week-based year of a UTC date. */
function isoWeek(d: Date): { week: number; year: number } {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return { week: Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7), year: t.getUTCFullYear() };
}

export class TimeBuckets {
  private readonly parts: PatternPart[];
  private readonly offsets = new Map<number, number>();
  private readonly paths = new Map<number, string>();
  private readonly fieldsFmt: Intl.DateTimeFormat;
  private readonly names: { month: string[]; monthShort: string[]; day: string[]; dayShort: string[] };

  constructor(pattern: string, readonly durationMs: number, readonly timezone: string, readonly locale: string) {
    this.parts = parseJodaPattern(pattern);
    this.fieldsFmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    const name = (opts: Intl.DateTimeFormatOptions, d: Date) => new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' }).format(d);
    this.names = {
      month: Array.from({ length: 12 }, (_, m) => name({ month: 'long' }, new Date(Date.UTC(2001, m, 1)))),
      monthShort: Array.from({ length: 12 }, (_, m) => name({ month: 'short' }, new Date(Date.UTC(2001, m, 1)))),
      // 2001-01-07 was a Sunday: index by getUTCDay().
      day: Array.from({ length: 7 }, (_, d) => name({ weekday: 'long' }, new Date(Date.UTC(2001, 0, 7 + d)))),
      dayShort: Array.from({ length: 7 }, (_, d) => name({ weekday: 'short' }, new Date(Date.UTC(2001, 0, 7 + d)))),
    };
  }

  /** The zone's offset from UTC at instant t (ms), cached per quarter hour. */
  offsetAt(t: number): number {
    const slot = Math.floor(t / 900_000);
    let off = this.offsets.get(slot);
    if (off === undefined) {
      const at = slot * 900_000;
      const p: Record<string, number> = {};
      for (const x of this.fieldsFmt.formatToParts(new Date(at))) if (x.type !== 'literal') p[x.type] = Number(x.value);
      off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      if (this.offsets.size > 10_000) this.offsets.clear();
      this.offsets.set(slot, off);
    }
    return off;
  }

  /** Start of t's bucket in local time, expressed as if local time were UTC (as Confluent's partitioner does). */
  bucketLocal(t: number): number {
    const local = t + this.offsetAt(t);
    return Math.floor(local / this.durationMs) * this.durationMs;
  }

  path(t: number): string {
    const b = this.bucketLocal(t);
    let p = this.paths.get(b);
    if (p === undefined) {
      p = this.format(b);
      if (this.paths.size > 10_000) this.paths.clear();
      this.paths.set(b, p);
    }
    return p;
  }

  /** Formats a local time held in a UTC Date's fields. */
  format(local: number): string {
    const d = new Date(local);
    let out = '';
    for (const part of this.parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const n = part.count;
      switch (part.letter) {
        case 'y': case 'Y': case 'u': {
          const y = d.getUTCFullYear();
          out += n === 2 ? pad(y % 100, 2) : pad(y, n);
          break;
        }
        case 'x': {
          const y = isoWeek(d).year;
          out += n === 2 ? pad(y % 100, 2) : pad(y, n);
          break;
        }
        case 'w': out += pad(isoWeek(d).week, n); break;
        case 'M': {
          const m = d.getUTCMonth();
          out += n >= 4 ? this.names.month[m] : n === 3 ? this.names.monthShort[m] : pad(m + 1, n);
          break;
        }
        case 'd': out += pad(d.getUTCDate(), n); break;
        case 'D': out += pad(Math.floor((local - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, n); break;
        case 'H': out += pad(d.getUTCHours(), n); break;
        case 'k': out += pad(d.getUTCHours() || 24, n); break;
        case 'K': out += pad(d.getUTCHours() % 12, n); break;
        case 'h': out += pad(d.getUTCHours() % 12 || 12, n); break;
        case 'm': out += pad(d.getUTCMinutes(), n); break;
        case 's': out += pad(d.getUTCSeconds(), n); break;
        case 'S': out += pad(d.getUTCMilliseconds(), 3).slice(0, n).padEnd(n, '0'); break;
        case 'E': out += n >= 4 ? this.names.day[d.getUTCDay()] : this.names.dayShort[d.getUTCDay()]; break;
        case 'e': out += pad(d.getUTCDay() || 7, n); break;
        case 'a': out += d.getUTCHours() < 12 ? 'AM' : 'PM'; break;
        case 'G': out += 'AD'; break;
        case 'C': out += pad(Math.floor(d.getUTCFullYear() / 100), n); break;
        case 'W': out += pad(Math.ceil(d.getUTCDate() / 7), n); break;
        case 'z': case 'Z': {
          const off = Math.round(this.offsetAt(local - this.offsetAt(local)) / 60_000);
          const sign = off < 0 ? '-' : '+';
          const a = Math.abs(off);
          out += n === 1 || part.letter === 'z' ? `${sign}${pad(Math.floor(a / 60), 2)}${pad(a % 60, 2)}` : `${sign}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
          break;
        }
      }
    }
    return out;
  }

  /** The next wall-clock boundary (a multiple of interval in this zone) after t. */
  nextBoundary(t: number, intervalMs: number): number {
    const local = t + this.offsetAt(t);
    const next = (Math.floor(local / intervalMs) + 1) * intervalMs;
    return next - this.offsetAt(next - this.offsetAt(t));
  }
}
