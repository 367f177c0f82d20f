import {SysError} from '../cli/errors.js';
import {errnoException, loadProcessCalls, type ProcessCalls} from '../sys/native.js';

/** What setuidgid and envuidgid need from a passwd entry. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

let calls: Pick<ProcessCalls, 'getpwnam'> | undefined;

/**
 * getpwnam(3) for any account, not just the current user's (Node only has os.userInfo()): the
 * C library's getpwnam_r, in this process through keepup's addon, so NSS sources (LDAP, sssd,
 * …) count as they do for daemontools, and no `getent` found through PATH (a hijack as root)
 * nor a child process is involved. A name is only a name: digits are not a uid. 'unknown'
 * when there is no such account; SysError `look up account NAME` when the C library fails.
 */
export function lookupAccount(name: string): Account | 'unknown' {
  if (name === '' || name.includes('\0')) return 'unknown';
  calls ??= loadProcessCalls();
  const entry = calls.getpwnam(name);
  if (entry === null) return 'unknown';
  if (typeof entry === 'number') throw new SysError(`look up account ${name}`, errnoException(entry, 'getpwnam'));
  return {name, uid: entry[0], gid: entry[1]};
}
