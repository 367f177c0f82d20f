import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, statSync} from 'node:fs';
import {Socket} from 'node:net';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import {readStatus} from '../control/client.js';
import {CHILD_FILE, CONTROL_FIFO, DOWN_FILE, LOCK_FILE, OK_FIFO, STATS_FILE, STATUS_FILE, SUPERVISE_DIR} from '../control/paths.js';
import * as childRecord from '../status/child-record.js';
import * as status from '../status/codec.js';
import * as stats from '../status/stats.js';
import {assertDirectory} from '../sys/directory.js';
import {flockExclusive} from '../sys/flock.js';
import {AtomicWriteError, writeFileAtomicSync} from '../sys/fs-atomic.js';
import {mkfifoSync} from '../sys/mkfifo.js';
import {trustProblem} from '../security/ownership.js';
import {checkTrustedPath} from '../security/trusted-path.js';

/**
 * The outcome of a start-up step. `busy`: another supervisor (ours or daemontools') holds the
 * lock. `failed`: a system error; `message` is daemontools' text after `fatal: `, e.g.
 * `unable to acquire s1/supervise/lock: temporary failure`.
 */
export type StartOutcome = {kind: 'started'} | {kind: 'busy'; message: string} | {kind: 'failed'; message: string};

export function failed(message: string): StartOutcome {
  return {kind: 'failed', message};
}

/**
 * A service directory's files as one supervisor holds them: the flock on `supervise/lock`, the
 * `control` FIFO (read through a net.Socket on an O_RDWR fd, so it never reads EOF), the `ok`
 * FIFO held open for reading, and the writes of `status` and `child`. Messages are daemontools'
 * words, returned for the caller to report; nothing here prints. `DIR` in messages is the
 * directory as given.
 */
export class ServiceDir {
  private lockFd: number | undefined;
  private okFd: number | undefined;
  private control: Socket | undefined;

  constructor(readonly dir: string) {}

  /**
   * Why `./run` must not be started as it is now: the service directory or `run` (symlinks
   * followed) is owned by someone other than `uids`, or is group- or world-writable, so someone
   * else could make this supervisor, often root, run their code. undefined when it may start.
   * A missing or non-executable `run` is left to the start itself, which reports it in
   * daemontools' words.
   */
  runRefusal(uids: readonly number[]): string | undefined {
    for (const [path, kind] of [[this.dir, 'directory'], [join(this.dir, 'run'), 'file']] as const) {
      let stats;
      try {
        stats = statSync(path);
      } catch {
        return undefined;
      }
      if (kind === 'file' && !stats.isFile()) return undefined;
      const problem = trustProblem(stats, kind, uids);
      if (problem !== undefined) return `refusing to start ${this.dir}/run: ${kind === 'directory' ? `${this.dir}: ` : ''}${problem}`;
    }
    // Through a symlink (the directory or run), whoever can write any directory on the way to
    // the target chooses what runs: check that whole path, every component (trusted-path).
    if (isSymlink(this.dir) || isSymlink(join(this.dir, 'run'))) {
      const whole = checkTrustedPath(join(this.dir, 'run'), 'file', uids);
      if (!whole.ok && whole.cause === undefined) return `refusing to start ${this.dir}/run: ${whole.problem}`;
    }
    return undefined;
  }

  /** Is DIR a directory, and is `down` there? A failure message, or the initial want. */
  initialWant(): StartOutcome | status.Want {
    try {
      assertDirectory(this.dir);
    } catch (error) {
      return failed(`unable to chdir to ${this.dir}: ${errorText(error)}`);
    }
    try {
      statSync(join(this.dir, DOWN_FILE));
      return 'down';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'up';
      return failed(`unable to stat ${this.dir}/down: ${errorText(error)}`);
    }
  }

