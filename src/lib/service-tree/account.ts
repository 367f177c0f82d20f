import {spawnSync} from 'node:child_process';

/** A passwd entry's ids. */
export interface Account {
  readonly uid: number;
  readonly gid: number;
}

/**
 * getpwnam(3) through `getent passwd NAME` (Node has none), so NSS sources count. Only an entry
 * whose name is exactly NAME is accepted (getent also takes numeric uids). 'unknown' when there
 * is no such account; a failure to run getent is thrown.
 */
export function lookupAccount(name: string): Account | 'unknown' {
  const result = spawnSync('getent', ['passwd', '--', name], {stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8'});
  if (result.error) throw result.error;
  if (result.status !== 0) return 'unknown';
  const fields = (result.stdout.split('\n')[0] ?? '').split(':');
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (fields[0] !== name || !/^\d+$/.test(fields[2] ?? '') || !/^\d+$/.test(fields[3] ?? '')) return 'unknown';
  return {uid, gid};
}
