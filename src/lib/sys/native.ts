import {existsSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {FatalError} from '../cli/errors.js';
import {errnoName} from './errno.js';

/**
 * The process calls Node 20 lacks, from the package's small C addon (src/native/process.c,
 * built by node-gyp when the package is installed): execve, pipe, setsid, get/setrlimit,
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
  /** flock(fd, LOCK_EX|LOCK_NB): 0, or the errno (EWOULDBLOCK/EAGAIN when held elsewhere). */
  flockExclusiveNonblocking(fd: number): number;
  /** mkfifo(2) with `mode` (the umask applies): 0 or the errno (EEXIST when the path exists, even as a dangling symlink). */
  mkfifo(path: string | Buffer, mode: number): number;
  /**
   * Forks a child that takes its own session, `stdio` (an fd, STDIO_INHERIT or STDIO_IGNORE),
   * `cwd` (a path or a directory fd), `limits` (flat triples resource, soft, hard), then the
   * groups (null: cleared when uid or gid is given, else kept), gid and uid (-1: kept), closes
   * every other fd, resets signals, and waits for `release` before it execs `file`. `onExit`
   * is called once from the event loop: `code` -1 when killed by `signal` (a number); `stage`
   * -1 when the child ran, else the SpawnStage that failed in the child, with its errno.
   * `fds` places more descriptors: [child fd, parent fd] pairs, child fds from 3, ascending.
   * Returns [pid, handle], or the errno of a failed fork.
   */
  spawn(
    file: string,
    argv: ReadonlyArray<string | Buffer>,
    envp: ReadonlyArray<string | Buffer>,
    cwd: string | number,
    stdio: readonly [number, number, number],
    limits: readonly bigint[],
    uid: number,
    gid: number,
    groups: readonly number[] | null,
    onExit: (code: number, signal: number, stage: number, errno: number) => void,
    fds?: ReadonlyArray<readonly [number, number]>,
  ): [number, ChildWatch] | number;
  /** Lets a spawned child exec: 0, or the errno (EPIPE when it is gone). */
  release(handle: ChildWatch): number;
  /**
   * Stops reporting a child's exit and stops it keeping the event loop alive; it is still reaped
   * if it exits while this process runs.
   */
  detach(handle: ChildWatch): void;
  /** getpwnam_r(3): [uid, gid], null when there is no such account, or the errno of a failed lookup. */
  getpwnam(name: string): [number, number] | null | number;
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

const ADDON = join('build', 'Release', 'keepup_process.node');

/**
 * Loads the addon from the package root (the first directory above this file that holds
 * package.json), so it works from the bundles in dist/bin and from the transpiled tests alike.
 */
export function loadProcessCalls(from: string = fileURLToPath(import.meta.url)): ProcessCalls {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) break;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  const path = join(dir, ADDON);
  try {
    return createRequire(from)(path) as ProcessCalls;
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
