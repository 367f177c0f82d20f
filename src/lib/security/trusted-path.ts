import {closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, type Stats} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import {trustProblem, type TrustedKind} from './ownership.js';
import {isErrno} from '../sys/errno.js';

/**
 * Whole-path trust, as OpenSSH's StrictModes and sudo check a file before trusting it: the file
 * and every directory from `/` down to it must be owned by a trusted uid (root, or the invoking
 * user) and writable by nobody else, so that only those uids can change what the path names.
 *
 * The walk resolves the path itself, one component at a time, and never lets the kernel follow
 * a symlink unchecked: a symlink is followed only when it is owned by a trusted uid (its
 * directory has been checked already, so nobody else can replace it), and every component of
 * its target is checked in turn. At most MAX_SYMLINKS links are followed (ELOOP, as the kernel).
 *
 * One exception, which OpenSSH does not make: a directory writable by others but sticky
 * (`/tmp`, mode 1777) and owned by a trusted uid is accepted above the last directory, because
 * the sticky bit keeps others from renaming or removing the trusted entry below it. The
 * directory that holds the file itself is never allowed to be writable by others, sticky or not:
 * anyone could plant a name there before it is created.
 */
export const MAX_SYMLINKS = 40;

export type PathKind = TrustedKind | 'parents';

export type PathOutcome =
  | {ok: true; /** The path with every symlink resolved. */ real: string; /** lstat of `real`; undefined when kind is 'parents' and it does not exist. */ stats?: Stats}
  | {ok: false; problem: string; cause?: NodeJS.ErrnoException};

/**
 * Checks PATH and every directory above it (and every symlink on the way, and the whole path of
 * each symlink's target). `kind` says what the path must be; 'parents' checks only the
 * directories that would hold it, and a missing final name is fine.
 */
export function checkTrustedPath(path: string, kind: PathKind, uids: readonly number[]): PathOutcome {
  const pending = resolve(path).split('/').filter(Boolean);
  let real = '/';
  let realStats: Stats;
  try {
    realStats = lstatSync('/');
  } catch (error) {
    return failure('/', path, error);
  }
  const root = directoryProblem(realStats, uids, true);
  if (root !== undefined) return {ok: false, problem: `/: ${root}`};
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      // The parent of a checked directory was checked on the way down (or is `/`).
      real = dirname(real);
      realStats = lstatSync(real);
      continue;
    }
    const next = join(real, name);
    const last = pending.length === 0;
    let stats: Stats;
    try {
      stats = lstatSync(next);
    } catch (error) {
      if (last && kind === 'parents' && isErrno(error, 'ENOENT')) {
        const holder = directoryProblem(realStats, uids, false);
        return holder === undefined ? {ok: true, real: next} : {ok: false, problem: `${shown(real, path)}${holder}`};
      }
      return failure(next, path, error);
    }
    if (stats.isSymbolicLink()) {
      if (!uids.includes(stats.uid)) return {ok: false, problem: `${shown(next, path)}it is a symlink owned by uid ${stats.uid}, not by ${owners(uids)}`};
      if (++links > MAX_SYMLINKS) return {ok: false, problem: `${shown(next, path)}symbolic link loop`};
      const target = readlinkSync(next);
      if (target.startsWith('/')) {
        real = '/';
        realStats = lstatSync('/');
      }
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    if (last) {
      // The directory that holds the final object: nobody else may write there, sticky or not.
      const holder = directoryProblem(realStats, uids, false);
      if (holder !== undefined) return {ok: false, problem: `${shown(real, path)}${holder}`};
      if (kind !== 'parents') {
        const problem = trustProblem(stats, kind, uids);
        if (problem !== undefined) return {ok: false, problem: `${shown(next, path)}${problem}`};
      }
      return {ok: true, real: next, stats};
    }
    const problem = directoryProblem(stats, uids, true);
    if (problem !== undefined) return {ok: false, problem: `${shown(next, path)}${problem}`};
    real = next;
    realStats = stats;
  }
  // PATH was `/` (or resolved to it).
  if (kind === 'directory' || kind === 'parents') return {ok: true, real, stats: realStats};
  return {ok: false, problem: `${shown('/', path)}it is not a regular file`};
}

/** The reason PATH may not be trusted, or undefined when it may. */
export function trustedPathProblem(path: string, kind: PathKind, uids: readonly number[]): string | undefined {
  const outcome = checkTrustedPath(path, kind, uids);
  return outcome.ok ? undefined : outcome.problem;
}

export type OpenOutcome = {ok: true; fd: number; stats: Stats; real: string} | {ok: false; problem: string; cause?: NodeJS.ErrnoException};

/**
 * Opens a trusted file for reading: checks the whole path (above), opens the resolved path
 * with O_NOFOLLOW (and O_NONBLOCK, so a FIFO planted there cannot hang the caller), then
 * checks the open descriptor itself with fstat, and that it is the file the walk examined.
 * What is read from the returned fd is what was checked. The caller closes the fd.
 */
export function openTrusted(path: string, kind: Exclude<TrustedKind, 'directory'>, uids: readonly number[]): OpenOutcome {
  const checked = checkTrustedPath(path, kind, uids);
  if (!checked.ok) return checked;
  let fd: number;
  try {
    fd = openSync(checked.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return failure(checked.real, path, error);
  }
  const stats = fstatSync(fd);
  const problem = trustProblem(stats, kind, uids) ?? (stats.dev !== checked.stats!.dev || stats.ino !== checked.stats!.ino ? 'it was replaced while being opened' : undefined);
  if (problem !== undefined) {
    closeSync(fd);
    return {ok: false, problem: `${shown(checked.real, path)}${problem}`};
  }
  return {ok: true, fd, stats, real: checked.real};
}

function directoryProblem(stats: Stats, uids: readonly number[], stickyAllowed: boolean): string | undefined {
  const problem = trustProblem(stats, 'directory', uids);
  if (problem === undefined || !stats.isDirectory() || !uids.includes(stats.uid)) return problem;
  return stickyAllowed && (stats.mode & 0o1000) !== 0 ? undefined : problem;
}

function failure(where: string, path: string, error: unknown): {ok: false; problem: string; cause: NodeJS.ErrnoException} {
  return {ok: false, problem: `${shown(where, path)}${errorText(error)}`, cause: error as NodeJS.ErrnoException};
}

/** `WHERE: ` when the problem is not with PATH itself. */
function shown(where: string, path: string): string {
  return where === resolve(path) ? '' : `${where}: `;
}

function owners(uids: readonly number[]): string {
  return uids.map((uid) => `uid ${uid}`).join(' or ');
}
