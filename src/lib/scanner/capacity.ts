import type {OpenFileLimit} from '../limits/open-files.js';

/**
 * How many services one scanner can hold is bounded by its open-file limit, not by a table
 * size (daemontools and runit stop at 1000). Each service costs the scanner about this many
 * descriptors: control and ok FIFOs, the lock, the service directory and its `supervise/` held
 * open, the running child's pidfd and the socket it reports a failed start on, and a spare for
 * status writes; a service with a logger costs twice that plus its log pipe.
 */
export const FDS_PER_SERVICE = 8;
/** Descriptors Node itself keeps (epoll, signal pipes, stdio, libuv's threadpool). */
export const FDS_RESERVED = 64;

/** How many plain services (no logger) fit under `soft` open files. */
export function serviceCapacity(limit: OpenFileLimit): number {
  if (!Number.isFinite(limit.soft)) return Infinity;
  return Math.max(0, Math.floor((limit.soft - FDS_RESERVED) / FDS_PER_SERVICE));
}
