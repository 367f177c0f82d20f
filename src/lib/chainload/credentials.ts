import {SysError} from '../cli/errors.js';
import type {Account} from './account.js';

/**
 * daemontools' prot_gid then prot_uid: supplementary groups become just the account's gid,
 * then the gid, then the uid (the uid last, while there is still the right to change the
 * others). Throws SysError `setgid`/`setuid` with the errno, as setuidgid words them.
 */
export function dropPrivileges(account: Account): void {
  const {setgroups, setgid, setuid} = process;
  if (!setgroups || !setgid || !setuid) throw new SysError('setgid', {code: 'ENOSYS'});
  try {
    setgroups([account.gid]);
    setgid(account.gid);
  } catch (error) {
    throw new SysError('setgid', error);
  }
  try {
    setuid(account.uid);
  } catch (error) {
    throw new SysError('setuid', error);
  }
}
