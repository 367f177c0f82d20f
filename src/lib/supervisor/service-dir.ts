import {closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readlinkSync, rmSync, statSync, writeSync} from 'node:fs';
import {Socket} from 'node:net';
import {join} from 'node:path';
import {errnoText, errorText} from '../cli/errno-text.js';
import {errnoName} from '../sys/errno.js';
import {openFifo} from '../service-dir/fifo.js';
import {
  CHILD_FILE,
  CONTROL_FIFO,
  DOWN_FILE,
  inSupervise,
  LOCK_FILE,
  NOTIFICATION_FD_FILE,
  OK_FIFO,
  READY_RECORD_FILE,
  RESTART_POLICY_FILE,
  RUN_FILE,
  STATS_FILE,
  STATUS_FILE,
  SUPERVISE_DIR,
  TIMEOUT_KILL_FILE,
} from '../service-dir/layout.js';
import {DAEMONTOOLS_POLICY, parsePolicyFile, type RestartPolicy} from '../policy/policy.js';
import * as childRecord from '../status/child-record.js';
import {pack} from '../status/codec.js';
import type * as status from '../status/codec.js';
import {readStatusFile} from '../status/file.js';
import * as stats from '../status/stats.js';
import {lockFile} from '../sys/flock.js';
import {AtomicWriteError, exchangeFileSync} from '../sys/fs-atomic.js';
import {HeldDirectory} from '../sys/held-directory.js';
import {trustProblem} from '../security/ownership.js';
import {checkTrustedPath} from '../security/trusted-path.js';
import type {RunDirectory} from './child.js';
import {isErrno} from '../sys/errno.js';
import {formatReadyRecord, parseNotificationFd, type ReadyRecord} from '../health/records.js';

/**
 * The outcome of a start-up step. `busy`: another supervisor (ours or daemontools') holds the
 * lock. `failed`: a system error; `message` is daemontools' text after `fatal: `, e.g.
 * `unable to acquire s1/supervise/lock: temporary failure`. `refused`: the directory (or its
 * `supervise/`) could be changed by someone else, and nothing in it was touched.
 */
export type StartOutcome = {kind: 'started'} | {kind: 'busy'; message: string} | {kind: 'failed'; message: string} | {kind: 'refused'; message: string};

export function failed(message: string): StartOutcome {
  return {kind: 'failed', message};
}

/** Opened and checked, or why not: `failed` (a system error) or `refused` (the trust rule). */
export type Opened = {kind: 'opened'; dir: HeldDirectory} | {kind: 'failed' | 'refused'; message: string};

/**
 * The trust rule for a directory a supervisor writes in: owned by one of `uids` (root, or the
 * supervisor's own uid) and writable by its owner alone. Anyone else could otherwise plant
 * symlinks for root to write through, or a `run` for root to execute.
 */
function directoryProblem(dir: HeldDirectory, uids: readonly number[]): string | undefined {
  return trustProblem(dir.stat(), 'directory', uids);
}

/**
 * Opens service directory `path` for a supervisor (a symlink is followed, as chdir does) and
 * checks it before anything is made in it: `key` (`dev:ino`, when the caller listed it) must
 * still be what the name leads to, and it and any `supervise/` already there must pass the
 * trust rule. `shown` is the name for messages.
 */
export function openServiceDirectory(path: string, shown: string, uids: readonly number[], key?: string): Opened {
  let dir: HeldDirectory;
  try {
    dir = HeldDirectory.open(path);
  } catch (error) {
    return {kind: 'failed', message: `unable to chdir to ${shown}: ${errorText(error)}`};
  }
  const checked = checkDirectory(dir, shown, uids, key);
  if (checked.kind !== 'opened') dir.close();
  return checked;
}

function checkDirectory(dir: HeldDirectory, shown: string, uids: readonly number[], key?: string): Opened {
  if (key !== undefined) {
    const {dev, ino} = fstatSync(dir.fd, {bigint: true});
    if (`${dev}:${ino}` !== key) return {kind: 'failed', message: `${shown} changed while it was being opened`};
  }
  const problem = directoryProblem(dir, uids);
  if (problem !== undefined) return {kind: 'refused', message: `refusing to supervise ${shown}: ${problem}`};
  const superviseMessage = superviseProblem(dir, shown, uids);
  return superviseMessage === undefined ? {kind: 'opened', dir} : {kind: 'refused', message: superviseMessage};
}

