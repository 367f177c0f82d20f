import {writeSync} from 'node:fs';
import {errnoCode} from './errno.js';

/**
 * Writes all of `data` to an inherited fd with write(2) calls, continuing after partial writes
 * and EINTR. For fds Node has not made non-blocking (stdout that `process.stdout` never touched).
 * Throws the errno error of a failed write.
 */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'EINTR') throw error;
    }
  }
}
