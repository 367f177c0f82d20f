import {lstatSync, statSync, type Stats} from 'node:fs';

/**
 * Ownership and permission checks for files that a root process trusts: its config, the
 * scripts it runs and the directories that hold them. A trusted file is owned by root, or by
 * the invoking user when that is not root, and is writable by its owner alone.
 */
export type TrustedKind = 'file' | 'executable' | 'directory';

/** The uids whose files this process may trust: root, plus itself when not root. */
export function trustedUids(uid: number): number[] {
  return uid === 0 ? [0] : [0, uid];
}

/** What is wrong with a file's metadata, as a phrase for `refusing X: PHRASE`; undefined when fine. */
export function trustProblem(stats: Stats, kind: TrustedKind, uids: readonly number[]): string | undefined {
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isFile()) {
    return kind === 'directory' ? 'it is not a directory' : 'it is not a regular file';
  }
  if (!uids.includes(stats.uid)) {
    return `it is owned by uid ${stats.uid}, not by ${uids.map((uid) => `uid ${uid}`).join(' or ')}`;
  }
  const writable = [stats.mode & 0o020 ? 'group' : '', stats.mode & 0o002 ? 'world' : ''].filter(Boolean);
  if (writable.length === 2) return 'it is group- and world-writable';
  if (writable.length === 1) return `it is ${writable[0]}-writable`;
  if (kind === 'executable' && (stats.mode & 0o100) === 0) return 'it is not executable by its owner';
  return undefined;
}

export type TrustOutcome = {ok: true; stats: Stats} | {ok: false; problem: string; cause?: NodeJS.ErrnoException};

/**
 * Checks PATH (following symlinks) for `kind`. A path that cannot be examined is a problem
 * too, with the errno error as `cause`.
 */
export function checkTrusted(path: string, kind: TrustedKind, uids: readonly number[], options: {follow?: boolean} = {}): TrustOutcome {
  let stats: Stats;
  try {
    stats = options.follow === false ? lstatSync(path) : statSync(path);
  } catch (error) {
    return {ok: false, problem: 'it cannot be examined', cause: error as NodeJS.ErrnoException};
  }
  const problem = trustProblem(stats, kind, uids);
  return problem === undefined ? {ok: true, stats} : {ok: false, problem};
}