/**
 * Makes `supervise/` in `dir` (mkdir errors are left for the open to report, as daemontools
 * does) and opens it: it must be a real directory, not a symlink, and pass the trust rule.
 * A failure's message is `unable to acquire SHOWN/supervise/lock: ERR`, daemontools' words for
 * a `supervise/` it cannot use.
 */
export function openSuperviseDirectory(dir: HeldDirectory, shown: string, uids: readonly number[]): Opened {
  try {
    mkdirSync(dir.path(SUPERVISE_DIR), 0o700);
  } catch {
    // exists already, or the open below says what is wrong
  }
  let supervise: HeldDirectory;
  try {
    supervise = HeldDirectory.open(dir.path(SUPERVISE_DIR), {follow: false});
  } catch (error) {
    if (isSymlink(dir.path(SUPERVISE_DIR))) return {kind: 'refused', message: `refusing to supervise ${shown}: ${shown}/supervise: it is a symbolic link, not a directory`};
    return {kind: 'failed', message: `unable to acquire ${shown}/supervise/lock: ${errorText(error)}`};
  }
  const problem = directoryProblem(supervise, uids);
  if (problem === undefined) return {kind: 'opened', dir: supervise};
  supervise.close();
  return {kind: 'refused', message: `refusing to supervise ${shown}: ${shown}/supervise: ${problem}`};
}

/**
 * What is wrong with the `supervise/` already in `dir`, looked at without making or following
 * anything; undefined when there is none yet, or it is a real, trusted directory, or no
 * directory at all.
 */
function superviseProblem(dir: HeldDirectory, shown: string, uids: readonly number[]): string | undefined {
  let stats;
  try {
    stats = lstatSync(dir.path(SUPERVISE_DIR));
  } catch {
    return undefined;
  }
  // Anything else that is not a directory fails the lock's open in daemontools' words.
  const problem = stats.isSymbolicLink() ? 'it is a symbolic link, not a directory' : stats.isDirectory() ? trustProblem(stats, 'directory', uids) : undefined;
  return problem === undefined ? undefined : `refusing to supervise ${shown}: ${shown}/supervise: ${problem}`;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Open flags for every file a supervisor opens inside `supervise/`: never through a symlink. */
const NOFOLLOW = constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * A service directory's files as one supervisor holds them: the directory itself (held open
 * from start() on, so a rename, a re-pointed symlink or a removal of its name changes nothing:
 * every file below and the child's cwd go through it, as daemontools' chdir), `supervise/`
 * (held too, a real directory), the flock on `supervise/lock`, the `control` FIFO (read
 * through a net.Socket on an O_RDWR fd, so it never reads EOF), the `ok` FIFO held open for
 * reading, and the writes of `status` and `child`. Nothing in a directory that fails the trust
 * rule is touched. Messages are daemontools' words, returned for the caller to report; nothing
 * here prints. `DIR` in messages is the directory as given.
 */
export class ServiceDir {
  private held: HeldDirectory | undefined;
  private supervise: HeldDirectory | undefined;
  private lockFd: number | undefined;
  private okFd: number | undefined;
  /** `supervise/child`, held from its first write. */
  private childFd: number | undefined;
  private control: Socket | undefined;
  /** DIR's name was a symlink when it was opened: its target's whole path is checked before each start. */
  private viaSymlink = false;

  /**
   * `directory`: DIR already open, held by the caller (svscan) for at least this object's life;
   * it is used as it is and not closed here. Without it, DIR is opened by name once, at open().
   */
  constructor(
    readonly dir: string,
    private readonly directory?: HeldDirectory,
  ) {}

  /** Takes hold of DIR (daemontools' chdir) and applies the trust rule to it. */
  open(uids: readonly number[]): StartOutcome {
    if (this.held) return {kind: 'started'};
    const opened = this.directory ? checkDirectory(this.directory, this.dir, uids) : openServiceDirectory(this.dir, this.dir, uids);
    if (opened.kind !== 'opened') return opened;
    this.held = opened.dir;
    this.viaSymlink = isSymlink(this.dir);
    return {kind: 'started'};
  }

