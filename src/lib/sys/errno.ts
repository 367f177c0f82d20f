import {constants} from 'node:os';
import {getSystemErrorName} from 'node:util';

/**
 * System errors as Node reports them: an Error with an errno `code` such as `ENOENT`. The one
 * place that looks inside a thrown value for it (the wording of a code is cli/errno-text's).
 */

/** The errno code of a thrown value (`ENOENT`, …), or undefined when it has none. */
export function errnoCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as {code?: unknown}).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` carries an errno code: any code, or exactly `code`. */
export function isErrno(error: unknown, code?: string): error is NodeJS.ErrnoException {
  const own = errnoCode(error);
  return own !== undefined && (code === undefined || own === code);
}

/**
 * The name of an errno number (positive, as the addon returns it): libuv's name, or the
 * kernel's for the few libuv does not know (ENOLCK); undefined for a number neither knows.
 */
export function errnoName(errno: number): string | undefined {
  if (errno === 0) return undefined;
  const name = getSystemErrorName(-Math.abs(errno));
  if (!name.startsWith('Unknown system error')) return name;
  return Object.entries(constants.errno).find(([, value]) => value === Math.abs(errno))?.[0];
}
