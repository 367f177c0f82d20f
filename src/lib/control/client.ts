import {closeSync, constants, openSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {CONTROL_FIFO, OK_FIFO} from '../service-dir/layout.js';
import {errnoCode, isErrno} from '../sys/errno.js';

/**
 * The client side of the daemontools protocol (control and ok), used by svc, svok, svstat and the front-ends.
 * Expected outcomes are results; other system errors are thrown with their errno code.
 */

export type SendResult = 'sent' | 'not-running';

/**
 * Writes `commands` to DIR/supervise/control in one write. 'not-running' when the FIFO exists
 * but nobody reads it (ENXIO); ENOENT and the rest are thrown.
 */
export function sendControl(dir: string, commands: string): SendResult {
  let fd: number;
  try {
    fd = openSync(join(dir, CONTROL_FIFO), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENXIO')) return 'not-running';
    throw error;
  }
  try {
    writeAll(fd, Buffer.from(commands, 'latin1'));
  } finally {
    closeSync(fd);
  }
  return 'sent';
}

/**
 * svc clears O_NONBLOCK and lets the write block; Node cannot, so it retries EAGAIN for up to 5 s.
 * The wait is synchronous (sendControl is), so it is on the system clock, never an injected one.
 */
function writeAll(fd: number, bytes: Buffer): void {
  // Taken at the first full FIFO, with Date.now (whole ms are enough for 5 s): svc spares
  // loading perf_hooks, systemTime's fine clock (issue 16).
  let deadline: number | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      deadline ??= Date.now() + 5000;
      if (!isErrno(error, 'EAGAIN') || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * Is a supervisor holding DIR/supervise/ok open for reading? 'running'; 'not-running' (ENXIO);
 * 'missing' (ENOENT: supervise never ran there). Other errors are thrown.
 */
export function probeSupervisor(dir: string): 'running' | 'not-running' | 'missing' {
  try {
    closeSync(openSync(join(dir, OK_FIFO), constants.O_WRONLY | constants.O_NONBLOCK));
    return 'running';
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENXIO') return 'not-running';
    if (code === 'ENOENT') return 'missing';
    throw error;
  }
}
