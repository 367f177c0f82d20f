import {constants, fstatSync, openSync, readSync} from 'node:fs';
import {Socket, type OnReadOpts, type SocketConstructorOpts} from 'node:net';
import {isErrno} from './errno.js';

/**
 * Reads an inherited fd (stdin) in chunks without blocking the event loop on a pipe.
 * - Regular files, character devices, terminals (anything but a pipe or socket): plain read(2)
 *   calls (fs.readSync); a file read never waits for a writer.
 * - Pipes and sockets: a net.Socket in `onread` mode, so libuv does one read(2) of at most
 *   `chunkSize` bytes at a time and stops reading when `queueLimit` chunks wait unconsumed.
 *   Never an asynchronous fs.read on a pipe: it would pin a threadpool thread.
 * `oneByteAtATime()` switches to reads of a single byte (multilog after SIGTERM: finish the
 * current line and leave the rest of the input unread).
 */
export interface ChunkReader {
  /**
   * The next chunk (a fresh Buffer the caller may keep), null at end of input, or 'interrupted'
   * when interrupt() was called while it waited. Throws errno errors.
   */
  read(): Promise<Buffer | null | 'interrupted'>;
  /** Chunks already taken from the fd and not yet returned by read(). */
  readonly buffered: number;
  /** Makes a read() that is waiting for input return 'interrupted' (no effect on data). */
  interrupt(): void;
  /** From now on every read(2) asks for one byte. */
  oneByteAtATime(): void;
  /** Stops reading and releases the handle (the fd itself stays open). */
  close(): void;
}

export interface ChunkReaderOptions {
  chunkSize?: number;
  queueLimit?: number;
  /**
   * Pipes only: read through a new open file description of the pipe (/proc/self/fd/N), so
   * close() leaves `fd` itself open (a scanner keeps a log pipe across logger restarts).
   */
  reopen?: boolean;
}

export function openChunkReader(fd: number, options: ChunkReaderOptions = {}): ChunkReader {
  const chunkSize = options.chunkSize ?? 8192;
  const stats = fstatSync(fd);
  if (stats.isFIFO() || stats.isSocket()) {
    const own = options.reopen ? openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK) : fd;
    return new SocketReader(own, chunkSize, options.queueLimit ?? 2);
  }
  return new DirectReader(fd, chunkSize);
}

class DirectReader implements ChunkReader {
  private size: number;
  constructor(
    private readonly fd: number,
    chunkSize: number,
  ) {
    this.size = chunkSize;
  }

  readonly buffered = 0;

  interrupt(): void {}

  async read(): Promise<Buffer | null> {
    const buffer = Buffer.allocUnsafe(this.size);
    for (;;) {
      try {
        const n = readSync(this.fd, buffer, 0, this.size, null);
        return n === 0 ? null : buffer.subarray(0, n);
      } catch (error) {
        if (!isErrno(error, 'EINTR')) throw error;
      }
    }
  }

  oneByteAtATime(): void {
    this.size = 1;
  }

  close(): void {}
}

class SocketReader implements ChunkReader {
  private socket: Socket;
  private readonly queue: Buffer[] = [];
  private size: number;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private paused = false;
  private interrupted = false;

  constructor(
    private readonly fd: number,
    chunkSize: number,
    private readonly queueLimit: number,
  ) {
    this.size = chunkSize;
    this.socket = this.attach(fd);
  }

  private attach(fd: number): Socket {
    // Node accepts `onread` here (as in connect()); its type definitions only list it for connect().
    const options: SocketConstructorOpts & {onread: OnReadOpts} = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: () => Buffer.allocUnsafe(this.size),
        callback: (nread: number, buffer: Uint8Array) => {
          this.queue.push(Buffer.from(buffer.buffer, buffer.byteOffset, nread));
          this.notify();
          // One-byte mode: stop after every byte, so nothing is taken that was not asked for.
          if (this.queue.length >= this.queueLimit || this.size === 1) {
            this.paused = true;
            return false;
          }
          return true;
        },
      },
    };
    const socket = new Socket(options);
    socket.on('end', () => {
      if (socket !== this.socket) return;
      this.ended = true;
      this.notify();
    });
    socket.on('error', (error) => {
      if (socket !== this.socket) return;
      this.failure = error;
      this.notify();
    });
    return socket;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  get buffered(): number {
    return this.queue.length;
  }

  interrupt(): void {
    this.interrupted = true;
    this.notify();
  }

  async read(): Promise<Buffer | null | 'interrupted'> {
    this.interrupted = false;
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        if (this.paused && this.size > 1 && this.queue.length < this.queueLimit) this.resume();
        return chunk;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return null;
      if (this.paused) this.resume();
      if (this.interrupted) {
        this.interrupted = false;
        return 'interrupted';
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Node hands libuv the buffer for the next read(2) as soon as the previous one returns, so a
   * running socket's next read is already sized. Switch to a fresh socket on a new open file
   * description of the same pipe (/proc/self/fd/N), whose reads are one byte each; the old
   * socket has read nothing more, and closing it closes the original fd.
   */
  oneByteAtATime(): void {
    if (this.size === 1) return;
    this.size = 1;
    if (this.ended || this.failure) return;
    let fd: number;
    try {
      fd = openSync(`/proc/self/fd/${this.fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return; // no /proc: the next read may still be a large one
    }
    const old = this.socket;
    this.socket = this.attach(fd);
    this.paused = false;
    old.destroy();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Every chunk until end of input (for readers nobody interrupts). */
export async function* chunksOf(reader: ChunkReader): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = await reader.read();
    if (chunk === null) return;
    if (chunk !== 'interrupted') yield chunk;
  }
}
