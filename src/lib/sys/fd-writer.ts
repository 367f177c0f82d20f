import {writeSync} from 'node:fs';
import {errnoCode} from './errno.js';

/**
 * Writes all of `data` to an inherited fd with write(2) calls, continuing after partial writes
 * and EINTR. For fds Node has not made non-blocking (stdout that `process.stdout` never touched).
 * Throws the errno error of a failed write.
 */
export function writeAllSync(fd: number, data: Uint8Array): void {
  writeWhileRoom(fd, data, false);
}

/** How much of `data` went out before a write failed with EAGAIN (only when `stopWhenFull`, else that throws too). */
function writeWhileRoom(fd: number, data: Uint8Array, stopWhenFull: boolean): number {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EAGAIN' && stopWhenFull) return offset;
      if (code !== 'EINTR') throw error;
    }
  }
  return offset;
}

const streaming = new Set<1 | 2>();

/**
 * Writes all of `data` to stdout (1) or stderr (2) with write(2) calls, without creating
 * `process.stdout`/`process.stderr`: setting up that stream costs a short-lived command ~5 ms
 * (issue 16). Only when the fd is non-blocking (its open file description shared with a process
 * that set O_NONBLOCK) and full does the rest, and every later write to that fd, go through
 * Node's stream, which waits for room and keeps the order. Throws the errno error of a failed write.
 */
export function writeStdio(fd: 1 | 2, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  if (streaming.has(fd)) {
    stream().write(bytes);
    return;
  }
  const offset = writeWhileRoom(fd, bytes, true);
  if (offset < bytes.length) {
    streaming.add(fd);
    stream().write(bytes.subarray(offset));
  }
}
