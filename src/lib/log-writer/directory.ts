import {spawn} from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {SysError} from '../cli/errors.js';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {lockFileSync} from '../sys/flock.js';
import {withFsCredentials, type FsCredentials} from '../sys/fs-credentials.js';
import {loadProcessCalls, STDIO_INHERIT, STDIO_IGNORE} from '../sys/native.js';
import type {Time} from '../time/time.js';
import {LABEL_LENGTH, format, fromUnixMs} from '../tai64n/codec.js';
import type {DirectorySettings} from './script.js';
import {errnoName, isErrno} from '../sys/errno.js';
import {constants as osConstants} from 'node:os';

/**
 * One multilog directory: lock, `current`, crash recovery, rotation by size, pruning to `num`
 * files and the processor, in daemontools' order (fsync before rename; the user-x bit on
 * `current` marks a clean shutdown). Nothing is ever dropped: every failure after startup is
 * reported as `unable to …, pausing: ERR`, waited on and retried; the caller's input waits too.
 */
export const CURRENT = 'current';
export const PREVIOUS = 'previous';
export const PROCESSED = 'processed';
export const STATE = 'state';
export const NEWSTATE = 'newstate';
export const LOCK = 'lock';
/** Files end at a newline once they are within this many bytes of the size limit. */
const NEWLINE_ZONE = 2000;
const NEWLINE = 0x0a;
/** At most this much accepted data waits for its write(2) (daemontools' own chunks are ≤ 8192). */
const STAGE_SIZE = 65536;
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
const TRUNCATE = constants.O_WRONLY | constants.O_TRUNC | constants.O_CREAT;

export interface DirectoryContext {
  /** The directory that relative paths are taken from (multilog's starting directory). */
  readonly cwd: string;
  readonly time: Time;
  readonly reporter: Reporter;
  /** Waits after a failure before retrying (daemontools: 5 s). */
  readonly pause: () => Promise<void>;
  /** The processor's fd 2. */
  readonly processorStderr: 'inherit' | 'ignore' | number;
  /**
   * The account multilog runs as (`setuidgid USER multilog`): every file and directory of the
   * log is looked up, made, renamed and removed with its filesystem credentials (owned by it,
   * its permissions checked), and the processor runs as its process. Default: this process's.
   */
  readonly account?: FsCredentials;
}

type ProcessorOutcome = {kind: 'done'} | {kind: 'failed'} | {kind: 'crashed'; signal: string} | {kind: 'unstartable'; error: unknown};

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, number]) => [number, name]));

function errnoError(code: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(code);
  error.code = code;
  return error;
}

function statOrMissing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // daemontools ignores these (missing files are the normal case)
  }
}

/** What an operation waiting out a failure rejects with once its log was abandoned (released). */
export class AbandonedError extends Error {
  constructor() {
    super('log abandoned while waiting to retry');
  }
}
Object.defineProperty(AbandonedError.prototype, 'name', {value: 'AbandonedError'});

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing to recover: the data was fsynced before
  }
}

/**
 * `path` taken from `cwd`, staying relative when both are: multilog is often started in a
 * directory whose parents its user cannot search (djbdns' `setuidgid dnslog multilog t ./main`
 * under a root-only tree), where an absolute path fails with EACCES and a relative one works,
 * as daemontools' chdir-based multilog does.
 */
export function under(cwd: string, path: string): string {
  return isAbsolute(path) ? path : join(cwd, path);
}

export class LogDirectory {
  readonly settings: DirectorySettings;
  private readonly root: string;
  private readonly context: DirectoryContext;
  private lockFd = -1;
  private currentFd = -1;
  private size = 0;
  /**
   * Bytes accepted (and counted in `size`) but not yet written: the rotation decisions follow
   * daemontools' write calls exactly, while the write(2)s themselves are batched.
   */
  private readonly staged = Buffer.allocUnsafe(STAGE_SIZE);
  private stagedLength = 0;
  private stagedWritten = 0;
  private released = false;

