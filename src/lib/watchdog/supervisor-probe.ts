import {closeSync, constants} from 'node:fs';
import {join} from 'node:path';
import {TREE_LOCK_FILE} from '../service-tree/tree.js';
import {lockFileSync} from '../sys/flock.js';

/**
 * Whether a `keepup supervise` runs on `serviceDir`: it holds the flock on `serviceDir/.lock`
 * for as long as it runs. The probe takes the lock for an instant when it is free (and never
 * creates the file); a tree never generated has no supervisor.
 */
export function treeSupervised(serviceDir: string): boolean {
  const attempt = lockFileSync(join(serviceDir, TREE_LOCK_FILE), {flags: constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK, nonblocking: true});
  if (attempt.kind === 'busy') return true;
  if (attempt.kind === 'locked') closeSync(attempt.fd);
  return false;
}
