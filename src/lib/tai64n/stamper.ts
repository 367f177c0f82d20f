import type {Time} from '../time/time.js';
import {LABEL_LENGTH, formatInto} from './codec.js';

const NEWLINE = 0x0a;
const PREFIX = LABEL_LENGTH + 1;

/**
 * tai64n's line engine: puts `@` + 24 hex digits + a space in front of every line, the stamp
 * taken when the line's first byte is taken from the input. Lines may span chunks; a partial
 * last line gets no newline added.
 */
export class Stamper {
  private atLineStart = true;

  constructor(private readonly clock: Pick<Time, 'now'>) {}

  /** The stamped form of `chunk`. */
  stamp(chunk: Uint8Array): Buffer {
    let starts = this.atLineStart && chunk.length > 0 ? 1 : 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(NEWLINE, i + 1)) starts++;
    const out = Buffer.allocUnsafe(chunk.length + starts * PREFIX);
    let at = 0;
    let from = 0;
    while (from < chunk.length) {
      if (this.atLineStart) {
        at = formatInto(this.clock.now(), out, at);
        out[at++] = 0x20;
      }
      const newline = chunk.indexOf(NEWLINE, from);
      const end = newline === -1 ? chunk.length : newline + 1;
      out.set(chunk.subarray(from, end), at);
      at += end - from;
      from = end;
      this.atLineStart = newline !== -1;
    }
    return out;
  }
}
