import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {FatalError} from '../cli/errors.js';
import {errnoName} from './errno.js';
import {packageRoot} from './package-root.js';

/**
 * The process calls Node 20 lacks, from the package's small C addon (src/native/process.c,
 * prebuilt for linux-x64 and linux-arm64, else built by node-gyp when the package is installed): execve, pipe, setsid, get/setrlimit,
 * the close-on-exec flag, a non-blocking flock(2), mkfifo(2), and the supervisor's spawn (fork
 * with the child held before execve until released, exit seen through a pidfd). Failures come
 * back as errno numbers.
 */
export interface ProcessCalls {
  /**
   * Replaces this process with the first of `paths` that can be executed (daemontools'
   * pathexec_run rule), after setting `limits` (flat triples resource, soft, hard) and
   * resetting signal dispositions and mask. Returns only on failure: the errno of the exec, or
   * minus the errno of a failed setrlimit.
   */
  exec(paths: readonly string[], argv: ReadonlyArray<string | Buffer>, envp: ReadonlyArray<string | Buffer>, limits: readonly bigint[]): number;
  /** The raw environment, one `NAME=value` Buffer per entry. */
  environ(): Buffer[];
  /** A pipe as [read fd, write fd], both close-on-exec, or the errno. */
  pipe(): [number, number] | number;
  /** The new session id, or minus the errno. */
  setsid(): number;
  /** [soft, hard] (2n ** 64n - 1n is RLIM_INFINITY), or the errno. */
  getrlimit(resource: number): [bigint, bigint] | number;
  /** 0 or the errno. */
  setrlimit(resource: number, soft: bigint, hard: bigint): number;
  /** 0 or the errno. */
  setCloexec(fd: number, on: boolean): number;
  /** O_NONBLOCK on fd's open file description: 0 or the errno. */
  setNonblocking(fd: number, on: boolean): number;
  /** flock(fd, LOCK_EX|LOCK_NB): 0, or the errno (EWOULDBLOCK/EAGAIN when held elsewhere). */
  flockExclusiveNonblocking(fd: number): number;
  /** getpwnam_r(3): [uid, gid] of account `name`, null when there is none, or the errno. */
  getpwnam(name: string | Buffer): [number, number] | null | number;
  /**
   * One datagram `message` to the AF_UNIX socket `socket` (a path, or `@name` for an abstract
   * one), as sd_notify(3) sends: 0 or the errno (EINVAL for a name that is neither).
   */
  notify(socket: string | Buffer, message: Buffer): number;
  /**
   * The calling thread's filesystem credentials become uid, gid and `groups` (raw setfsuid,
   * setfsgid and setgroups: this thread only), the previous ones saved: 0 or the errno (EBUSY
   * when already set). Files then made belong to uid:gid and every permission check is theirs.
   */
  setFsCredentials(uid: number, gid: number, groups: readonly number[]): number;
  /** The saved credentials back on the calling thread: 0 or the errno (EINVAL when none were set). */
  restoreFsCredentials(): number;
  /** mkfifo(2) with `mode` (the umask applies): 0 or the errno (EEXIST when the path exists, even as a dangling symlink). */
  mkfifo(path: string | Buffer, mode: number): number;
  /**
   * Replaces the contents of `name` in directory `dirFd` for every reader at once: `data` is
   * written into the regular file `spare` (made with `mode` when missing), which then trades
   * places with `name` (renameat2 RENAME_EXCHANGE; a plain rename without it or without
   * `name`). 0, the errno, -1 when `spare` is not a regular file with one link of this user
   * (nothing written), -2 for a short write.
   */
  exchangeWrite(dirFd: number, name: string | Buffer, spare: string | Buffer, data: Buffer, mode: number): number;
  /**
   * The first `max` bytes of file `name` in directory `dirFd` (openat without following a
   * symlink or waiting on a FIFO, one read), or the errno (ENOENT for a missing file).
   */
  readAt(dirFd: number, name: string | Buffer, max: number): Buffer | number;
  /**
   * Appends `data` in one write to `name` in `dirFd` (O_APPEND, made with `mode`, never through
   * a symlink); a non-empty file that `data` would take past `maxBytes` is first renamed to
   * `rotated`. 0 or the errno.
   */
  appendAt(dirFd: number, name: string | Buffer, data: Buffer, mode: number, maxBytes: number, rotated: string | Buffer): number;
  /**
   * Forks a child that takes its own session, `stdio` (an fd, STDIO_INHERIT or STDIO_IGNORE),
   * `cwd` (a path or a directory fd), `limits` (flat triples resource, soft, hard), then the
   * groups (null: cleared when uid or gid is given, else kept), gid and uid (-1: kept), closes
   * every other fd, resets signals, and waits for `release` before it execs `file`. `onExit`
   * is called once from the event loop: `code` -1 when killed by `signal` (a number); `stage`
   * -1 when the child ran, else the SpawnStage that failed in the child, with its errno.
   * `fds` places more descriptors: [child fd, parent fd] pairs, child fds from 3, ascending.
   * `record` ([fd, boot id]): the child's `PID STARTTIME BOOTID` line is written into fd, then
   * the child is released at once, without a return to JavaScript in between.
   * Returns [pid, handle, recorded] (recorded: 0, the errno of the record's write, or -1 when
   * no record was asked for), or the errno of a failed fork. `envp` null: the child gets this
   * process's environment (what process.env holds), copied in the addon.
   */
  spawn(
    file: string,
    argv: ReadonlyArray<string | Buffer>,
    envp: ReadonlyArray<string | Buffer> | null,
    cwd: string | number,
    stdio: readonly [number, number, number],
    limits: readonly bigint[],
    uid: number,
    gid: number,
    groups: readonly number[] | null,
    onExit: (code: number, signal: number, stage: number, errno: number) => void,
    fds?: ReadonlyArray<readonly [number, number]> | null,
    record?: readonly [number, string] | null,
  ): [number, ChildWatch, number] | number;
  /** Lets a spawned child exec: 0, or the errno (EPIPE when it is gone). */
  release(handle: ChildWatch): number;
  /**
   * Stops reporting a child's exit and stops it keeping the event loop alive; it is still reaped
   * if it exits while this process runs.
   */
  detach(handle: ChildWatch): void;
  /**
   * Tells the addon the process is exiting (from the 'exit' event): the event loop's callbacks
   * make no Node-API call after it, none being safe while Node frees the environment.
   */
  exiting(): void;
  readonly RLIMIT_AS: number;
  readonly RLIMIT_CORE: number;
  readonly RLIMIT_CPU: number;
  readonly RLIMIT_DATA: number;
  readonly RLIMIT_FSIZE: number;
  readonly RLIMIT_MEMLOCK: number;
  readonly RLIMIT_NOFILE: number;
  readonly RLIMIT_NPROC: number;
  readonly RLIMIT_RSS: number;
  readonly RLIMIT_STACK: number;
}

