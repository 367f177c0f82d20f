import {constants} from 'node:os';
import {getSystemErrorName} from 'node:util';
import {readStartTime} from '../proc/start-time.js';
import {loadProcessCalls, SPAWN_STAGES, STDIO_IGNORE, STDIO_INHERIT, type ProcessCalls} from '../sys/native.js';
import type {TimerHandle, Time} from '../time/time.js';

/** A resource limit `./run` starts with (setrlimit in the child; 2n ** 64n - 1n is unlimited). */
export interface ResourceLimit {
  readonly resource: ResourceName;
  readonly soft: bigint;
  readonly hard: bigint;
}

export type ResourceName = 'RLIMIT_AS' | 'RLIMIT_CORE' | 'RLIMIT_CPU' | 'RLIMIT_DATA' | 'RLIMIT_FSIZE' | 'RLIMIT_MEMLOCK' | 'RLIMIT_NOFILE' | 'RLIMIT_NPROC' | 'RLIMIT_RSS' | 'RLIMIT_STACK';

export const RLIM_INFINITY = 2n ** 64n - 1n;

/** What a service's child gets from the supervisor beyond cwd = service dir and argv `./run`. */
export interface SpawnSettings {
  /**
   * The child's fds 0, 1, 2: an fd number this process holds (svscan passes a log pipe as the
   * service's stdout and the logger's stdin), 'inherit' or 'ignore'. Default: all inherited.
   */
  readonly stdio?: readonly [StdioFd, StdioFd, StdioFd];
  /** The whole environment. Default: this process's environment at spawn time. */
  readonly env?: NodeJS.ProcessEnv;
  /** Added to (and overriding) `env`. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Run as this uid/gid. Without `groups` the supplementary groups are cleared (as setuidgid). */
  readonly uid?: number;
  readonly gid?: number;
  /** Supplementary groups; needs uid and gid. */
  readonly groups?: readonly number[];
  /** Resource limits, set in the child while it is still root (before the credentials). */
  readonly limits?: readonly ResourceLimit[];
  /**
   * More descriptors for the child: [child fd, fd this process holds] (s6's notification-fd
   * pipe). Child fds from 3 (0–2 are `stdio`), each once.
   */
  readonly fds?: ReadonlyArray<readonly [number, number]>;
}

export type StdioFd = number | 'inherit' | 'ignore';

/**
 * Where `./run` runs: the service directory the supervisor holds open. A spawn that takes a
 * directory descriptor fchdirs to `fd`; one that takes a path uses `path`, which names the same
 * directory (`/proc/self/fd/N`) whatever happened to the directory's name since.
 */
export interface RunDirectory {
  readonly fd: number;
  readonly path: string;
}

