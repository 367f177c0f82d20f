import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {LogSession} from '../log-writer/session.js';
import {parseScript} from '../log-writer/script.js';
import {LogWriter} from '../log-writer/writer.js';
import type {ChildEnding} from '../supervisor/child.js';
import type {ChildRunner, InProcessChild} from '../supervisor/engine.js';
import {openChunkReader, type ChunkReader} from '../sys/fd-reader.js';
import type {Time} from '../time/time.js';
import type {FsCredentials} from '../sys/fs-credentials.js';

/** A log script run as an account, as `setuidgid USER multilog ARGS` runs it. */
export interface AccountLogScript {
  readonly args: readonly string[];
  readonly account: FsCredentials;
}

export interface InProcessLogOptions {
  /** The log directory: relative directories of the script are taken from it. */
  readonly dir: string;
  /**
   * A read-only, non-blocking descriptor of the log pipe, an open file description of the
   * logger's own (never the service's), asked for at each start; the logger closes it.
   */
  readonly openPipe: () => number;
  /**
   * multilog's arguments, asked for at each start (a changed `log:` applies from the next), or
   * them and the account multilog runs as (`setuidgid USER multilog`).
   */
  readonly script: () => readonly string[] | AccountLogScript | undefined;
  /**
   * The log directory as this process holds it open (`/proc/self/fd/N`): a logger that runs as
   * an account takes relative paths from it, so the account needs no search right on the
   * directories above, as multilog started in it by supervise needs none. Default `dir`.
   */
  readonly heldDir?: string;
  readonly reporter: Reporter;
  /** The pid `status` shows: this process, which does the logging. */
  readonly pid?: number;
  /** The log's stamps and pauses. Default systemTime. */
  readonly time?: Time;
}

/**
 * A service's logger run inside the scanner instead of a `multilog` process, as the runner of
 * the logger's Supervisor: the log directory gets supervise's files (lock, control, ok, status
 * naming this process), so `svc`, `svstat` and `svok` treat it as a supervised multilog. The log
 * writer library reads the pipe and writes the log directories with multilog's exact behaviour;
 * the signals the supervisor sends act as they do on multilog:
 * - TERM (`svc -d`, `-t`), INT, HUP: finish the current line and end; nothing unread is taken
 *   from the pipe, so the next logger goes on from there.
 * - ALRM (`svc -a`): rotate every non-empty log directory.
 * - STOP / CONT (`svc -p` / `-c`): stop and resume reading (a TERM or ALRM meanwhile acts on CONT,
 *   as on a stopped process).
 * - KILL (`svc -k`, a stop timeout): counts as ended at once; the session still finishes its
 *   line in the background, and the next start waits for it (one writer per log directory).
 * A logger that cannot start (an unusable script, a directory that cannot be set up) warns and
 * ends with 111, and the supervisor starts it again a second later, as it would restart multilog.
 */
export class InProcessLog implements ChildRunner {
  private readonly options: InProcessLogOptions;
  /** The last session's end: a new start waits for it. */
  private last: Promise<void> = Promise.resolve();
  private readonly live = new Set<Run>();

  constructor(options: InProcessLogOptions) {
    this.options = options;
  }

  start(onExit: (ending: ChildEnding) => void): InProcessChild {
    const run = new Run(this.options, onExit);
    this.live.add(run);
    const previous = this.last;
    this.last = run.run(previous).finally(() => this.live.delete(run));
    return run;
  }

  /** Stops every session still running (at a line boundary) and resolves when the logs are closed. */
  async close(): Promise<void> {
    for (const run of this.live) run.signal('SIGTERM');
    await this.last;
  }
}

class Run implements InProcessChild {
  readonly pid: number;
  private session: LogSession | undefined;
  private stopRequested = false;
  private rotateRequested = false;
  private paused = false;
  private resume: (() => void) | undefined;
  private ended = false;
  private released = false;

  constructor(
    private readonly options: InProcessLogOptions,
    private readonly onExit: (ending: ChildEnding) => void,
  ) {
    this.pid = options.pid ?? process.pid;
  }

  async run(previous: Promise<void>): Promise<void> {
    const {dir, reporter} = this.options;
    await previous;
    // Never synchronously: the supervisor learns of the child when start() returns.
    await Promise.resolve();
    let code = 0;
    try {
      if (!this.stopRequested) await this.log();
    } catch (error) {
      code = 111;
      reporter.warn(`logger for ${dir} failed: ${error instanceof Error && !('code' in error) ? error.message : errorText(error)}`);
    }
    this.end({code, signal: null});
  }

  private async log(): Promise<void> {
    const {dir, reporter, time} = this.options;
    const script = this.options.script();
    if (!script) throw new Error('no log script');
    const [args, account] = 'account' in script ? [script.args, script.account] : [script, undefined];
    const writer = await LogWriter.open(parseScript(args), {
      cwd: account ? (this.options.heldDir ?? dir) : dir,
      reporter: {warn: (message) => reporter.warn(`${dir}: ${message}`)},
      ...(time ? {time} : {}),
      ...(account ? {account} : {}),
    });
    let reader: ChunkReader;
    try {
      reader = this.gated(openChunkReader(this.options.openPipe(), {chunkSize: 65536}));
    } catch (error) {
      await writer.end();
      throw error;
    }
    const session = new LogSession(reader, writer);
    this.session = session;
    if (this.stopRequested) session.stop();
    await session.run();
  }

  /** Reads wait while the logger is paused (a stopped multilog reads nothing). */
  private gated(reader: ChunkReader): ChunkReader {
    return {
      read: async () => {
        while (this.paused) await new Promise<void>((resolve) => (this.resume = resolve));
        return reader.read();
      },
      get buffered() {
        return reader.buffered;
      },
      interrupt: () => reader.interrupt(),
      oneByteAtATime: () => reader.oneByteAtATime(),
      close: () => reader.close(),
    };
  }

  signal(signal: NodeJS.Signals): void {
    if (this.ended && signal !== 'SIGCONT') return;
    switch (signal) {
      case 'SIGTERM':
      case 'SIGINT':
      case 'SIGHUP':
        this.stopRequested = true;
        this.session?.stop();
        return;
      case 'SIGALRM':
        if (this.paused) this.rotateRequested = true;
        else this.rotate();
        return;
      case 'SIGSTOP':
        this.paused = true;
        return;
      case 'SIGCONT':
        this.continue();
        return;
      case 'SIGKILL':
        this.signal('SIGTERM');
        this.continue();
        this.end({code: null, signal: 'SIGKILL'});
        return;
      default:
        return;
    }
  }

  release(): void {
    this.released = true;
  }

  private continue(): void {
    this.paused = false;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
    if (this.rotateRequested) {
      this.rotateRequested = false;
      this.rotate();
    }
  }

  private rotate(): void {
    this.session?.rotate().catch((error: unknown) => this.options.reporter.warn(`unable to rotate ${this.options.dir}: ${errorText(error)}`));
  }

  private end(ending: ChildEnding): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.released) this.onExit(ending);
  }
}
