/**
 * Every name inside a service directory, as daemontools 0.76 lays it out, plus keepup's own
 * files. Paths are relative to the service directory; `inSupervise` turns a `supervise/…`
 * name into its name inside `supervise/` (for a held `supervise/` directory).
 */
export const RUN_FILE = 'run';
/** Present: the service is normally down (supervise starts with want down). */
export const DOWN_FILE = 'down';
/** The logger's own service directory. */
export const LOG_DIR = 'log';
export const LOG_RUN_FILE = 'log/run';
/** keepup: whole milliseconds after `svc -d` before the child gets KILL. */
export const TIMEOUT_KILL_FILE = 'timeout-kill';
/**
 * keepup: the restart policy (delay, backoff, give-up, retry; policy/policy.ts). Without it a
 * service is restarted as daemontools does: one second after the previous start, for ever.
 */
export const RESTART_POLICY_FILE = 'restart-policy';
/** keepup: the marker telling `keepup supervise` it made this directory (and may change it). */
export const MARKER_FILE = '.keepup';

/** The daemontools `supervise/` directory inside a service directory, and its files. */
export const SUPERVISE_DIR = 'supervise';
export const CONTROL_FIFO = 'supervise/control';
export const OK_FIFO = 'supervise/ok';
export const STATUS_FILE = 'supervise/status';
export const STATUS_NEW_FILE = 'supervise/status.new';
export const LOCK_FILE = 'supervise/lock';
/** keepup's own record of the running child (pid, start time, boot id), for adoption after a crash. */
export const CHILD_FILE = 'supervise/child';
/** keepup's own counters (starts, last exit) as JSON, for `keepup status`; the 18-byte status is untouched. */
export const STATS_FILE = 'supervise/stats';
/** keepup's event log of a service supervised outside `keepup supervise` (svscan, supervise): JSON lines, rotated. */
export const EVENTS_DIR = 'supervise';
/** keepup's health record (JSON: state, since, last check) for `keepup status`; written by `keepup supervise`. */
export const HEALTH_RECORD_FILE = 'supervise/health';
/** keepup's readiness record (JSON: pid and time the service became ready); the 18-byte status is untouched. */
export const READY_RECORD_FILE = 'supervise/ready';
/** s6's `notification-fd`: the fd number on which the service writes a line when it is ready. */
export const NOTIFICATION_FD_FILE = 'notification-fd';
/** The FIFO between a service and its logger, inside the service's own `supervise/` directory. */
export const LOG_PIPE = 'supervise/log.pipe';

/** A `supervise/…` name as a name inside `supervise/`. */
export function inSupervise(file: string): string {
  return file.slice(SUPERVISE_DIR.length + 1);
}

/** The FIFOs a supervisor makes in its `supervise/`; a service with a logger also has `log.pipe` there. */
export function superviseFifos(withLogPipe: boolean): string[] {
  return withLogPipe ? [CONTROL_FIFO, OK_FIFO, LOG_PIPE] : [CONTROL_FIFO, OK_FIFO];
}
