/**
 * djb's output buffer as multilog uses it for every log directory: 512 bytes in front of a
 * sink that may accept fewer bytes than offered (the directory cuts chunks at rotation points).
 * The exact flush points matter: they decide where multilog rotates, so put() and putStream()
 * follow buffer_put and buffer_PUTC byte for byte.
 *
 * Operations return undefined when they completed synchronously (the fast path), or a promise
 * when the sink had to wait (a pause after a failed write, a processor run).
 */
export type Pending = Promise<void> | undefined;
export type Sink = (data: Buffer, offset: number, length: number) => number | Promise<number>;

export const OUTPUT_BUFFER_SIZE = 512;
/** buffer_put writes large puts straight through in pieces of at most this size. */
const DIRECT_PIECE = 8192;

/** Runs `step(from)`, `step(from+1)` … `step(count-1)` in order, waiting only when a step has to. */
export function inOrder(count: number, step: (index: number) => Pending, from = 0): Pending {
  for (let i = from; i < count; i++) {
    const pending = step(i);
    if (pending) return pending.then(() => inOrder(count, step, i + 1));
  }
  return undefined;
}

/** Offers `data[offset, offset+length)` to the sink until all of it is taken (djb allwrite). */
export function writeAll(sink: Sink, data: Buffer, offset: number, length: number): Pending {
  while (length > 0) {
    const taken = sink(data, offset, length);
    if (typeof taken !== 'number') return taken.then((n) => writeAll(sink, data, offset + n, length - n));
    offset += taken;
    length -= taken;
  }
  return undefined;
}

export class OutputBuffer {
  private readonly space = Buffer.allocUnsafe(OUTPUT_BUFFER_SIZE);
  private used = 0;

  constructor(private readonly sink: Sink) {}

  get pending(): number {
    return this.used;
  }

  flush(): Pending {
    const length = this.used;
    if (length === 0) return undefined;
    this.used = 0;
    return writeAll(this.sink, this.space, 0, length);
  }

  /** buffer_put: if it does not fit, flush; a put larger than the buffer goes straight to the sink. */
  put(data: Buffer, offset: number, length: number): Pending {
    if (length <= OUTPUT_BUFFER_SIZE - this.used) {
      data.copy(this.space, this.used, offset, offset + length);
      this.used += length;
      return undefined;
    }
    const flushed = this.flush();
    if (flushed) return flushed.then(() => this.putDirect(data, offset, length));
    return this.putDirect(data, offset, length);
  }

  private putDirect(data: Buffer, offset: number, length: number): Pending {
    if (length > OUTPUT_BUFFER_SIZE) {
      const piece = Math.min(DIRECT_PIECE, length);
      const written = writeAll(this.sink, data, offset, piece);
      if (written) return written.then(() => this.putDirect(data, offset + piece, length - piece));
      return this.putDirect(data, offset + piece, length - piece);
    }
    data.copy(this.space, this.used, offset, offset + length);
    this.used += length;
    return undefined;
  }

  /** True when a put of `length` bytes would only copy (no flush). */
  fits(length: number): boolean {
    return length <= OUTPUT_BUFFER_SIZE - this.used;
  }

  /** A put of `first[0, firstLength)` followed by `data[offset, offset+length)` as ONE put; only when fits(firstLength + length). */
  putPair(first: Buffer, firstLength: number, data: Buffer, offset: number, length: number): void {
    // A label is 26 bytes: a loop is cheaper than Buffer#copy's call for so few.
    for (let i = 0; i < firstLength; i++) this.space[this.used++] = first[i]!;
    data.copy(this.space, this.used, offset, offset + length);
    this.used += length;
  }

  /** buffer_PUTC of one byte. */
  putByte(byte: number): Pending {
    if (this.used < OUTPUT_BUFFER_SIZE) {
      this.space[this.used++] = byte;
      return undefined;
    }
    const flushed = this.flush();
    if (flushed) return flushed.then(() => void this.putByte(byte));
    this.space[this.used++] = byte;
    return undefined;
  }

  /** buffer_PUTC, byte after byte: fill the buffer, flush only when a byte finds it full. */
  putStream(data: Buffer, offset: number, length: number): Pending {
    while (length > 0) {
      if (this.used === OUTPUT_BUFFER_SIZE) {
        const flushed = this.flush();
        if (flushed) return flushed.then(() => this.putStream(data, offset, length));
      }
      const n = Math.min(OUTPUT_BUFFER_SIZE - this.used, length);
      data.copy(this.space, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      length -= n;
    }
    return undefined;
  }
}
