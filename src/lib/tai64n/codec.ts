/**
 * TAI64N, daemontools' timestamp: 8 bytes of TAI seconds (2^62 + 10 + unix seconds) and 4 bytes
 * of nanoseconds, both big-endian. Labels are `@` + 24 lowercase hex digits.
 * Unix time is taken as TAI-10 with no leap seconds, as daemontools does.
 */
export const TAI_OFFSET = 2n ** 62n + 10n;
export const TAI64N_SIZE = 12;
export const LABEL_LENGTH = 25;

export interface Tai64n {
  /** TAI64 seconds label (already includes TAI_OFFSET). */
  readonly seconds: bigint;
  readonly nanoseconds: number;
}

/** From unix milliseconds (fractional allowed): nanoseconds = microseconds*1000 + 500, as daemontools. */
export function fromUnixMs(ms: number): Tai64n {
  const whole = Math.floor(ms / 1000);
  const micros = Math.min(999_999, Math.floor((ms - whole * 1000) * 1000));
  return {seconds: BigInt(whole) + TAI_OFFSET, nanoseconds: micros * 1000 + 500};
}

/** Unix seconds (whole) of a stamp. */
export function toUnixSeconds(stamp: Tai64n): bigint {
  return stamp.seconds - TAI_OFFSET;
}

export function pack(stamp: Tai64n, target: Buffer = Buffer.alloc(TAI64N_SIZE), offset = 0): Buffer {
  target.writeBigUInt64BE(BigInt.asUintN(64, stamp.seconds), offset);
  target.writeUInt32BE(stamp.nanoseconds >>> 0, offset + 8);
  return target;
}

export function unpack(source: Uint8Array, offset = 0): Tai64n {
  const view = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  return {seconds: view.readBigUInt64BE(offset), nanoseconds: view.readUInt32BE(offset + 8)};
}

/** `@400000006b0246cd05b9ef4c` */
export function format(stamp: Tai64n): string {
  return '@' + pack(stamp).toString('hex');
}

/** Parses a full 25-character label; undefined for anything else (wrong length, uppercase, non-hex). */
export function parse(label: string): Tai64n | undefined {
  if (!/^@[0-9a-f]{24}$/.test(label)) return undefined;
  return unpack(Buffer.from(label.slice(1), 'hex'));
}

const HEX = Buffer.from('0123456789abcdef');

/**
 * Writes the 25-byte label of unix time `ms` (as fromUnixMs) into `target` at `offset`, without
 * allocating: the hot path of `t` in multilog and of tai64n. Returns the offset after the label.
 */
export function formatInto(ms: number, target: Uint8Array, offset = 0): number {
  const whole = Math.floor(ms / 1000);
  const micros = Math.min(999_999, Math.floor((ms - whole * 1000) * 1000));
  let nanos = micros * 1000 + 500;
  target[offset] = 0x40; // '@'
  // Seconds label: 2^62 + 10 + whole, for whole in the double-safe range (|whole| < 2^53).
  let low = whole + 10;
  let high = 0x40000000;
  if (low < 0) {
    const borrow = Math.ceil(-low / 2 ** 32);
    high -= borrow;
    low += borrow * 2 ** 32;
  }
  high += Math.floor(low / 2 ** 32);
  low %= 2 ** 32;
  for (let i = 8; i >= 1; i--) {
    target[offset + i] = HEX[high & 15]!;
    high = Math.floor(high / 16);
  }
  for (let i = 16; i >= 9; i--) {
    target[offset + i] = HEX[low % 16]!;
    low = Math.floor(low / 16);
  }
  for (let i = 24; i >= 17; i--) {
    target[offset + i] = HEX[nanos & 15]!;
    nanos >>>= 4;
  }
  return offset + LABEL_LENGTH;
}
