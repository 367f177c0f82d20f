import {readFileSync} from 'node:fs';
import * as tzif from './tzif.js';

/**
 * Local time as glibc's localtime(3) computes it, which is what daemontools' tai64nlocal
 * prints: the zone named by TZ (read the way tzset(3) reads it), offsets from the TZif data or
 * from a POSIX TZ rule string, and, for zones with leap-second records (the right/ zones, whose
 * time_t counts leap seconds), glibc's leap correction, so 23:59:60 shows.
 */
export interface TimeZone {
  /** Seconds east of UTC in force at time_t `t`. */
  offsetAt(t: number): number;
  /** glibc's leap correction at `t`: seconds to subtract, and the extra seconds to show (a 60th second). */
  leapAt(t: number): {correction: number; hit: number};
}

const SECONDS_PER_DAY = 86400;
const NO_LEAP = {correction: 0, hit: 0};

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const CUMULATIVE_DAYS = [
  [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
  [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
];

type Rule =
  | {readonly kind: 'J1' | 'J0'; readonly day: number; readonly secs: number}
  | {readonly kind: 'M'; readonly month: number; readonly week: number; readonly day: number; readonly secs: number};

/** A parsed POSIX TZ string: offsets east of UTC; rules only when it has daylight time. */
export interface PosixTz {
  readonly stdOffset: number;
  readonly dstOffset: number;
  readonly rules: readonly [Rule, Rule] | undefined;
}

/** POSIX's (and glibc's) default rules for a TZ string with a DST name and no rules: the US ones. */
const DEFAULT_RULES: readonly [Rule, Rule] = [
  {kind: 'M', month: 3, week: 2, day: 0, secs: 7200},
  {kind: 'M', month: 11, week: 1, day: 0, secs: 7200},
];

/**
 * glibc's __tzset_parse_tz: `std offset [dst [offset] [,start[/time],end[/time]]]`. Names are
 * 3 or more letters or `<…>` quoted; offsets `[+-]hh[:mm[:ss]]` west of UTC; rules `Jn`
 * (1-365, no Feb 29), `n` (0-365) or `Mm.w.d`. undefined when even `std offset` does not parse.
 */
export function parsePosixTz(text: string): PosixTz | undefined {
  let at = 0;
  const name = (): boolean => {
    if (text[at] === '<') {
      const end = text.indexOf('>', at);
      if (end < 0 || !/^[A-Za-z0-9+-]{3,}$/.test(text.slice(at + 1, end))) return false;
      at = end + 1;
      return true;
    }
    const match = /^[A-Za-z]{3,}/.exec(text.slice(at));
    if (!match) return false;
    at += match[0].length;
    return true;
  };
  // glibc clamps an offset's fields (24 hours, 59 minutes, 59 seconds), not a rule's time.
  const clock = (clamp: boolean): number | undefined => {
    const match = /^([+-]?)(\d+)(?::(\d+))?(?::(\d+))?/.exec(text.slice(at));
    if (!match) return undefined;
    let [hh, mm, ss] = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
    if (clamp) [hh, mm, ss] = [Math.min(hh, 24), Math.min(mm, 59), Math.min(ss, 59)];
    at += match[0].length;
    return (match[1] === '-' ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
  };
  const rule = (): Rule | undefined => {
    if (text[at] !== ',') return undefined;
    at++;
    let parsed: Rule | undefined;
    const m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(text.slice(at));
    const j = /^(J?)(\d{1,3})/.exec(text.slice(at));
    if (m) {
      const [month, week, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (month < 1 || month > 12 || week < 1 || week > 5 || day > 6) return undefined;
      parsed = {kind: 'M', month, week, day, secs: 7200};
      at += m[0].length;
    } else if (j) {
      const day = Number(j[2]);
      if (j[1] === 'J' ? day < 1 || day > 365 : day > 365) return undefined;
      parsed = {kind: j[1] === 'J' ? 'J1' : 'J0', day, secs: 7200};
      at += j[0].length;
    } else {
      return undefined;
    }
    if (text[at] === '/') {
      at++;
      const secs = clock(false);
      if (secs === undefined) return undefined;
      parsed = {...parsed, secs};
    }
    return parsed;
  };
  if (!name()) return undefined;
  const std = clock(true);
  if (std === undefined) return undefined;
  const stdOffset = -std;
  if (at === text.length || !name()) return {stdOffset, dstOffset: stdOffset, rules: undefined};
  let dstOffset = stdOffset + 3600;
  if (text[at] !== ',' && at < text.length) {
    const dst = clock(true);
    if (dst !== undefined) dstOffset = -dst;
  }
  if (at === text.length || text.slice(at) === ',') return {stdOffset, dstOffset, rules: DEFAULT_RULES};
  const start = rule();
  const end = start && rule();
  return {stdOffset, dstOffset, rules: start && end ? [start, end] : DEFAULT_RULES};
}

/** glibc's compute_change: the time_t at which `rule` takes effect in `year`, given the offset in force before it. */
function changeTime(rule: Rule, year: number, offsetBefore: number): number {
  let t =
    year > 1970
      ? ((year - 1970) * 365 +
          (Math.floor((year - 1) / 4) - Math.floor(1970 / 4)) -
          (Math.floor((year - 1) / 100) - Math.floor(1970 / 100)) +
          (Math.floor((year - 1) / 400) - Math.floor(1970 / 400))) *
        SECONDS_PER_DAY
      : 0;
  if (rule.kind === 'J1') {
    t += (rule.day - 1) * SECONDS_PER_DAY;
    if (rule.day >= 60 && isLeapYear(year)) t += SECONDS_PER_DAY;
  } else if (rule.kind === 'J0') {
    t += rule.day * SECONDS_PER_DAY;
  } else if (rule.kind === 'M') {
    const days = CUMULATIVE_DAYS[isLeapYear(year) ? 1 : 0]!;
    t += days[rule.month - 1]! * SECONDS_PER_DAY;
    // Zeller's congruence: the weekday of the month's first day.
    const m1 = ((rule.month + 9) % 12) + 1;
    const yy0 = rule.month <= 2 ? year - 1 : year;
    const yy1 = Math.trunc(yy0 / 100);
    const yy2 = yy0 % 100;
    let dow = (Math.trunc((26 * m1 - 2) / 10) + 1 + yy2 + Math.trunc(yy2 / 4) + Math.trunc(yy1 / 4) - 2 * yy1) % 7;
    if (dow < 0) dow += 7;
    let d = rule.day - dow;
    if (d < 0) d += 7;
    for (let i = 1; i < rule.week; i++) {
      if (d + 7 >= days[rule.month]! - days[rule.month - 1]!) break;
      d += 7;
    }
    t += d * SECONDS_PER_DAY;
  }
  return t - offsetBefore + rule.secs;
}

/** The offset a POSIX TZ gives at `t` (glibc's __tz_compute: the rules of t's UTC year). */
export function posixOffsetAt(tz: PosixTz, t: number): number {
  if (!tz.rules) return tz.stdOffset;
  const year = civil(t).year;
  const start = changeTime(tz.rules[0], year, tz.stdOffset);
  const end = changeTime(tz.rules[1], year, tz.dstOffset);
  const dst = start > end ? t < end || t >= start : t >= start && t < end;
  return dst ? tz.dstOffset : tz.stdOffset;
}

function fixed(offset: number): TimeZone {
  return {offsetAt: () => offset, leapAt: () => NO_LEAP};
}

function fromPosix(tz: PosixTz): TimeZone {
  return {offsetAt: (t) => posixOffsetAt(tz, t), leapAt: () => NO_LEAP};
}

/** A zone from TZif data, with glibc's choices (__tzfile_compute). */
export function fromTzif(data: tzif.Tzif): TimeZone {
  const {transitions, transitionTypes, types, leaps} = data;
  const footer = data.footer === undefined ? undefined : parsePosixTz(data.footer);
  const firstStandard = types.find((type) => !type.isDst) ?? types[0]!;
  return {
    offsetAt(t) {
      if (transitions.length === 0 || t < transitions[0]!) return firstStandard.offset;
      if (t >= transitions[transitions.length - 1]! && footer) return posixOffsetAt(footer, t);
      let lo = 0;
      let hi = transitions.length;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (t < transitions[mid]!) hi = mid;
        else lo = mid;
      }
      return types[transitionTypes[lo]!]!.offset;
    },
    leapAt(t) {
      let i = leaps.length - 1;
      while (i >= 0 && t < leaps[i]!.at) i--;
      if (i < 0) return NO_LEAP;
      const correction = leaps[i]!.correction;
      let hit = 0;
      if (t === leaps[i]!.at && correction > (i === 0 ? 0 : leaps[i - 1]!.correction)) {
        hit = 1;
        while (i > 0 && leaps[i]!.at === leaps[i - 1]!.at + 1 && leaps[i]!.correction === leaps[i - 1]!.correction + 1) {
          hit++;
          i--;
        }
      }
      return {correction, hit};
    },
  };
}

/**
 * The zone tzset(3) picks for `tz` (the TZ variable): unset → /etc/localtime; empty →
 * `Universal`; a leading `:` dropped; then the TZif file of that name (relative names under
 * $TZDIR or /usr/share/zoneinfo), else the text as a POSIX TZ string, else UTC.
 */
export function loadTimeZone(tz: string | undefined, tzdir: string | undefined, read: (path: string) => Buffer = readFileSync): TimeZone {
  let name = tz === undefined ? '/etc/localtime' : tz === '' ? 'Universal' : tz;
  if (name.startsWith(':')) name = name.slice(1);
  if (name !== '') {
    const path = name.startsWith('/') ? name : `${tzdir || '/usr/share/zoneinfo'}/${name}`;
    try {
      const data = tzif.unpack(read(path));
      if (data) return fromTzif(data);
    } catch {
      // not a file: a POSIX TZ string, maybe
    }
  }
  if (tz === undefined || name === '' || name === '/etc/localtime') return fixed(0);
  const posix = parsePosixTz(name);
  return posix ? fromPosix(posix) : fixed(0);
}

/** Civil date and time of `t` seconds after the epoch (UTC), proleptic Gregorian. */
export function civil(t: number): {year: number; month: number; day: number; hour: number; minute: number; second: number} {
  const days = Math.floor(t / SECONDS_PER_DAY);
  const rest = t - days * SECONDS_PER_DAY;
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day, hour: Math.floor(rest / 3600), minute: Math.floor((rest % 3600) / 60), second: rest % 60};
}