  private constructor(settings: DirectorySettings, context: DirectoryContext) {
    this.settings = settings;
    this.context = context;
    this.root = under(context.cwd, settings.path);
  }

  /** Bytes in `current`. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Creates (0700, last component only), locks and recovers the directory. Fatal problems throw a
   * SysError with daemontools' message; nothing stays open then.
   */
  static async open(settings: DirectorySettings, context: DirectoryContext): Promise<LogDirectory> {
    const directory = new LogDirectory(settings, context);
    try {
      await directory.start();
      return directory;
    } catch (error) {
      directory.release();
      throw error;
    }
  }

  private file(name: string): string {
    return join(this.root, name);
  }

  /** `operation` (synchronous) with the account's filesystem credentials, if any. */
  private as<T>(operation: () => T): T {
    return withFsCredentials(this.context.account, operation);
  }

  private unlinkQuietly(name: string): void {
    this.as(() => unlinkQuietly(this.file(name)));
  }

  /** stat of a file of the directory, undefined when missing; daemontools' message otherwise. */
  private stat(name: string): Stats | undefined {
    try {
      return this.as(() => statOrMissing(this.file(name)));
    } catch (error) {
      throw new SysError(`stat ${this.named(name)}`, error);
    }
  }

  private named(name: string): string {
    return `${this.settings.path}/${name}`;
  }

  private async start(): Promise<void> {
    const dir = this.settings.path;
    try {
      this.as(() => mkdirSync(this.root, 0o700));
    } catch {
      // exists already, or the open below says why not
    }
    try {
      const fd = this.as(() => openSync(this.root, 'r'));
      const isDirectory = fstatSync(fd).isDirectory();
      closeSync(fd);
      if (!isDirectory) throw errnoError('ENOTDIR');
    } catch (error) {
      throw new SysError(`open directory ${dir}`, error);
    }
    // Synchronous (a non-blocking flock): the open is the account's.
    const lock = this.as(() => lockFileSync(this.file(LOCK), {flags: APPEND, mode: 0o600, nonblocking: true}));
    if (lock.kind !== 'locked') throw new SysError(`lock directory ${dir}`, lock.kind === 'busy' ? errnoError('EAGAIN') : lock.error);
    this.lockFd = lock.fd;
    const current = this.stat(CURRENT);
    if (current && current.mode & 0o100) {
      this.currentFd = this.openCurrent(`append to ${this.named(CURRENT)}`);
      this.size = current.size;
      return;
    }
    this.unlinkQuietly(STATE);
    this.unlinkQuietly(NEWSTATE);
    const processed = this.stat(PROCESSED);
    if (processed && processed.mode & 0o100) {
      this.unlinkQuietly(PREVIOUS);
      await this.finish(PROCESSED, 's');
    } else {
      this.unlinkQuietly(PROCESSED);
      await this.finish(PREVIOUS, 'u');
    }
    await this.finish(CURRENT, 'u');
    try {
      this.as(() => {
        const fd = openSync(this.file(STATE), TRUNCATE, 0o644);
        try {
          fchmodSync(fd, 0o644);
        } finally {
          closeSync(fd);
        }
      });
    } catch (error) {
      throw new SysError(`write to ${this.named(STATE)}`, error);
    }
    this.currentFd = this.openCurrent(`write to ${this.named(CURRENT)}`);
    this.size = 0;
  }

  private openCurrent(what: string): number {
    let fd: number;
    try {
      fd = this.as(() => openSync(this.file(CURRENT), APPEND, 0o600));
    } catch (error) {
      throw new SysError(what, error);
    }
    try {
      this.as(() => fchmodSync(fd, 0o644));
    } catch (error) {
      closeSync(fd);
      throw new SysError(`set mode of ${this.named(CURRENT)}`, error);
    }
    return fd;
  }

  /**
   * Runs `operation` (synchronous, with the account's filesystem credentials if any) until it
   * succeeds, warning `unable to WHAT, pausing: ERR` and pausing after each failure.
   */
  private async persist<T>(operation: () => T, what: () => string): Promise<T> {
    for (;;) {
      try {
        return this.as(operation);
      } catch (error) {
        await this.pauseWith(`unable to ${what()}, pausing: ${errorText(error)}`);
      }
    }
  }

