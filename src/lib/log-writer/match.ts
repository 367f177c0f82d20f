/**
 * multilog's pattern matcher: literal bytes and `*`. A `*` at the end matches the rest of the
 * line; any other `*` skips input up to the first occurrence of the next pattern byte (which it
 * does not consume), with no backtracking. The whole line must be consumed.
 */
const STAR = 0x2a;

export function match(pattern: Uint8Array, line: Uint8Array, length: number = line.length): boolean {
  let p = 0;
  let s = 0;
  for (;;) {
    if (p === pattern.length) return s === length;
    const ch = pattern[p++]!;
    if (ch === STAR) {
      if (p === pattern.length) return true;
      const next = pattern[p]!;
      while (s < length && line[s] !== next) s++;
      if (s === length) return false;
      continue;
    }
    if (s === length || line[s] !== ch) return false;
    s++;
  }
}
