import {lookupAccount} from '../lib/chainload/account.js';
import {pathexec} from '../lib/chainload/pathexec.js';
import {dropPrivileges} from '../lib/chainload/credentials.js';
import {FatalError, SysError, UsageError} from '../lib/cli/errors.js';
import {runMain} from '../lib/cli/run-main.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';

// setuidgid ACCOUNT CHILD...: run CHILD as ACCOUNT's uid and gid (supplementary groups: just
// that gid), without touching the environment. The process becomes CHILD (execve).
void runMain('setuidgid', (args) => {
  const [name, ...child] = args;
  if (name === undefined || child.length === 0) throw new UsageError('setuidgid account child');
  const account = lookupAccount(name);
  if (account === 'unknown') throw new FatalError(`unknown account ${name}`);
  const calls = chainloadCalls();
  dropPrivileges(account);
  const failure = pathexec(calls, child);
  throw new SysError(`run ${child[0]}`, failure);
});
