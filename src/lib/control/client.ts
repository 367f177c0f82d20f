import {closeSync, constants, openSync, readSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {CONTROL_FIFO, OK_FIFO, STATUS_FILE} from './paths.js';
import {STATUS_SIZE, unpack, type StatusRecord} from '../status/codec.js';
import {errnoCode, isErrno} from '../sys/errno.js';

/**
 * The client side of the daemontools protocol, used by svc, svok, svstat and the front-ends.
 * Expected outcomes are results; other system errors are thrown with their errno code.
 */

/** The control characters supervise understands. */
export const CONTROL_COMMANDS = 'udopchaitkx';

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

/** svc clears O_NONBLOCK and lets the write block; Node cannot, so it retries EAGAIN for up to 5 s. */
function writeAll(fd: number, bytes: Buffer): void {
  const deadline = Date.now() + 5000;
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
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

/** Reads DIR/supervise/status with one read, as svstat does. 'bad-format' when shorter than 18 bytes. */
export function readStatus(dir: string): StatusRecord | 'bad-format' {
  const fd = openSync(join(dir, STATUS_FILE), constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(STATUS_SIZE);
    const length = readSync(fd, buffer, 0, STATUS_SIZE, null);
    return unpack(buffer.subarray(0, length)) ?? 'bad-format';
  } finally {
    closeSync(fd);
  }
}
