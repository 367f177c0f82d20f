import {closeSync, constants, openSync, writeSync} from 'node:fs';
import {SysError} from '../cli/errors.js';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {systemTime, type Time} from '../time/time.js';
import {LABEL_LENGTH, formatInto} from '../tai64n/codec.js';
import {AbandonedError, LogDirectory, under} from './directory.js';
import {match} from './match.js';
import {OutputBuffer, inOrder, type Pending} from './output-buffer.js';
import type {Script} from './script.js';
import {withFsCredentials, type FsCredentials} from '../sys/fs-credentials.js';

/**
 * multilog's line engine, embeddable: no process state, no signal handlers, an injected clock,
 * pause and reporter. The caller feeds input chunks (awaiting each: the promise stays pending
 * while a directory waits out a failure, which is the backpressure), asks for rotations
 * (SIGALRM) and ends the log (EOF or SIGTERM at a line boundary).
 *
 * Input is consumed in reads of at most 1024 bytes, and all directory buffers are flushed
 * before each, as daemontools does: the rotation points depend on these flushes. The write(2)s
 * behind them are batched per fed chunk (LogDirectory.flushStaged), and everything is written
 * before feed() resolves, so nothing waits in memory while the caller waits for input.
 *
 * Embedding (one log per service, in-process):
 *   const writer = await LogWriter.open(parseScript(args), {cwd, reporter, time, pauseMs});
 *   const session = new LogSession(openChunkReader(pipeFd, {reopen: true}), writer);
 *   const done = session.run();   // session.rotate() on ALRM, session.stop() on TERM
 *   await done;                    // logs fsynced, marked clean, locks released
 */
export const READ_SIZE = 1024;
/** Bytes of a line that decide selection and feed `e` and `=` (timestamp included). */
export const LINE_LIMIT = 1000;
/** `=file` is overwritten with this many bytes: the line padded with newlines. */
export const STATUS_SIZE = 1001;
/** `e` prints at most this many bytes of a line, then `...`. */
const STDERR_LIMIT = 200;
const NEWLINE = 0x0a;
const NEWLINE_BYTE = Buffer.from('\n');
const ELLIPSIS = Buffer.from('...\n');
const DEFAULT_PAUSE_MS = 5000;

export interface LogWriterOptions {
  /** Where relative directories and `=` files are (multilog's starting directory). Default: this process's working directory, kept relative. */
  cwd?: string;
  /** The `t` stamps and the pauses. Default systemTime. */
  time?: Time;
  /** Receives `unable to …, pausing: ERR` warnings (without the `multilog: warning: ` prefix). */
  reporter: Reporter;
  /** Pause after a failure before retrying; default 5000 ms as daemontools. */
  pauseMs?: number;
  /** Receives the output of `e` actions, one whole line per call. Default: discarded. */
  stderr?: (line: Buffer) => void;
  /** fd 2 of processors. Default 'inherit'. */
  processorStderr?: 'inherit' | 'ignore' | number;
  /**
   * The account the log is written as (`setuidgid USER multilog`): every file operation with its
   * filesystem credentials, processors as its processes (see DirectoryContext.account).
   */
  account?: FsCredentials;
}

interface StatusFile {
  readonly path: string;
  readonly fd: number;
}

export class LogWriter {
  private readonly script: Script;
  private readonly time: Time;
  private readonly reporter: Reporter;
  private readonly pause: () => Promise<void>;
  private readonly stderr: (line: Buffer) => void;
  private readonly statusFiles: StatusFile[];
  private readonly directories: LogDirectory[];
  private readonly buffers: OutputBuffer[];
  private readonly selected: boolean[];
  /** No patterns, `e` or `=`: every line goes to every directory, nothing inspects it. */
  private readonly plain: boolean;
  private readonly line = Buffer.alloc(STATUS_SIZE, NEWLINE);
  private lineLength = 0;
  /**
   * The `t` label (and its space) of the current read: the clock is read once per read of
   * READ_SIZE bytes, as the lines in it came in together (a reading per line was 12 % of
   * multilog t's time, issue 16). Stale after anything was waited for.
   */
  private readonly label = Buffer.alloc(LABEL_LENGTH + 1);
  private labelFresh = false;
  /** A line reached LINE_LIMIT: the rest of it streams to the selected directories. */
  private overflowing = false;
  private lastReadEndedLine = true;
  private rotationRequested = false;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private abandoned = false;