  /** DIR as the child's cwd: its fd, and a path naming it. Only after open(). */
  runDirectory(): RunDirectory {
    const held = this.mustHold();
    return {fd: held.fd, path: held.path()};
  }

  /**
   * Why `./run` must not be started as it is now: the service directory or `run` (symlinks
   * followed) is owned by someone other than `uids`, or is group- or world-writable, so someone
   * else could make this supervisor, often root, run their code. undefined when it may start.
   * A missing or non-executable `run` is left to the start itself, which reports it in
   * daemontools' words.
   */
  runRefusal(uids: readonly number[]): string | undefined {
    const held = this.mustHold();
    const dirProblem = directoryProblem(held, uids);
    if (dirProblem !== undefined) return `refusing to start ${this.dir}/run: ${this.dir}: ${dirProblem}`;
    let stats;
    try {
      stats = statSync(held.path(RUN_FILE));
    } catch {
      return undefined;
    }
    if (!stats.isFile()) return undefined;
    const problem = trustProblem(stats, 'file', uids);
    if (problem !== undefined) return `refusing to start ${this.dir}/run: ${problem}`;
    // Through a symlink (the directory's name or run), whoever can write any directory on the
    // way to the target chooses what runs: check that whole path, every component
    // (trusted-path), from where the held directory is now.
    if (this.viaSymlink || isSymlink(held.path(RUN_FILE))) {
      const whole = checkTrustedPath(join(readlinkSync(held.path()), RUN_FILE), 'file', uids);
      if (!whole.ok && whole.cause === undefined) return `refusing to start ${this.dir}/run: ${whole.problem}`;
    }
    return undefined;
  }

  /** Is `down` there? A failure message, or the initial want. Only after open(). */
  initialWant(): StartOutcome | status.Want {
    try {
      statSync(this.mustHold().path(DOWN_FILE));
      return 'down';
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return 'up';
      return failed(`unable to stat ${this.dir}/down: ${errorText(error)}`);
    }
  }

  /** Makes and holds `supervise/` (refused unless a real, trusted directory) and takes the flock on its `lock`. */
  async lock(uids: readonly number[]): Promise<StartOutcome> {
    const opened = openSuperviseDirectory(this.mustHold(), this.dir, uids);
    if (opened.kind !== 'opened') return opened;
    const supervise = opened.dir;
    const what = `unable to acquire ${this.dir}/supervise/lock`;
    const flags = constants.O_WRONLY | NOFOLLOW | constants.O_APPEND | constants.O_CREAT;
    const attempt = await lockFile(supervise.path(inSupervise(LOCK_FILE)), {flags, mode: 0o600, nonblocking: true});
    if (attempt.kind !== 'locked') {
      supervise.close();
      if (attempt.kind === 'busy') return {kind: 'busy', message: `${what}: ${errorText({code: 'EAGAIN'})}`};
      return failed(`${what}: ${errorText(attempt.error)}`);
    }
    this.supervise = supervise;
    this.lockFd = attempt.fd;
    return {kind: 'started'};
  }

