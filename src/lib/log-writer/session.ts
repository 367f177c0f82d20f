import type {ChunkReader} from '../sys/fd-reader.js';
import type {LogWriter} from './writer.js';

/**
 * Pumps input into a LogWriter until end of input or stop(): what the multilog command does
 * with stdin, and what the scanner does with a service's log pipe in-process.
 * - stop() (SIGTERM): ends at the current line boundary. Mid-line, the reader switches to
 *   one-byte reads until the newline, so the rest of the input stays unread for the next reader.
 * - rotate() (SIGALRM): flush and rotate every non-empty directory.
 * The writer is ended (logs fsynced and marked clean) when run() resolves; if it rejects
 * (input error), the logs are left unmarked, as after a crash, and the next start recovers them.
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
        const chunk = await this.reader.read();
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