  private constructor(
    script: Script,
    parts: {time: Time; reporter: Reporter; pause: () => Promise<void>; stderr: (line: Buffer) => void; statusFiles: StatusFile[]; directories: LogDirectory[]},
  ) {
    this.script = script;
    this.time = parts.time;
    this.reporter = parts.reporter;
    this.pause = parts.pause;
    this.stderr = parts.stderr;
    this.statusFiles = parts.statusFiles;
    this.directories = parts.directories;
    this.buffers = parts.directories.map((directory) => new OutputBuffer((data, offset, length) => directory.write(data, offset, length)));
    this.selected = parts.directories.map(() => false);
    this.plain = script.actions.every((action) => action.kind === 'directory');
  }

  /**
   * Opens every `=` file (created 0600 if missing), then every directory in script order
   * (create, lock, recover). Throws a SysError with daemontools' fatal message; whatever was
   * opened before the failure is closed again.
   */
  static async open(script: Script, options: LogWriterOptions): Promise<LogWriter> {
    const cwd = options.cwd ?? '.';
    const time = options.time ?? systemTime;
    const pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
    const pause = () => time.sleep(pauseMs);
    const statusFiles: StatusFile[] = [];
    const directories: LogDirectory[] = [];
    try {
      // An empty name stays empty (open fails with ENOENT, as in daemontools), not the cwd.
      for (const path of script.statusFiles) statusFiles.push({path, fd: openStatusFile(path === '' ? '' : under(cwd, path), path, options.account)});
      const context = {
        cwd,
        time,
        reporter: options.reporter,
        pause,
        processorStderr: options.processorStderr ?? 'inherit',
        ...(options.account ? {account: options.account} : {}),
      };
      for (const settings of script.directories) directories.push(await LogDirectory.open(settings, context));
    } catch (error) {
      for (const file of statusFiles) closeSync(file.fd);
      for (const directory of directories) directory.release();
      throw error;
    }
    return new LogWriter(script, {time, reporter: options.reporter, pause, stderr: options.stderr ?? (() => {}), statusFiles, directories});
  }

  /** True when the input so far ends with a newline (or nothing was read): stopping now cuts no line. */
  get atLineBoundary(): boolean {
    return this.lastReadEndedLine;
  }

  /** Processes a chunk of input. Await it before feeding more: it stays pending while a directory is failing. */
  feed(chunk: Buffer): Promise<void> {
    return this.serially(() => this.consume(chunk));
  }

  /** SIGALRM: flush, then rotate every directory whose `current` is not empty (after any feed in progress). */
  rotate(): Promise<void> {
    this.rotationRequested = true;
    return this.serially(async () => {
      const pending = this.beforeRead();
      if (pending) await pending;
    });
  }

  /**
   * End of input (or SIGTERM at a line boundary): a partial line gets its newline, buffers are
   * flushed, every `current` is fsynced and marked clean (0744), locks are released.
   */
  end(): Promise<void> {
    return this.serially(async () => {
      if (this.closed) return;
      this.closed = true;
      // The read that met the end of input came after a flush, as every read does.
      const ready = this.beforeRead();
      if (ready) await ready;
      if (this.overflowing) {
        this.overflowing = false;
        const pending = this.putNewline();
        if (pending) await pending;
      } else if (this.lineLength > 0) {
        const pending = this.completeLine(true);
        if (pending) await pending;
      }
      const flushed = this.flushAll();
      if (flushed) await flushed;
      for (const directory of this.directories) await directory.close();
      for (const file of this.statusFiles) closeSync(file.fd);
    });
  }

  /**
   * Closes every file without marking the logs clean (as a crash would leave them); an
   * operation waiting out a failure rejects with AbandonedError instead of retrying.
   */
  abandon(): void {
    this.closed = true;
    this.abandoned = true;
    for (const directory of this.directories) directory.release();
    for (const file of this.statusFiles) {
      try {
        closeSync(file.fd);
      } catch {
        // already closed
      }
    }
  }

