import {closeSync, constants, fstatSync, openSync} from 'node:fs';
import {mkfifoSync} from '../sys/mkfifo.js';

/** The mode of every FIFO in a service directory: only its owner (the supervisor) may use it. */
const FIFO_MODE = 0o600;

/** Makes the FIFOs at `paths` that do not exist yet (daemontools' fifo_make, EEXIST ignored). */
export function makeFifos(paths: readonly string[]): void {
  mkfifoSync(paths, FIFO_MODE);
}

/**
 * Makes the FIFO at `path` unless something is there already, and opens it non-blocking, never
 * through a symlink, with `access` (O_RDONLY, O_RDWR, …); anything but a FIFO there is closed
 * and refused (EINVAL).
 */
export function openFifo(path: string, access: number): number {
  makeFifos([path]);
  const fd = openSync(path, access | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  if (fstatSync(fd).isFIFO()) return fd;
  closeSync(fd);
  throw Object.assign(new Error(`${path} is not a FIFO`), {code: 'EINVAL'});
}