/** An opaque handle to a child spawned by ProcessCalls.spawn. */
export type ChildWatch = {readonly __childWatch: unique symbol};

export const STDIO_INHERIT = -1;
export const STDIO_IGNORE = -2;

/** The step that failed in a spawned child, as ProcessCalls.spawn reports it. */
export const SPAWN_STAGES = ['execve', 'setsid', 'set up stdio', 'chdir', 'setrlimit', 'setgroups', 'setgid', 'setuid', 'close descriptors'] as const;

/**
 * Where the addon is looked for in the package root, in order: the source build (node-gyp, at
 * `npm ci` in a checkout or at install when no prebuilt binary fits), then the binary the
 * tarball ships for this architecture (scripts/prebuild.mjs, named as prebuildify names a
 * Node-API build). node-gyp-build picks between them at install time only: its loader also takes
 * the path from the environment (KEEPUP_PREBUILD, npm_config_arch), and a root process started
 * with a service's env dir must not load native code from where a variable says.
 */
export function addonCandidates(root: string): [string, string] {
  return [join(root, 'build', 'Release', 'keepup_process.node'), join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'node.node')];
}

const exitHooked = new WeakSet<ProcessCalls>();

/**
 * Loads the addon from the package root (the first directory above this file that holds
 * package.json), so it works from the bundles in dist/bin and from the transpiled tests alike.
 */
export function loadProcessCalls(from: string = fileURLToPath(import.meta.url)): ProcessCalls {
  const candidates = addonCandidates(packageRoot(from));
  const path = candidates.find((candidate) => existsSync(candidate)) ?? candidates[0];
  try {
    const calls = createRequire(from)(path) as ProcessCalls;
    // A child still watched when the process exits: its handles are closed while Node frees the
    // environment, when a Node-API call would crash the process. (An older addon lacks the call.)
    if (typeof calls.exiting === 'function' && !exitHooked.has(calls)) {
      exitHooked.add(calls);
      process.once('exit', () => calls.exiting());
    }
    return calls;
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new FatalError(`unable to load ${path} (build it with \`npm rebuild\`): ${reason}`);
  }
}

let optional: ProcessCalls | null | undefined;

/**
 * The addon's call `name`, for a caller that has another way: null when the addon is not built
 * or was built by an older keepup that lacks the call. The addon is loaded once.
 */
export function optionalProcessCall<K extends keyof ProcessCalls>(name: K): Pick<ProcessCalls, K> | null {
  if (optional === undefined) {
    try {
      optional = loadProcessCalls();
    } catch {
      optional = null;
    }
  }
  return optional && typeof optional[name] === 'function' ? optional : null;
}

/** The Node-style error for an errno number the addon returned: `code` is its name (EIO when unknown). */
export function errnoException(errno: number, message: string): NodeJS.ErrnoException {
  const code = errnoName(errno) ?? 'EIO';
  return Object.assign(new Error(`${message}: ${code}`), {code, errno});
}