  private async pauseWith(message: string): Promise<void> {
    this.context.reporter.warn(message);
    await this.context.pause();
    if (this.released) throw new AbandonedError();
  }

  /**
   * The sink of this directory's output buffer (multilog's c_write): rotates first when full,
   * takes at most what fits, ends the chunk at its last newline near the limit, and rotates
   * after a newline once within 2000 bytes of the limit. Returns the bytes taken.
   */
  write(data: Buffer, offset: number, length: number): number | Promise<number> {
    if (this.size >= this.settings.size) return this.rotate().then(() => this.append(data, offset, length));
    return this.append(data, offset, length);
  }

  private append(data: Buffer, offset: number, length: number): number | Promise<number> {
    const limit = this.settings.size;
    if (length >= limit - this.size) length = limit - this.size;
    if (this.size + length >= limit - NEWLINE_ZONE) {
      const newline = data.lastIndexOf(NEWLINE, offset + length - 1);
      if (newline >= offset) length = newline - offset + 1;
    }
    if (length > STAGE_SIZE - this.stagedLength) {
      const flushed = this.flushStaged();
      if (flushed) return flushed.then(() => this.stage(data, offset, length));
    }
    return this.stage(data, offset, length);
  }

  private stage(data: Buffer, offset: number, length: number): number | Promise<number> {
    data.copy(this.staged, this.stagedLength, offset, offset + length);
    this.stagedLength += length;
    return this.account(data, offset, length);
  }

  /**
   * Writes the staged bytes to `current` (the writer calls this before it waits for input, so
   * nothing stays in memory while multilog is idle). A failure is warned about
   * (`unable to write to DIR/current, pausing: ERR`), paused on and retried.
   */
  flushStaged(): Promise<void> | undefined {
    while (this.stagedWritten < this.stagedLength) {
      try {
        const n = writeSync(this.currentFd, this.staged, this.stagedWritten, this.stagedLength - this.stagedWritten);
        if (n <= 0) throw errnoError('EIO');
        this.stagedWritten += n;
      } catch (error) {
        return this.pauseWith(`unable to write to ${this.named(CURRENT)}, pausing: ${errorText(error)}`).then(() => this.flushStaged());
      }
    }
    this.stagedLength = 0;
    this.stagedWritten = 0;
    return undefined;
  }

  private account(data: Buffer, offset: number, written: number): number | Promise<number> {
    this.size += written;
    if (this.size >= this.settings.size - NEWLINE_ZONE && data[offset + written - 1] === NEWLINE) {
      return this.rotate().then(() => written);
    }
    return written;
  }

  /** Rotation (multilog's fullcurrent): current → previous → `@….s`, through the processor if any. */
  async rotate(): Promise<void> {
    const current = this.file(CURRENT);
    const previous = this.file(PREVIOUS);
    const flushed = this.flushStaged();
    if (flushed) await flushed;
    const fd = this.currentFd;
    await this.persist(
      () => fsyncSync(fd),
      () => `write ${this.named(CURRENT)} to disk`,
    );
    closeQuietly(fd);
    this.currentFd = -1;
    await this.persist(
      () => renameSync(current, previous),
      () => `rename current to previous in directory ${this.settings.path}`,
    );
    this.currentFd = await this.persist(
      () => openSync(current, APPEND, 0o600),
      () => `create ${this.named(CURRENT)}`,
    );
    this.size = 0;
    await this.persist(
      () => fchmodSync(this.currentFd, 0o644),
      () => `set mode of ${this.named(CURRENT)}`,
    );
    await this.persist(
      () => chmodSync(previous, 0o744),
      () => `set mode of ${this.named(PREVIOUS)}`,
    );
    if (this.settings.processor === undefined) {
      await this.finish(PREVIOUS, 's');
      return;
    }
    await this.process(this.settings.processor);
  }

