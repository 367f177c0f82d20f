import {bytesOfName, hasEscapedBytes} from '../sys/byte-names.js';
import {writeStdio} from '../sys/fd-writer.js';

/**
 * The message grammar of every keepup command (daemontools/s6):
 * `PROG: fatal: …`, `PROG: warning: …`, `PROG: usage: PROG SYNOPSIS`.
 * These only format; the caller writes (bin files through a Reporter).
 */
export function fatalLine(prog: string, message: string): string {
  return `${prog}: fatal: ${message}\n`;
}

export function warningLine(prog: string, message: string): string {
  return `${prog}: warning: ${message}\n`;
}

export function usageLine(prog: string, synopsis: string): string {
  return `${prog}: usage: ${synopsis}\n`;
}

/** Something that takes whole lines for stderr; the library reports through it and never prints. */
export interface Reporter {
  warn(message: string): void;
}

/** A Reporter that writes `PROG: warning: MESSAGE` to stderr in one write. */
export function stderrReporter(prog: string, write: (text: string) => void = writeStderr): Reporter {
  return {warn: (message) => write(warningLine(prog, message))};
}

/**
 * One synchronous write to fd 2, as djb's buffered flush does: lines never interleave (and no
 * stream is set up for it, see writeStdio). A file
 * name's bytes that are not UTF-8 (escaped in the string, see sys/byte-names) go out as they are.
 */
export function writeStderr(text: string): void {
  try {
    writeStdio(2, hasEscapedBytes(text) ? bytesOfName(text) : text);
  } catch {
    // stderr gone: nothing left to tell.
  }
}
