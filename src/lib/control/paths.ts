/** The daemontools `supervise/` directory inside a service directory, and its files. */
export const SUPERVISE_DIR = 'supervise';
export const CONTROL_FIFO = 'supervise/control';
export const OK_FIFO = 'supervise/ok';
export const STATUS_FILE = 'supervise/status';
export const LOCK_FILE = 'supervise/lock';
export const DOWN_FILE = 'down';
export const RUN_FILE = 'run';
/** keepup's own record of the running child (pid, start time, boot id), for adoption after a crash. */
export const CHILD_FILE = 'supervise/child';
/** keepup's own counters (starts, last exit) as JSON, for `keepup status`; the 18-byte status is untouched. */
export const STATS_FILE = 'supervise/stats';
