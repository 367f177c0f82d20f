/**
 * The TZif format of /usr/share/zoneinfo (RFC 8536): the codec tai64nlocal reads zones with.
 * Version 2 and later files carry a second, 64-bit copy of the data and a POSIX TZ footer
 * for times after the last transition; a version 1 file has only the 32-bit block.
 */
export interface LocalTimeType {
  /** Seconds east of UTC. */
  readonly offset: number;
  readonly isDst: boolean;
}

export interface LeapSecond {
  /** The time_t (leap-second counting, as in the right/ zones) from which `correction` applies. */
  readonly at: number;
  /** Leap seconds inserted (minus deleted) up to `at`. */
  readonly correction: number;
}

export interface Tzif {
  /** Transition times, ascending. */
  readonly transitions: readonly number[];
  /** For each transition, the index in `types` of the type that starts there. */
  readonly transitionTypes: readonly number[];
  readonly types: readonly LocalTimeType[];
  readonly leaps: readonly LeapSecond[];
  /** The footer's POSIX TZ string (version 2+), undefined when absent or empty. */
  readonly footer: string | undefined;
}

const HEADER_SIZE = 44;

/** undefined when `data` is not a well-formed TZif file. */
export function unpack(data: Buffer): Tzif | undefined {
  const first = header(data, 0);
  if (!first) return undefined;
  if (first.version === 0) return block(data, HEADER_SIZE, first, 4);
  const second = header(data, HEADER_SIZE + blockSize(first, 4));
  if (!second) return undefined;
  const start = HEADER_SIZE + blockSize(first, 4) + HEADER_SIZE;
  const zone = block(data, start, second, 8);
  if (!zone) return undefined;
  const footerStart = start + blockSize(second, 8);
  if (data[footerStart] !== 0x0a) return zone;
  const end = data.indexOf(0x0a, footerStart + 1);
  if (end < 0) return undefined;
  const footer = data.toString('latin1', footerStart + 1, end);
  return {...zone, footer: footer === '' ? undefined : footer};
}

interface Counts {
  readonly version: number;
  readonly isut: number;
  readonly isstd: number;
  readonly leap: number;
  readonly time: number;
  readonly type: number;
  readonly char: number;
}

function header(data: Buffer, at: number): Counts | undefined {
  if (data.length < at + HEADER_SIZE || data.toString('latin1', at, at + 4) !== 'TZif') return undefined;
  const version = data[at + 4] === 0 ? 0 : data[at + 4]! - 0x30;
  const count = (i: number) => data.readUInt32BE(at + 20 + 4 * i);
  const counts = {version, isut: count(0), isstd: count(1), leap: count(2), time: count(3), type: count(4), char: count(5)};
  return counts.type > 0 ? counts : undefined;
}

function blockSize(c: Counts, width: 4 | 8): number {
  return c.time * width + c.time + c.type * 6 + c.char + c.leap * (width + 4) + c.isstd + c.isut;
}

function block(data: Buffer, at: number, c: Counts, width: 4 | 8): Tzif | undefined {
  if (data.length < at + blockSize(c, width)) return undefined;
  const time = (offset: number) => (width === 4 ? data.readInt32BE(offset) : Number(data.readBigInt64BE(offset)));
  const transitions: number[] = [];
  const transitionTypes: number[] = [];
  let p = at;
  for (let i = 0; i < c.time; i++, p += width) transitions.push(time(p));
  for (let i = 0; i < c.time; i++, p++) {
    if (data[p]! >= c.type) return undefined;
    transitionTypes.push(data[p]!);
  }
  const types: LocalTimeType[] = [];
  for (let i = 0; i < c.type; i++, p += 6) types.push({offset: data.readInt32BE(p), isDst: data[p + 4] !== 0});
  p += c.char;
  const leaps: LeapSecond[] = [];
  for (let i = 0; i < c.leap; i++, p += width + 4) leaps.push({at: time(p), correction: data.readInt32BE(p + width)});
  return {transitions, transitionTypes, types, leaps, footer: undefined};
}
