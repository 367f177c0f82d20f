import {TAI_OFFSET} from './codec.js';
import {civil, loadTimeZone, type TimeZone} from './zone.js';

/**
 * tai64nlocal's conversion: a line that starts with a well-formed label (`@` and exactly 24
 * lowercase hex digits, followed by anything that is not a hex digit) has the label replaced by
 * local time `YYYY-MM-DD HH:MM:SS.NNNNNNNNN` in the time zone of TZ, exactly as glibc's
 * localtime(3) gives it to daemontools' tai64nlocal (see zone.ts). Every other line,
 * including malformed labels that make daemontools' tai64nlocal crash, passes unchanged.
 */
const AT = 0x40;
const DIGITS = 24;
/** Date's range: ±8.64e15 ms. */
const MAX_SECONDS = 8_640_000_000_000n;

function isLowerHex(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66));
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS.NNNNNNNNN` for time_t `t` (the label's seconds) and nanoseconds, in `zone`. */
export function formatLocal(t: number, nanoseconds: number, zone: TimeZone): string {
  const leap = zone.leapAt(t);
  const c = civil(t + zone.offsetAt(t) - leap.correction);
  return `${c.year}-${pad(c.month, 2)}-${pad(c.day, 2)} ` + `${pad(c.hour, 2)}:${pad(c.minute, 2)}:${pad(c.second + leap.hit, 2)}.${pad(nanoseconds, 9)}`;
}

/** The zone of this process's TZ (and TZDIR), as tzset(3) reads them. */
export function processTimeZone(env: NodeJS.ProcessEnv = process.env): TimeZone {
  return loadTimeZone(env.TZ, env.TZDIR);
}

/** The local-time rendering of one line (without or with its newline); the line itself when it has no valid label. */
export function localizeLine(line: Buffer, zone: TimeZone): Buffer {
  if (line[0] !== AT) return line;
  for (let i = 1; i <= DIGITS; i++) if (!isLowerHex(line[i])) return line;
  if (isLowerHex(line[DIGITS + 1])) return line;
  const seconds = BigInt('0x' + line.toString('latin1', 1, 17)) - TAI_OFFSET;
  if (seconds > MAX_SECONDS || seconds < -MAX_SECONDS) return line;
  const nanoseconds = parseInt(line.toString('latin1', 17, 25), 16);
  return Buffer.concat([Buffer.from(formatLocal(Number(seconds), nanoseconds, zone), 'latin1'), line.subarray(DIGITS + 1)]);
}

/**
 * tai64nlocal's stream engine: splits input into lines (a line may span chunks) and localizes
 * each complete one; `end()` returns the partial last line, localized, without adding a newline.
 */
export class Localizer {
  private pending: Buffer[] = [];

  constructor(private readonly zone: TimeZone = processTimeZone()) {}

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, from)) {
      const piece = chunk.subarray(from, newline + 1);
      out.push(localizeLine(this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]), this.zone));
      this.pending = [];
      from = newline + 1;
    }
    if (from < chunk.length) this.pending.push(chunk.subarray(from));
    return Buffer.concat(out);
  }

  end(): Buffer {
    const rest = this.pending.length === 0 ? Buffer.alloc(0) : localizeLine(Buffer.concat(this.pending), this.zone);
    this.pending = [];
    return rest;
  }
}