  private serially(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => {
      if (this.closed) throw new Error('log writer already ended');
      return operation();
    });
    this.queue = next.catch(() => {});
    return next;
  }

  private flushAll(): Pending {
    return inOrder(this.buffers.length, (index) => this.buffers[index]!.flush());
  }

  /** What daemontools does before every read(): flush all, then any requested rotation. */
  private beforeRead(): Pending {
    const flushed = this.flushAll();
    if (flushed) return flushed.then(() => this.rotateIfRequested());
    return this.rotateIfRequested();
  }

  private rotateIfRequested(): Pending {
    if (!this.rotationRequested) return undefined;
    this.rotationRequested = false;
    return inOrder(this.directories.length, (index) => {
      const directory = this.directories[index]!;
      return directory.bytes > 0 ? directory.rotate() : undefined;
    });
  }

  private async consume(chunk: Buffer): Promise<void> {
    let nextNewline = -1;
    for (let start = 0; start < chunk.length; start += READ_SIZE) {
      const end = Math.min(start + READ_SIZE, chunk.length);
      const ready = this.beforeRead();
      if (ready) await ready;
      this.labelFresh = false;
      let at = start;
      while (at < end) {
        if (nextNewline < at) {
          nextNewline = chunk.indexOf(NEWLINE, at);
          if (nextNewline === -1) nextNewline = chunk.length;
        }
        let pending: Pending;
        if (this.overflowing) {
          const stop = Math.min(nextNewline, end);
          if (stop > at) pending = this.putRest(chunk, at, stop - at);
          if (pending) {
            await pending;
            this.labelFresh = false;
          }
          pending = undefined;
          if (nextNewline < end) {
            this.overflowing = false;
            pending = this.putNewline();
            at = nextNewline + 1;
          } else {
            at = end;
          }
        } else {
          const fresh = this.lineLength === 0;
          if (fresh && this.script.timestamp) {
            if (!this.labelFresh) {
              formatInto(this.time.now(), this.label, 0);
              this.label[LABEL_LENGTH] = 0x20;
              this.labelFresh = true;
            }
            this.lineLength = this.label.copy(this.line, 0);
          }
          const limit = Math.min(end, at + LINE_LIMIT - this.lineLength);
          if (fresh && this.plain && nextNewline < limit && this.allFit(this.lineLength + nextNewline - at)) {
            // Fast path (no patterns, e or =: every line goes to every directory): the same
            // single put as below, without assembling the line first.
            pending = this.putWholeLine(chunk, at, nextNewline - at);
            at = nextNewline + 1;
          } else if (nextNewline < limit) {
            chunk.copy(this.line, this.lineLength, at, nextNewline);
            this.lineLength += nextNewline - at;
            at = nextNewline + 1;
            pending = this.completeLine(true);
          } else {
            chunk.copy(this.line, this.lineLength, at, limit);
            this.lineLength += limit - at;
            at = limit;
            if (this.lineLength === LINE_LIMIT) {
              this.overflowing = true;
              pending = this.completeLine(false);
            }
          }
        }
        if (pending) {
          await pending;
          this.labelFresh = false;
        }
      }
      this.lastReadEndedLine = chunk[end - 1] === NEWLINE;
    }
    // daemontools flushes before every read(): nothing waits in a buffer while input is awaited.
    const flushed = this.flushAll();
    if (flushed) await flushed;
    const written = inOrder(this.directories.length, (index) => this.directories[index]!.flushStaged());
    if (written) await written;
  }

  /**
   * The actions for the line in the buffer, then the line to the selected directories. `ended`:
   * the newline was seen (false when the line hit LINE_LIMIT and its rest is still coming).
   */
  private completeLine(ended: boolean): Pending {
    let selected = true;
    let statusIndex = 0;
    let writes: number[] | undefined;
    for (const action of this.script.actions) {
      switch (action.kind) {
        case 'select':
          if (!selected && match(action.pattern, this.line, this.lineLength)) selected = true;
          break;
        case 'deselect':
          if (selected && match(action.pattern, this.line, this.lineLength)) selected = false;
          break;
        case 'stderr':
          if (selected) this.writeStderr();
          break;
        case 'status':
          if (selected) (writes ??= []).push(statusIndex);
          statusIndex++;
          break;
        case 'directory':
          this.selected[action.index] = selected;
          break;
      }
    }
    if (writes === undefined) return this.putLine(ended);
    const chosen = writes;
    const statusWritten = inOrder(chosen.length, (index) => this.writeStatus(this.statusFiles[chosen[index]!]!));
    if (statusWritten) return statusWritten.then(() => this.putLine(ended));
    return this.putLine(ended);
  }

  private writeStderr(): void {
    if (this.lineLength > STDERR_LIMIT) this.stderr(Buffer.concat([this.line.subarray(0, STDERR_LIMIT), ELLIPSIS]));
    else this.stderr(Buffer.concat([this.line.subarray(0, this.lineLength), NEWLINE_BYTE]));
  }

  /** `=file`: the first 1000 bytes of the line padded with newlines, at offset 0, never truncated. */
  private writeStatus(file: StatusFile): Pending {
    this.line.fill(NEWLINE, this.lineLength, STATUS_SIZE);
    try {
      if (writeSync(file.fd, this.line, 0, STATUS_SIZE, 0) === STATUS_SIZE) return undefined;
      throw Object.assign(new Error('short write'), {code: 'EIO'});
    } catch (error) {
      this.reporter.warn(`unable to write ${file.path}, pausing: ${errorText(error)}`);
      return this.pause().then(() => {
        if (this.abandoned) throw new AbandonedError();
        return this.writeStatus(file);
      });
    }
  }

  private putLine(ended: boolean, from = 0): Pending {
    for (let index = from; index < this.buffers.length; index++) {
      if (!this.selected[index]) continue;
      const pending = this.buffers[index]!.put(this.line, 0, this.lineLength);
      if (pending) return pending.then(() => this.putLine(ended, index + 1));
    }
    return ended ? this.putNewline() : undefined;
  }

  private allFit(length: number): boolean {
    for (const buffer of this.buffers) if (!buffer.fits(length)) return false;
    return true;
  }

  /** The label (if any) and a line that lies whole in `chunk`, then its newline, to every directory. */
  private putWholeLine(chunk: Buffer, offset: number, length: number): Pending {
    const labelLength = this.lineLength;
    this.lineLength = 0;
    return this.putWholeLineFrom(0, labelLength, chunk, offset, length);
  }

  private putWholeLineFrom(from: number, labelLength: number, chunk: Buffer, offset: number, length: number): Pending {
    for (let index = from; index < this.buffers.length; index++) {
      const buffer = this.buffers[index]!;
      buffer.putPair(this.line, labelLength, chunk, offset, length);
      const pending = buffer.putByte(NEWLINE);
      if (pending) return pending.then(() => this.putWholeLineFrom(index + 1, labelLength, chunk, offset, length));
    }
    return undefined;
  }

  private putRest(chunk: Buffer, offset: number, length: number): Pending {
    return inOrder(this.buffers.length, (index) => (this.selected[index] ? this.buffers[index]!.putStream(chunk, offset, length) : undefined));
  }

  /** The line's newline to the selected directories; the line buffer is then clean for the next line. */
  private putNewline(from = 0): Pending {
    this.lineLength = 0;
    for (let index = from; index < this.buffers.length; index++) {
      if (!this.selected[index]) continue;
      const pending = this.buffers[index]!.putByte(NEWLINE);
      if (pending) return pending.then(() => this.putNewline(index + 1));
    }
    return undefined;
  }
}

function openStatusFile(path: string, name: string, account: FsCredentials | undefined): number {
  try {
    withFsCredentials(account, () => closeSync(openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600)));
  } catch (error) {
    throw new SysError(`create ${name}`, error);
  }
  try {
    return withFsCredentials(account, () => openSync(path, constants.O_WRONLY));
  } catch (error) {
    throw new SysError(`write ${name}`, error);
  }
}