  private async process(processor: string): Promise<void> {
    for (;;) {
      const outcome = await this.runProcessor(processor);
      if (outcome.kind === 'done') break;
      if (outcome.kind === 'unstartable') {
        await this.pauseWith(`unable to fork for processor in ${this.settings.path}, pausing: ${errorText(outcome.error)}`);
        continue;
      }
      if (outcome.kind === 'crashed') await this.pauseWith(`processor crashed in ${this.settings.path}, pausing: ${outcome.signal}`);
      await this.pauseWith(`processor failed in ${this.settings.path}, pausing`);
    }
    const settle = async (name: string, mode: number | undefined): Promise<void> => {
      const fd = await this.persist(
        () => openSync(this.file(name), APPEND, 0o600),
        () => `create ${this.named(name)}`,
      );
      try {
        await this.persist(
          () => fsyncSync(fd),
          () => `write ${this.named(name)} to disk`,
        );
        if (mode !== undefined)
          await this.persist(
            () => fchmodSync(fd, mode),
            () => `set mode of ${this.named(name)}`,
          );
      } finally {
        closeSync(fd);
      }
    };
    await settle(PROCESSED, 0o744);
    await settle(NEWSTATE, undefined);
    await this.persist(
      () => unlinkSync(this.file(PREVIOUS)),
      () => `remove ${this.named(PREVIOUS)}`,
    );
    await this.persist(
      () => renameSync(this.file(NEWSTATE), this.file(STATE)),
      () => `rename newstate to state in directory ${this.settings.path}`,
    );
    await this.finish(PROCESSED, 's');
  }

  /** `sh -c PROCESSOR` in the directory: fd 0 previous, 1 processed, 2 inherited, 4 state, 5 newstate. */
  private async runProcessor(processor: string): Promise<ProcessorOutcome> {
    const opened: number[] = [];
    try {
      this.as(() => {
        opened.push(openSync(this.file(PREVIOUS), 'r'));
        opened.push(openSync(this.file(PROCESSED), TRUNCATE, 0o644));
        fchmodSync(opened[1]!, 0o644);
        opened.push(openSync(this.file(STATE), 'r'));
        opened.push(openSync(this.file(NEWSTATE), TRUNCATE, 0o644));
        fchmodSync(opened[3]!, 0o644);
        // The account's processor starts in the directory as the account opened it (multilog's fddir).
        if (this.context.account) opened.push(openSync(this.root, constants.O_RDONLY | constants.O_DIRECTORY));
      });
    } catch (error) {
      for (const fd of opened) closeSync(fd);
      // daemontools' child dies with this before exec, and the parent sees a failure.
      this.context.reporter.warn(`unable to run ${processor}: ${errorText(error)}`);
      return {kind: 'failed'};
    }
    const [previous, processed, state, newstate, cwd] = opened as [number, number, number, number, number | undefined];
    const account = this.context.account;
    if (account && cwd !== undefined) {
      let outcome: Promise<ProcessorOutcome>;
      try {
        outcome = this.spawnAs(account, processor, cwd, [previous, processed, state, newstate]);
      } finally {
        // The child has its copies once the spawn returned.
        for (const fd of opened) closeSync(fd);
      }
      return outcome;
    }
    return new Promise<ProcessorOutcome>((resolveOutcome) => {
      let child;
      try {
        child = spawn('/bin/sh', ['-c', processor], {
          cwd: this.root,
          stdio: [previous, processed, this.context.processorStderr, 'ignore', state, newstate],
        });
      } catch (error) {
        resolveOutcome({kind: 'unstartable', error});
        return;
      } finally {
        for (const fd of opened) closeSync(fd);
      }
      child.once('error', (error) => resolveOutcome({kind: 'unstartable', error}));
      child.once('exit', (code, signal) => {
        if (signal !== null) resolveOutcome({kind: 'crashed', signal});
        else resolveOutcome(code === 0 ? {kind: 'done'} : {kind: 'failed'});
      });
    });
  }

