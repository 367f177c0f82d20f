import {spawn, type ChildProcess, type StdioOptions} from 'node:child_process';
import {accessSync, constants, statSync} from 'node:fs';
import {join} from 'node:path';
import {readStartTime} from '../proc/start-time.js';
import type {TimerHandle, Timers} from './timers.js';

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
  /** Supplementary groups; needs uid and gid; applied through util-linux setpriv (which execs). */
  readonly groups?: readonly number[];
  /**
   * Chain-loaders put in front of `./run`, each of which must exec the rest of its argv so the
   * supervised pid stays the daemon's (e.g. `['prlimit', '--nofile=1024:1024', '--']`). This
   * is the hook for resource limits.
   */
  readonly prefix?: readonly string[];
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
 * A child under supervision: spawned here (a ChildProcess, exit seen by its 'exit' event), or
 * adopted after a supervisor crash (a pid watched by a poller, since Node cannot wait for a
 * process it did not start). The engine only needs the pid and one exit callback.
 */
export interface ChildHandle {
  readonly pid: number;
  /** Stop watching without touching the process (the supervisor is closing; the child lives on). */
  release(): void;
}


/**
 * Starts `./run` in `dir` (held open by the supervisor) in its own session and process group (`detached`), the way the
 * supervisor runs every service. `onExit` is called once when it exits; a failure to start at
 * all (missing or non-executable run) is reported through `onFailure` with the errno error,
 * possibly on the next tick, as Node reports exec failures to the parent.
 */
export function spawnRun(
  dir: RunDirectory,
  settings: SpawnSettings,
  onExit: (ending: ChildEnding) => void,
  onFailure: (error: unknown) => void,
): ChildHandle | undefined {
  const {file, args, credentials} = command(settings);
  if (settings.prefix?.length || settings.groups) {
    // A chain-loader would report a missing run in its own words: check first, in ours.
    const failure = runProblem(dir.path);
    if (failure) {
      onFailure(failure);
      return undefined;
    }
  }
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: dir.path,
      env: settings.extraEnv ? {...(settings.env ?? process.env), ...settings.extraEnv} : settings.env,
      stdio: (settings.stdio ?? ['inherit', 'inherit', 'inherit']) as StdioOptions,
      detached: true,
      ...credentials,
    });
  } catch (error) {
    onFailure(error);
    return undefined;
  }
  if (child.pid === undefined) {
    child.once('error', onFailure);
    return undefined;
  }
  const pid = child.pid;
  let released = false;
  child.on('error', () => {});
  child.once('exit', (code, signal) => {
    if (!released) onExit({code, signal});
  });
  return {
    pid,
    release() {
      released = true;
      child.unref();
    },
  };
}

function command(settings: SpawnSettings): {file: string; args: string[]; credentials: {uid?: number; gid?: number}} {
  const prefix = [...(settings.prefix ?? [])];
  if (settings.groups) {
    if (settings.uid === undefined || settings.gid === undefined) throw new TypeError('groups needs uid and gid');
    const groups = settings.groups.length > 0 ? `--groups=${settings.groups.join(',')}` : '--clear-groups';
    // After the prefix: limits are set while still root (a raised hard limit needs it), then privileges go.
    prefix.push('setpriv', `--reuid=${settings.uid}`, `--regid=${settings.gid}`, groups, '--');
    return {file: prefix[0]!, args: [...prefix.slice(1), './run'], credentials: {}};
  }
  const credentials = {
    ...(settings.uid !== undefined ? {uid: settings.uid} : {}),
    ...(settings.gid !== undefined ? {gid: settings.gid} : {}),
  };
  if (prefix.length === 0) return {file: './run', args: [], credentials};
  return {file: prefix[0]!, args: [...prefix.slice(1), './run'], credentials};
}

/** The error execve("./run") would give, or undefined when it looks runnable. */
function runProblem(dir: string): NodeJS.ErrnoException | undefined {
  const path = join(dir, 'run');
  try {
    if (!statSync(path).isFile()) return Object.assign(new Error(`${path} is not a file`), {code: 'EACCES'});
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}

/**
 * Watches a process this one did not start (adopted after a supervisor crash): every
 * `intervalMs` it checks that /proc still shows `pid` with the same start time, and calls
 * `onExit` once when it does not (the process exited and was reaped by init, or the pid was
 * reused).
 */
export function watchPid(pid: number, startTime: string, timers: Timers, intervalMs: number, onExit: (ending: ChildEnding) => void): ChildHandle {
  let timer: TimerHandle | undefined;
  const poll = () => {
    if (readStartTime(pid) !== startTime) {
      timer = undefined;
      onExit({code: null, signal: null});
      return;
    }
    timer = timers.setTimeout(poll, intervalMs);
  };
  timer = timers.setTimeout(poll, intervalMs);
  return {
    pid,
    release() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
