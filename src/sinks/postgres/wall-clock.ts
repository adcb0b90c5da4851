// db.timezone as Kafka Connect's JDBC sink applies it: an instant bound into a
// `timestamp` (or `time`, `date`) column is written as the wall-clock time in
// that zone at that instant (pgjdbc's setTimestamp with a Calendar in the zone;
// the column drops the offset). Instant → wall clock is a function: a DST gap
// has no instant in it and in an overlap two instants give the same wall
// clock, as with Connect. Offsets come from the runtime's time zone data
// (Intl) and are cached per UTC day, so the per-record cost is a lookup.

const MS_PER_DAY = 86_400_000;
/** The instants whose wall clock Date (and so Intl) can show; beyond them the offset at the nearer end stands. */
const DATE_MAX_MS = 8.64e15 - 2 * MS_PER_DAY;

/** Offset of one zone (local minus UTC, in ms) at an instant. */
export interface ZoneOffsets {
  readonly zone: string;
  offsetMs(epochMs: number): number;
}

/** One UTC day: the offset from its start, and from `switchAt` on (a transition inside the day). */
interface Day {
  readonly before: number;
  readonly switchAt: number;
  readonly after: number;
}

const MAX_DAYS = 4096;

class IntlZoneOffsets implements ZoneOffsets {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly days = new Map<number, Day>();
  private lastKey = NaN;
  private last: Day = { before: 0, switchAt: 0, after: 0 };

  constructor(readonly zone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  offsetMs(epochMs: number): number {
    const t = epochMs > DATE_MAX_MS ? DATE_MAX_MS : epochMs < -DATE_MAX_MS ? -DATE_MAX_MS : epochMs;
    const key = Math.floor(t / MS_PER_DAY);
    let day = this.last;
    if (key !== this.lastKey) {
      day = this.days.get(key) ?? this.learn(key);
      this.lastKey = key;
      this.last = day;
    }
    return t < day.switchAt ? day.before : day.after;
  }

  private learn(key: number): Day {
    const start = key * MS_PER_DAY;
    const end = Math.min(start + MS_PER_DAY - 1000, DATE_MAX_MS);
    const before = this.exact(start);
    const after = this.exact(end);
    let switchAt = start;
    if (before !== after) {
      // Zone offsets change on whole seconds: find the first second with the new offset.
      let lo = start; // has `before`
      let hi = end; // has `after`
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (this.exact(mid) === before) lo = mid;
        else hi = mid;
      }
      switchAt = hi;
    }
    const day: Day = { before, switchAt, after };
    if (this.days.size >= MAX_DAYS) this.days.clear();
    this.days.set(key, day);
    return day;
  }

  /** The offset at a whole second, from the zone's calendar fields (proleptic Gregorian, as PostgreSQL's). */
  private exact(sec: number): number {
    let year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, bc = false;
    for (const p of this.fmt.formatToParts(sec)) {
      switch (p.type) {
        case 'year': year = Number(p.value); break;
        case 'month': month = Number(p.value); break;
        case 'day': day = Number(p.value); break;
        case 'hour': hour = Number(p.value); break;
        case 'minute': minute = Number(p.value); break;
        case 'second': second = Number(p.value); break;
        case 'era': bc = p.value !== 'AD'; break;
      }
    }
    const d = new Date(0);
    d.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
    d.setUTCHours(hour, minute, second, 0);
    return d.getTime() - sec;
  }
}

/** Java's ZoneId.of fixed offsets: Z, ±h, ±hh, ±hh:mm, ±hhmm, ±hh:mm:ss, optionally after UTC, GMT or UT. */
const FIXED = /^(?:Z|(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?)$/;

function fixedOffsetMs(zone: string): number | undefined {
  const m = FIXED.exec(zone);
  if (!m) return undefined;
  if (m[1] === undefined) return 0;
  const h = Number(m[2]), mi = Number(m[3] ?? 0), s = Number(m[4] ?? 0);
  if (h > 18 || mi > 59 || s > 59 || h * 3600 + mi * 60 + s > 18 * 3600) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 3600 + mi * 60 + s) * 1000;
}