  /** Creates and opens `control`; every byte read goes to `onByte`, read errors to `onError`. */
  openControl(onByte: (byte: number) => void, onError: (message: string) => void): StartOutcome {
    let fd: number;
    try {
      fd = openFifo(this.inSupervise(CONTROL_FIFO), constants.O_RDWR);
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
    try {
      this.okFd = openFifo(this.inSupervise(OK_FIFO), constants.O_RDONLY);
    } catch (error) {
      return failed(`unable to read ${this.dir}/supervise/ok: ${errorText(error)}`);
    }
    return {kind: 'started'};
  }

  /** Writes `status` by rename; a warning (daemontools' wording) when that fails. */
  writeStatus(record: status.StatusRecord): string | undefined {
    return this.writeAtomic(STATUS_FILE, pack(record));
  }

  /**
   * Writes `supervise/child` in place, through a descriptor held from the first write on (one
   * pwrite and a truncate instead of a file created and renamed, on the path between an exit
   * and the restart). It needs no rename to be safe: the record is read only by a successor,
   * after this supervisor is gone, and the child it names runs only once the write is done; a
   * supervisor killed halfway leaves a record that names no running process. The file is opened
   * with O_NOFOLLOW and kept only when it is a regular file with one link; anything else there
   * is replaced by a file created afresh. A warning when that fails.
   */
  writeChild(record: childRecord.ChildRecord): string | undefined {
    const data = Buffer.from(childRecord.format(record), 'latin1');
    try {
      const fd = (this.childFd ??= this.openChildRecord());
      if (writeSync(fd, data, 0, data.length, 0) !== data.length) return `unable to write ${this.dir}/${inSupervise(CHILD_FILE)}: partial write`;
      ftruncateSync(fd, data.length);
      return undefined;
    } catch (error) {
      return `unable to write ${this.dir}/${inSupervise(CHILD_FILE)}: ${errorText(error)}`;
    }
  }

  /**
   * The descriptor `supervise/child` is written through (opened as writeChild opens it), for a
   * spawn that writes the record itself; a warning when it cannot be opened.
   */
  childRecordFd(): number | string {
    try {
      return (this.childFd ??= this.openChildRecord());
    } catch (error) {
      return `unable to write ${this.dir}/${inSupervise(CHILD_FILE)}: ${errorText(error)}`;
    }
  }

  /** The warning for a record the spawn could not write (errno number). */
  childRecordWarning(errno: number): string {
    return `unable to write ${this.dir}/${inSupervise(CHILD_FILE)}: ${errnoText(errnoName(errno))}`;
  }

  private openChildRecord(): number {
    const path = this.inSupervise(CHILD_FILE);
    const flags = constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    try {
      const fd = openSync(path, flags | constants.O_CREAT, 0o644);
      const info = fstatSync(fd);
      if (info.isFile() && info.nlink === 1) return fd;
      closeSync(fd);
    } catch (error) {
      if (!isErrno(error, 'ELOOP') && !isErrno(error, 'ENXIO') && !isErrno(error, 'EISDIR')) throw error;
    }
    rmSync(path, {force: true});
    return openSync(path, flags | constants.O_CREAT | constants.O_EXCL, 0o644);
  }

  /** Writes `supervise/stats`; a warning when that fails. */
  writeStats(record: stats.SupervisorStats): string | undefined {
    return this.writeAtomic(STATS_FILE, Buffer.from(stats.format(record)));
  }

  /** The status and child record a previous supervisor left, when both are readable. After lock(). */
  previous(): {status: status.StatusRecord; child: childRecord.ChildRecord} | undefined {
    try {
      const record = readStatusFile(this.inSupervise(STATUS_FILE), {follow: false});
      const child = childRecord.parse(readStart(this.inSupervise(CHILD_FILE), 4096).toString('latin1'));
      return record !== 'bad-format' && child ? {status: record, child} : undefined;
    } catch {
      return undefined;
    }
  }

  /** `supervise/stats` as the previous supervisor left it; undefined when missing or garbage. After lock(). */
  previousStats(): stats.SupervisorStats | undefined {
    try {
      return stats.parse(readStart(this.inSupervise(STATS_FILE), 4096).toString('utf8'));
    } catch {
      return undefined;
    }
  }

  /** Writes `supervise/ready` (keepup's readiness record); a warning when that fails. */
  writeReady(record: ReadyRecord): string | undefined {
    return this.writeAtomic(READY_RECORD_FILE, Buffer.from(formatReadyRecord(record)));
  }

  /**
   * s6's optional `notification-fd` file: the descriptor the service writes its readiness line
   * to. Absent gives undefined; unreadable, not a number, or 0–2 (stdio) a warning, and the
   * service starts without one, as s6-supervise does.
   */
  notificationFd(): {fd: number} | {warning: string} | undefined {
    let text: string;
    try {
      const buffer = this.mustHold().readStart(NOTIFICATION_FD_FILE, 64);
      if (buffer === undefined) return undefined;
      text = buffer.toString('latin1');
    } catch (error) {
      return {warning: `unable to read ${this.dir}/${NOTIFICATION_FD_FILE}: ${errorText(error)}`};
    }
    const fd = parseNotificationFd(text);
    if (fd === undefined) return {warning: `ignoring ${this.dir}/${NOTIFICATION_FD_FILE}: not a descriptor number from 3 to 65535`};
    return {fd};
  }

  /** The optional `timeout-kill` file: whole milliseconds; absent gives undefined, bad a warning. */
  timeoutKill(): {ms: number} | {warning: string} | undefined {
    let text: string;
    try {
      text = readFileSync(this.mustHold().path(TIMEOUT_KILL_FILE), 'latin1');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      return {warning: `unable to read ${this.dir}/timeout-kill: ${errorText(error)}`};
    }
    const match = /^\s*([0-9]{1,10})\s*$/.exec(text);
    return match ? {ms: Number(match[1])} : {warning: `ignoring ${this.dir}/timeout-kill: not a whole number of milliseconds`};
  }

  /**
   * The optional `restart-policy` file: absent gives daemontools' policy; unreadable or bad gives
   * daemontools' policy and a warning. Read through the held directory, never through a symlink.
   */
  restartPolicy(): {policy: RestartPolicy; warning?: string} {
    let text: string;
    try {
      const buffer = this.mustHold().readStart(RESTART_POLICY_FILE, 4096);
      if (buffer === undefined) return {policy: DAEMONTOOLS_POLICY};
      text = buffer.toString('utf8');
    } catch (error) {
      return {policy: DAEMONTOOLS_POLICY, warning: `unable to read ${this.dir}/${RESTART_POLICY_FILE}: ${errorText(error)}; restarting as daemontools does`};
    }
    const parsed = parsePolicyFile(text);
    if ('problem' in parsed) return {policy: DAEMONTOOLS_POLICY, warning: `ignoring ${this.dir}/${RESTART_POLICY_FILE}: ${parsed.problem}; restarting as daemontools does`};
    return {policy: parsed};
  }

  /** `supervise/` as a directory name (through the held descriptor), for the service's own event log. After lock(). */
  superviseDir(): string {
    if (!this.supervise) throw Object.assign(new Error(`${this.dir}/supervise is not open`), {code: 'EBADF'});
    return this.supervise.path();
  }

  /** The descriptor held on `supervise/` (after lock()); throws EBADF before. */
  superviseFd(): number {
    if (!this.supervise) throw Object.assign(new Error(`${this.dir}/supervise is not open`), {code: 'EBADF'});
    return this.supervise.fd;
  }

  /** Closes the FIFOs, releases the lock and lets go of the directory. */
  release(): void {
    this.control?.destroy();
    this.control = undefined;
    for (const fd of [this.okFd, this.lockFd]) {
      if (fd !== undefined) closeSync(fd);
    }
    if (this.childFd !== undefined) closeSync(this.childFd);
    this.childFd = undefined;
    this.okFd = undefined;
    this.lockFd = undefined;
    this.supervise?.close();
    this.supervise = undefined;
    if (this.held !== this.directory) this.held?.close();
    this.held = undefined;
  }

  private mustHold(): HeldDirectory {
    if (!this.held) throw new Error(`${this.dir} is not open`);
    return this.held;
  }

  /** `supervise/…` through the held `supervise/` (after lock()). */
  private inSupervise(file: string): string {
    if (!this.supervise) throw Object.assign(new Error(`${this.dir}/supervise is not open`), {code: 'EBADF'});
    return this.supervise.path(inSupervise(file));
  }

  /**
   * Replaces `file` with `data` for every reader at once (`file.new` and an exchange; see
   * exchangeFileSync); a warning in daemontools' wording when that fails.
   */
  private writeAtomic(file: string, data: Uint8Array): string | undefined {
    const tmp = `${this.dir}/${file}.new`;
    try {
      if (!this.supervise) throw Object.assign(new Error(`${this.dir}/supervise is not open`), {code: 'EBADF'});
      exchangeFileSync(this.supervise.fd, this.supervise.path(), inSupervise(file), data);
      return undefined;
    } catch (error) {
      if (!(error instanceof AtomicWriteError)) return `unable to write ${tmp}: ${errorText(error)}`;
      const reason = error.partial ? 'partial write' : errorText(error.cause);
      if (error.step === 'rename') return `unable to rename ${tmp} to ${inSupervise(file)}: ${reason}`;
      return `unable to ${error.step} ${tmp}: ${reason}`;
    }
  }
}

/** The first `size` bytes of a regular file (never through a symlink, never blocking on a FIFO). */
function readStart(path: string, size: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
  try {
    const buffer = Buffer.alloc(size);
    return buffer.subarray(0, readSync(fd, buffer, 0, size, null));
  } finally {
    closeSync(fd);
  }
}