  /**
   * The processor as the account's own process, as under `setuidgid USER multilog`: groups just
   * its gid, then its gid and uid (keepup's spawn, which sets them in the child; Node's would
   * clear the groups), started in `cwd` (a descriptor of the directory), fds 0, 1, 4, 5 as
   * multilog gives them, fd 2 the context's, nothing else open; this process's environment.
   * Spawned from this thread with this process's own credentials, so the child can drop them.
   */
  private spawnAs(account: FsCredentials, processor: string, cwd: number, fds: [number, number, number, number]): Promise<ProcessorOutcome> {
    const calls = loadProcessCalls();
    const [previous, processed, state, newstate] = fds;
    const stderr = this.context.processorStderr;
    const envp: string[] = [];
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined) envp.push(`${name}=${value}`);
    return new Promise<ProcessorOutcome>((resolveOutcome) => {
      const result = calls.spawn(
        '/bin/sh',
        ['sh', '-c', processor],
        envp,
        cwd,
        [previous, processed, stderr === 'inherit' ? STDIO_INHERIT : stderr === 'ignore' ? STDIO_IGNORE : stderr],
        [],
        account.uid,
        account.gid,
        account.groups,
        (code, signal, stage, errno) => {
          if (stage >= 0) resolveOutcome({kind: 'unstartable', error: errnoError(errnoName(errno) ?? 'EIO')});
          else if (code < 0) resolveOutcome({kind: 'crashed', signal: SIGNAL_NAMES.get(signal) ?? String(signal)});
          else resolveOutcome(code === 0 ? {kind: 'done'} : {kind: 'failed'});
        },
        [
          [4, state],
          [5, newstate],
        ],
      );
      if (typeof result === 'number') {
        resolveOutcome({kind: 'unstartable', error: errnoError(errnoName(result) ?? 'EIO')});
        return;
      }
      calls.release(result[1]);
    });
  }

  /**
   * Finishes `name` as `@<now>.<code>`: link (unless a crash left it linked already), unlink,
   * then prune the oldest `@` files until fewer than `num` remain.
   */
  private async finish(name: string, code: 's' | 'u'): Promise<void> {
    const path = this.file(name);
    const stats = await this.persist(
      () => statOrMissing(path),
      () => `stat ${this.named(name)}`,
    );
    if (!stats) return;
    if (stats.nlink === 1) {
      let target = '';
      await this.persist(
        () => {
          target = `${format(fromUnixMs(this.context.time.now()))}.${code}`;
          linkSync(path, this.file(target));
        },
        () => `link to ${this.named(target)}`,
      );
    }
    await this.persist(
      () => unlinkSync(path),
      () => `remove ${this.named(name)}`,
    );
    await this.prune();
  }

  private async prune(): Promise<void> {
    for (;;) {
      const names = await this.persist(
        () => readdirSync(this.root).filter((entry) => entry.startsWith('@') && entry.length >= LABEL_LENGTH),
        () => `read ${this.settings.path}`,
      );
      if (names.length < this.settings.num) return;
      names.sort();
      const oldest = names[0]!;
      await this.persist(
        () => {
          try {
            unlinkSync(this.file(oldest));
          } catch (error) {
            if (!isErrno(error, 'ENOENT')) throw error;
          }
        },
        () => `remove ${this.named(oldest)}`,
      );
    }
  }

  /** Clean shutdown: fsync `current`, mark it with mode 0744, release the lock. */
  async close(): Promise<void> {
    const flushed = this.flushStaged();
    if (flushed) await flushed;
    const fd = this.currentFd;
    await this.persist(
      () => fsyncSync(fd),
      () => `write ${this.named(CURRENT)} to disk`,
    );
    await this.persist(
      () => fchmodSync(fd, 0o744),
      () => `set mode of ${this.named(CURRENT)}`,
    );
    this.release();
  }

  /** Closes everything without marking `current` clean (the next start recovers it as after a crash). */
  release(): void {
    this.released = true;
    for (const fd of [this.currentFd, this.lockFd]) if (fd >= 0) closeQuietly(fd);
    this.currentFd = -1;
    this.lockFd = -1;
  }
}
