/**
 * File names are bytes; JavaScript strings are UTF-16. A name read from the file system is
 * carried as a string in which every byte that is not part of valid UTF-8 stands as the lone
 * low surrogate U+DC80–U+DCFF (Python's `surrogateescape`, PEP 383). Valid UTF-8 names are
 * ordinary strings, so they compare equal to names from the config; any other name turns back
 * into exactly its bytes, for the file system (`fsPath`) and for messages (`bytesOfName`), as
 * daemontools writes a name's raw bytes. No lone surrogate survives a UTF-8 decode, so the
 * mapping cannot collide with a real name.
 */

const strict = new TextDecoder('utf-8', {fatal: true});
const ESCAPE = 0xdc00;

/** The string for the name `bytes`, escaping every byte that is not valid UTF-8. */
export function nameFromBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // Not UTF-8: walk it, keeping every valid sequence and escaping the other bytes.
  }
  let text = '';
  for (let at = 0; at < bytes.length;) {
    const length = sequenceLength(bytes, at);
    if (length === 0) {
      text += String.fromCharCode(ESCAPE + bytes[at]!);
      at += 1;
    } else {
      text += Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('utf8');
      at += length;
    }
  }
  return text;
}

/** True when `text` holds an escaped byte (a lone U+DC80–U+DCFF). */
export function hasEscapedBytes(text: string): boolean {
  return LONE_ESCAPE.test(text);
}

const LONE_ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;
const LONE_ESCAPES = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]+/g;

/** The bytes of `text`: UTF-8, with every escaped byte written back as itself. */
export function bytesOfName(text: string): Buffer {
  if (!hasEscapedBytes(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(LONE_ESCAPES)) {
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'));
    parts.push(Buffer.from([...match[0]].map((char) => char.charCodeAt(0) - ESCAPE)));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** A path for `node:fs`: the string itself, or its bytes when it holds escaped bytes. */
export function fsPath(text: string): string | Buffer {
  return hasEscapedBytes(text) ? bytesOfName(text) : text;
}

/** The length of the valid UTF-8 sequence at `at` (RFC 3629: no overlongs, no surrogates), or 0. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!;
  if (lead < 0x80) return 1;
  const [length, low, high] =
    lead >= 0xc2 && lead <= 0xdf
      ? [2, 0x80, 0xbf]
      : lead === 0xe0
        ? [3, 0xa0, 0xbf]
        : lead === 0xed
          ? [3, 0x80, 0x9f]
          : lead >= 0xe1 && lead <= 0xef
            ? [3, 0x80, 0xbf]
            : lead === 0xf0
              ? [4, 0x90, 0xbf]
              : lead >= 0xf1 && lead <= 0xf3
                ? [4, 0x80, 0xbf]
                : lead === 0xf4
                  ? [4, 0x80, 0x8f]
                  : [0, 0, 0];
  if (length === 0 || at + length > bytes.length) return 0;
  const second = bytes[at + 1]!;
  if (second < low || second > high) return 0;
  for (let next = at + 2; next < at + length; next++) {
    if ((bytes[next]! & 0xc0) !== 0x80) return 0;
  }
  return length;
}
