import type {ChunkReader} from '../sys/fd-reader.js';
import type {LogWriter} from './writer.js';

/**
 * Pumps input into a LogWriter until end of input or stop(): what the multilog command does
 * with stdin, and what the scanner does with a service's log pipe in-process.
 * - stop() (SIGTERM): ends at the current line boundary. Mid-line, the reader switches to
 *   one-byte reads until the newline, so the rest of the input stays unread for the next reader.
 * - rotate() (SIGALRM): flush and rotate every non-empty directory.
 * The writer is ended (logs fsynced and marked clean) when run() resolves. A failed read counts
 * as the end of input, as in daemontools. If the writer itself fails, run() rejects and the logs
 * are left unmarked, as after a crash; the next start recovers them.
 */
export class LogSession {
  private stopping = false;

  constructor(
    private readonly reader: ChunkReader,
    private readonly writer: LogWriter,
  ) {}

  async run(): Promise<void> {
    try {
      for (;;) {
        if (this.stopping && this.reader.buffered === 0 && this.writer.atLineBoundary) break;
        const chunk = await this.readOrEnd();
        if (chunk === null) break;
        if (chunk === 'interrupted') continue;
        await this.writer.feed(chunk);
      }
    } catch (error) {
      this.reader.close();
      this.writer.abandon();
      throw error;
    }
    this.reader.close();
    await this.writer.end();
  }

  /** A failed read counts as the end of input, as in daemontools (the logs are closed cleanly). */
  private async readOrEnd(): Promise<Buffer | null | 'interrupted'> {
    try {
      return await this.reader.read();
    } catch {
      return null;
    }
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.reader.oneByteAtATime();
    this.reader.interrupt();
  }

  rotate(): Promise<void> {
    return this.writer.rotate();
  }
}
