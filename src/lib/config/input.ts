import {isUtf8} from 'node:buffer';
import {ConfigError} from './schema.js';

/**
 * The bytes of a config file before YAML sees them. A config is a few kilobytes: anything over
 * CONFIG_SIZE_LIMIT is refused before it is read (a huge file would otherwise be read whole
 * and parsed into a huge tree). The text must be UTF-8: an invalid byte is an error at its
 * line and column, never silently replaced by U+FFFD (a `run:` line would then run something
 * other than what the file says).
 */
export const CONFIG_SIZE_LIMIT = 1024 * 1024;

/** The limit in words, for messages and the README. */
export const CONFIG_SIZE_LIMIT_TEXT = '1 MiB';

export function tooLargeMessage(file: string, size: number): string {
  return `${file}: the config is ${size} bytes, more than the ${CONFIG_SIZE_LIMIT_TEXT} (${CONFIG_SIZE_LIMIT} bytes) a config may have`;
}

/** The text of `bytes` (a leading byte-order mark dropped), or a ConfigError at the first byte that is not UTF-8. */
export function decodeConfig(bytes: Uint8Array, file: string): string {
  if (isUtf8(bytes)) return new TextDecoder('utf-8').decode(bytes);
  const offset = firstInvalidUtf8(bytes);
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  const line = countNewlines(bytes, lineStart) + 1;
  const col = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset)).length + 1;
  const hex = bytes[offset]!.toString(16).padStart(2, '0');
  throw new ConfigError(file, line, col, `byte 0x${hex} is not valid UTF-8 (the config must be UTF-8 text)`);
}

/** Offset of the first byte that starts (or cuts short) an invalid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const [length, min] = b < 0x80 ? [1, 0] : b >= 0xc2 && b <= 0xdf ? [2, 0x80] : b >= 0xe0 && b <= 0xef ? [3, 0x800] : b >= 0xf0 && b <= 0xf4 ? [4, 0x10000] : [0, 0];
    if (length === 0) return i;
    if (length === 1) {
      i++;
      continue;
    }
    let value = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      value = (value << 6) | (next & 0x3f);
    }
    if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) count++;
  return count;
}