/**
 * db.timezone as PostgreSQL's TimeZone setting: a Java fixed offset is POSIX
 * there, where the sign means west of UTC, so +05:30 is written UTC-05:30:00.
 */
export function sessionTimeZone(zone: string): string {
  const ms = fixedOffsetMs(zone);
  if (ms === undefined) return zone;
  const s = Math.abs(ms) / 1000;
  const two = (n: number) => String(n).padStart(2, '0');
  return `UTC${ms > 0 ? '-' : '+'}${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

const cache = new Map<string, ZoneOffsets | undefined>();

/**
 * The offsets of a zone (an IANA name, or a fixed offset as Java's ZoneId
 * takes it); undefined for a zone whose offset is always zero (UTC and its
 * names), so callers keep their UTC path. Throws RangeError for an unknown zone.
 */
export function zoneOffsets(zone: string | undefined): ZoneOffsets | undefined {
  if (zone === undefined) return undefined;
  if (cache.has(zone)) return cache.get(zone);
  let z: ZoneOffsets | undefined;
  const fixed = fixedOffsetMs(zone);
  if (fixed !== undefined) {
    z = fixed === 0 ? undefined : { zone, offsetMs: () => fixed };
  } else if (zone !== 'UTC' && zone !== 'GMT' && zone !== 'UT' && zone !== 'Etc/UTC' && zone !== 'Etc/GMT') {
    z = new IntlZoneOffsets(zone);
  }
  cache.set(zone, z);
  return z;
}

/** Whether `zone` is a time zone zoneOffsets takes. */
export function isKnownZone(zone: string): boolean {
  try {
    zoneOffsets(zone);
    return true;
  } catch {
    return false;
  }
}

/** µs since the epoch (exact number or BigInt) → the same wall clock in `z`, as µs since the epoch read as UTC. */
export function wallMicros(us: number | bigint, z: ZoneOffsets): number | bigint {
  if (typeof us === 'number') return us + z.offsetMs(Math.floor(us / 1000)) * 1000;
  return us + BigInt(z.offsetMs(Number((us >= 0n ? us : us - 999n) / 1000n))) * 1000n;
}

/**
 * The zones a plan's writers apply (protocol.ts PgPlan.timeZone/dateTimeZone):
 * `ts` for instants and Connect times into timestamp/time/date columns,
 * `date` for Connect dates into date columns. Absent: UTC.
 */
export interface WallZones {
  readonly ts?: ZoneOffsets;
  readonly date?: ZoneOffsets;
}

export const UTC_ZONES: WallZones = {};

export function wallZones(plan: { readonly timeZone?: string; readonly dateTimeZone?: string }): WallZones {
  const ts = zoneOffsets(plan.timeZone);
  const date = zoneOffsets(plan.dateTimeZone);
  return ts === undefined && date === undefined ? UTC_ZONES : { ...(ts ? { ts } : {}), ...(date ? { date } : {}) };
}

/**
 * The zones of a sink's plans. Confluent's sink binds a Connect Date with a
 * Calendar in date.timezone (DB_TIMEZONE: db.timezone). Debezium's sink
 * binds LocalDateTime/LocalTime/LocalDate of the UTC values, which its
 * database.time_zone leaves as they are (seen against a live worker in
 * connect-race.test.ts): there the zone is only the session's.
 */
export function planZones(dbTimeZone: string, dateTimeZone: 'db_timezone' | 'utc', debezium: boolean): { timeZone?: string; dateTimeZone?: string } {
  if (debezium || zoneOffsets(dbTimeZone) === undefined) return {};
  return { timeZone: dbTimeZone, ...(dateTimeZone === 'utc' ? {} : { dateTimeZone: dbTimeZone }) };
}
