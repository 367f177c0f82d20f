import type {Time} from '../time/time.js';
import {LABEL_LENGTH, formatInto} from './codec.js';

const NEWLINE = 0x0a;
const PREFIX = LABEL_LENGTH + 1;

/**
 * tai64n's line engine: puts `@` + 24 hex digits + a space in front of every line, the stamp
 * taken when the line's first byte is taken from the input: the clock is read once per chunk,
 * since every line starting in one chunk came in with the same read(2) (reading the clock for
 * each line was 12 % of tai64n's time, issue 16). Lines may span chunks; a partial last line
 * gets no newline added.
 */
export class Stamper {
  private atLineStart = true;
  private readonly label = Buffer.alloc(PREFIX);

  constructor(private readonly clock: Pick<Time, 'now'>) {}

  /** The stamped form of `chunk`. */
  stamp(chunk: Uint8Array): Buffer {
    let starts = this.atLineStart && chunk.length > 0 ? 1 : 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(NEWLINE, i + 1)) starts++;
    const out = Buffer.allocUnsafe(chunk.length + starts * PREFIX);
    if (starts > 0) {
      formatInto(this.clock.now(), this.label, 0);
      this.label[LABEL_LENGTH] = 0x20;
    }
    let at = 0;
    let from = 0;
    while (from < chunk.length) {
      if (this.atLineStart) {
        this.label.copy(out, at);
        at += PREFIX;
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