  /** mkdir `supervise/` (errors ignored, as daemontools) and take the flock on its `lock`. */
  async lock(): Promise<StartOutcome> {
    try {
      mkdirSync(join(this.dir, SUPERVISE_DIR), 0o700);
    } catch {
      // daemontools ignores this; opening the lock says what is wrong.
    }
    const what = `unable to acquire ${this.dir}/supervise/lock`;
    let fd: number;
    try {
      fd = openSync(join(this.dir, LOCK_FILE), constants.O_WRONLY | constants.O_NONBLOCK | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (error) {
      return failed(`${what}: ${errorText(error)}`);
    }
    try {
      if ((await flockExclusive(fd, {nonblocking: true})) === 'busy') {
        closeSync(fd);
        return {kind: 'busy', message: `${what}: ${errorText({code: 'EAGAIN'})}`};
      }
    } catch (error) {
      closeSync(fd);
      return failed(`${what}: ${errorText(error)}`);
    }
    this.lockFd = fd;
    return {kind: 'started'};
  }

  /** Creates and opens `control`; every byte read goes to `onByte`, read errors to `onError`. */
  openControl(onByte: (byte: number) => void, onError: (message: string) => void): StartOutcome {
    const path = join(this.dir, CONTROL_FIFO);
    let fd: number;
    try {
      mkfifoSync([path]);
      fd = openFifo(path, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (error) {
      return failed(`unable to read ${this.dir}/supervise/control: ${errorText(error)}`);
    }
    this.control = new Socket({fd, readable: true, writable: false});
    this.control.on('data', (chunk: Buffer) => {
      for (const byte of chunk) onByte(byte);
    });
    this.control.on('error', (error) => onError(`unable to read ${this.dir}/supervise/control: ${errorText(error)}`));
    return {kind: 'started'};
  }

  /** Creates `ok` and holds it open for reading: from now on svok and svc see a supervisor. */
  openOk(): StartOutcome {
    const path = join(this.dir, OK_FIFO);
    try {
      mkfifoSync([path]);
      this.okFd = openFifo(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      return failed(`unable to read ${this.dir}/supervise/ok: ${errorText(error)}`);
    }
    return {kind: 'started'};
  }

  /** Writes `status` by rename; a warning (daemontools' wording) when that fails. */
  writeStatus(record: status.StatusRecord): string | undefined {
    return this.writeAtomic(STATUS_FILE, status.pack(record));
  }

  /** Writes `supervise/child`; a warning when that fails. */
  writeChild(record: childRecord.ChildRecord): string | undefined {
    return this.writeAtomic(CHILD_FILE, Buffer.from(childRecord.format(record)));
  }

  /** Writes `supervise/stats`; a warning when that fails. */
  writeStats(record: stats.SupervisorStats): string | undefined {
    return this.writeAtomic(STATS_FILE, Buffer.from(stats.format(record)));
  }

  /** The status and child record a previous supervisor left, when both are readable. */
  previous(): {status: status.StatusRecord; child: childRecord.ChildRecord} | undefined {
    try {
      const record = readStatus(this.dir);
      const child = childRecord.parse(readFileSync(join(this.dir, CHILD_FILE), 'latin1'));
      return record !== 'bad-format' && child ? {status: record, child} : undefined;
    } catch {
      return undefined;
    }
  }

  /** The optional `timeout-kill` file: whole milliseconds; absent gives undefined, bad a warning. */
  timeoutKill(): {ms: number} | {warning: string} | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, 'timeout-kill'), 'latin1');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return {warning: `unable to read ${this.dir}/timeout-kill: ${errorText(error)}`};
    }
    const match = /^\s*([0-9]{1,10})\s*$/.exec(text);
    return match ? {ms: Number(match[1])} : {warning: `ignoring ${this.dir}/timeout-kill: not a whole number of milliseconds`};
  }

  /** Closes the FIFOs and releases the lock. */
  release(): void {
    this.control?.destroy();
    this.control = undefined;
    for (const fd of [this.okFd, this.lockFd]) {
      if (fd !== undefined) closeSync(fd);
    }
    this.okFd = undefined;
    this.lockFd = undefined;
  }

  private writeAtomic(file: string, data: Buffer): string | undefined {
    try {
      writeFileAtomicSync(join(this.dir, file), data);
      return undefined;
    } catch (error) {
      const tmp = `${this.dir}/${file}.new`;
      if (!(error instanceof AtomicWriteError)) return `unable to write ${tmp}: ${errorText(error)}`;
      const reason = error.partial ? 'partial write' : errorText(error.cause);
      if (error.step === 'rename') return `unable to rename ${tmp} to ${file.slice(SUPERVISE_DIR.length + 1)}: ${reason}`;
      return `unable to ${error.step} ${tmp}: ${reason}`;
    }
  }
}

/** Opens a FIFO non-blocking; anything else at that path is refused (EINVAL). */
function openFifo(path: string, flags: number): number {
  const fd = openSync(path, flags);
  if (fstatSync(fd).isFIFO()) return fd;
  closeSync(fd);
  throw Object.assign(new Error(`${path} is not a FIFO`), {code: 'EINVAL'});
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