/** How a child ended: its exit code or signal; both null when only its disappearance was seen. */
export interface ChildEnding {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A child under supervision: spawned here (its exit seen through a pidfd), or adopted after a
 * supervisor crash (a pid watched by a poller, since only a parent can reap). The engine only
 * needs the pid and one exit callback.
 */
export interface ChildHandle {
  readonly pid: number;
  /** Stop watching without touching the process (the supervisor is closing; the child lives on). */
  release(): void;
}

/** A child spawned by spawnRun: it waits before execve until `go()`, or until recorded. */
export interface SpawnedChild extends ChildHandle {
  /** Lets the child exec `./run`; call it once the records that make the child known are written. */
  go(): void;
  /**
   * With a record asked for: 0 once the child's line was written and the child released (go
   * does nothing more), else the errno of that write (released all the same). -1: no record.
   */
  readonly recorded: number;
}

/** A failure inside the child before `./run` ran: `stage` is the step (execve for the exec itself). */
export class ChildStartError extends Error {
  override readonly name = 'ChildStartError';
  constructor(
    readonly stage: string,
    readonly code: string,
  ) {
    super(`${stage}: ${code}`);
  }
}

let calls: ProcessCalls | undefined;

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/**
 * Forks the child that will run `./run` in `cwd` (the service directory, as a path or an fd
 * held open on it) in its own session and process group, with the settings' stdio,
 * environment, limits and credentials applied in the child itself (no helper process ever
 * holds the service's environment with root's rights), every other descriptor closed. The
 * child waits until `go()`, or, given `record` (supervise/child's descriptor and the boot id),
 * until the addon has written its line there, which it does before returning; a supervisor
 * that dies before that leaves no process behind.
 * `onExit` is called once when it exits after running; `onFailure` once, instead, when it
 * could not run `./run` (the errno of execve or of an earlier step). A failed fork returns the
 * errno error, and nothing is called.
 */
export function spawnRun(
  cwd: string | number,
  settings: SpawnSettings,
  onExit: (ending: ChildEnding) => void,
  onFailure: (error: ChildStartError) => void,
  record?: {readonly fd: number; readonly bootId: string},
): SpawnedChild | NodeJS.ErrnoException {
  calls ??= loadProcessCalls();
  if (settings.groups && (settings.uid === undefined || settings.gid === undefined)) throw new TypeError('groups needs uid and gid');
  // This process's own environment is copied by the addon (enumerating process.env costs more
  // than the rest of a spawn's JavaScript); any other is built here.
  let envp: string[] | null = null;
  if (settings.env !== undefined || settings.extraEnv !== undefined) {
    envp = [];
    const env = settings.extraEnv ? {...(settings.env ?? process.env), ...settings.extraEnv} : settings.env!;
    for (const [name, value] of Object.entries(env)) if (value !== undefined) envp.push(`${name}=${value}`);
  }
  const limits: bigint[] = [];
  for (const limit of settings.limits ?? []) limits.push(BigInt(calls[limit.resource]), limit.soft, limit.hard);
  const fds = [...(settings.fds ?? [])].sort((x, y) => x[0] - y[0]);
  for (const [index, [childFd]] of fds.entries()) {
    if (!Number.isInteger(childFd) || childFd < 3 || childFd > 65535 || (index > 0 && fds[index - 1]![0] === childFd)) throw new TypeError(`fds: bad child fd ${childFd}`);
  }
  const stdio = (settings.stdio ?? ['inherit', 'inherit', 'inherit']).map((fd) => (fd === 'inherit' ? STDIO_INHERIT : fd === 'ignore' ? STDIO_IGNORE : fd));
  let released = false;
  const result = calls.spawn(
    './run',
    ['./run'],
    envp,
    cwd,
    stdio as [number, number, number],
    limits,
    settings.uid ?? -1,
    settings.gid ?? -1,
    settings.groups ?? null,
    (code, signal, stage, errno) => {
      if (released) return;
      if (stage >= 0) onFailure(new ChildStartError(SPAWN_STAGES[stage] ?? 'start', errnoCode(errno)));
      else onExit({code: code >= 0 ? code : null, signal: code >= 0 ? null : (SIGNAL_NAMES.get(signal) ?? null)});
    },
    fds,
    record ? [record.fd, record.bootId] : null,
  );
  if (typeof result === 'number') return Object.assign(new Error(`fork: ${errnoCode(result)}`), {code: errnoCode(result), errno: result});
  const [pid, handle, recorded] = result;
  const native = calls;
  return {
    pid,
    recorded,
    go() {
      if (recorded < 0) native.release(handle);
    },
    release() {
      released = true;
      native.detach(handle);
    },
  };
}

/**
 * A pipe for s6's readiness protocol: [read end, write end], both close-on-exec (the write end
 * reaches the service through SpawnSettings.fds, placed by the spawn itself). An Error on failure.
 */
export function notificationPipe(): [number, number] | NodeJS.ErrnoException {
  calls ??= loadProcessCalls();
  const result = calls.pipe();
  if (typeof result === 'number') return Object.assign(new Error(`pipe: ${errnoCode(result)}`), {code: errnoCode(result), errno: result});
  return result;
}

function errnoCode(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return 'EUNKNOWN';
  }
}

/**
 * Watches a process this one did not start (adopted after a supervisor crash): every
 * `intervalMs` it checks that /proc still shows `pid` with the same start time, and calls
 * `onExit` once when it does not (the process exited and was reaped by init, or the pid was
 * reused).
 */
export function watchPid(pid: number, startTime: string, time: Time, intervalMs: number, onExit: (ending: ChildEnding) => void): ChildHandle {
  let timer: TimerHandle | undefined;
  const poll = () => {
    if (readStartTime(pid) !== startTime) {
      timer = undefined;
      onExit({code: null, signal: null});
      return;
    }
    timer = time.setTimeout(poll, intervalMs);
  };
  timer = time.setTimeout(poll, intervalMs);
  return {
    pid,
    release() {
      if (timer !== undefined) time.clearTimeout(timer);
      timer = undefined;
    },
  };
}
