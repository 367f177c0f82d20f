import {EXIT_TEMPORARY, EXIT_USAGE} from './exit-codes.js';
import {errorText} from './errno-text.js';

/** Base of every error a command turns into one message line and an exit code. */
export class KeepupError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: {cause?: unknown}) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
Object.defineProperty(KeepupError.prototype, 'name', {value: 'KeepupError'});

/** Wrong usage; printed as `PROG: usage: SYNOPSIS` (or a whole line, for svc's quirk), exit 100. */
export class UsageError extends KeepupError {
  /** Lines printed before the usage line, e.g. getopt's `svc: illegal option -- z`. */
  readonly preface: string[];
  /** When true, `message` is the whole line (no `PROG: usage: ` prefix). */
  readonly bare: boolean;
  constructor(synopsis: string, options: {preface?: string[]; bare?: boolean; exitCode?: number} = {}) {
    super(synopsis, options.exitCode ?? EXIT_USAGE);
    this.preface = options.preface ?? [];
    this.bare = options.bare ?? false;
  }
}
Object.defineProperty(UsageError.prototype, 'name', {value: 'UsageError'});

/** A fatal condition whose text is complete: `PROG: fatal: MESSAGE`. Exit 111 unless told. */
export class FatalError extends KeepupError {
  constructor(message: string, exitCode: number = EXIT_TEMPORARY, options?: {cause?: unknown}) {
    super(message, exitCode, options);
  }
}
Object.defineProperty(FatalError.prototype, 'name', {value: 'FatalError'});

/**
 * A failed system call: `PROG: fatal: unable to WHAT: ERR`, exit 111. `what` is "verb object",
 * e.g. `chdir to x`; ERR is djb's text for the cause's errno.
 */
export class SysError extends FatalError {
  constructor(what: string, cause: unknown, exitCode: number = EXIT_TEMPORARY) {
    super(`unable to ${what}: ${errorText(cause)}`, exitCode, {cause});
  }
}
Object.defineProperty(SysError.prototype, 'name', {value: 'SysError'});

export function isKeepupError(value: unknown): value is KeepupError {
  return value instanceof KeepupError;
}
