/**
 * readproctitle's display: the last argument D is overwritten with dots, then every nonzero
 * input byte shifts D[3..] left by one and lands at the end. The first three characters never
 * change, so `service errors: ...` keeps its leading dots as a visual separator.
 */
export const KEPT_PREFIX = 3;
export const MINIMUM_LENGTH = 5;

export class RollingTitle {
  private readonly buffer: Buffer;

  constructor(length: number) {
    if (length < MINIMUM_LENGTH) throw new RangeError(`title area of ${length} bytes is shorter than ${MINIMUM_LENGTH}`);
    this.buffer = Buffer.alloc(length, '.');
  }

  /** Takes input bytes; NUL bytes are ignored. */
  feed(bytes: Uint8Array): void {
    const buffer = this.buffer;
    const window = buffer.length - KEPT_PREFIX;
    let incoming = 0;
    for (const byte of bytes) if (byte !== 0) incoming++;
    if (incoming === 0) return;
    // Shift once by min(incoming, window), then copy the last `window` nonzero bytes in.
    const keep = Math.max(0, window - incoming);
    buffer.copy(buffer, KEPT_PREFIX, buffer.length - keep, buffer.length);
    let at = buffer.length;
    for (let i = bytes.length - 1; i >= 0 && at > KEPT_PREFIX + keep; i--) {
      const byte = bytes[i]!;
      if (byte !== 0) buffer[--at] = byte;
    }
  }

  /**
   * The text as ps should show it. Bytes that are not printable ASCII become `?` so the title
   * keeps its length in the fixed command-line area (Node encodes titles as UTF-8).
   */
  text(): string {
    let out = '';
    for (const byte of this.buffer) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : byte === 0x0a || byte === 0x09 ? ' ' : '?';
    return out;
  }
}
