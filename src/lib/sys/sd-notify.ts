import {errnoName} from './errno.js';
import {loadProcessCalls, type ProcessCalls} from './native.js';

/** The variable systemd (Type=notify) sets to the socket it reads readiness from. */
export const NOTIFY_SOCKET = 'NOTIFY_SOCKET';

/**
 * sd_notify(3) without libsystemd: `state` (`READY=1`, `STOPPING=1`, `STATUS=…`, newline
 * separated) as one datagram to the AF_UNIX socket `$NOTIFY_SOCKET` names (a path, or `@name`
 * for an abstract socket). Nothing happens when the variable is unset (not run by systemd, or
 * not Type=notify). Returns null when sent or unset, else why it failed (for a warning:
 * readiness that cannot be told is not a reason to stop supervising).
 */
export function sdNotify(state: string, env: NodeJS.ProcessEnv, calls: Pick<ProcessCalls, 'notify'> = loadProcessCalls()): string | null {
  const socket = env[NOTIFY_SOCKET];
  if (socket === undefined || socket === '') return null;
  const errno = calls.notify(socket, Buffer.from(state, 'utf8'));
  return errno === 0 ? null : `unable to notify ${socket} (${NOTIFY_SOCKET}) of ${state.split('\n').join(', ')}: ${errnoName(errno) ?? `errno ${errno}`}`;
}

/**
 * NOTIFY_SOCKET, removed from `env` and from this process's environment (sd_notify(3)'s
 * unset_environment): the services, and their loggers, which start from this process's
 * environment, must not tell systemd anything in keepup's name.
 */
export function takeNotifySocket(env: NodeJS.ProcessEnv): {[NOTIFY_SOCKET]?: string} {
  const socket = env[NOTIFY_SOCKET];
  delete env[NOTIFY_SOCKET];
  delete process.env[NOTIFY_SOCKET];
  return socket === undefined ? {} : {[NOTIFY_SOCKET]: socket};
}
