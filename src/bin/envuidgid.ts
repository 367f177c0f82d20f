import {lookupAccount} from '../lib/chainload/account.js';
import {pathexec, withVariable} from '../lib/chainload/pathexec.js';
import {FatalError, SysError, UsageError} from '../lib/cli/errors.js';
import {runMain} from '../lib/cli/run-main.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';

// envuidgid ACCOUNT CHILD...: run CHILD with $UID and $GID set to ACCOUNT's, for programs that
// drop privileges themselves (multilog's caller, servers that read $UID/$GID).
void runMain('envuidgid', (args) => {
  const [name, ...child] = args;
  if (name === undefined || child.length === 0) throw new UsageError('envuidgid account child');
  const account = lookupAccount(name);
  if (account === 'unknown') throw new FatalError(`unknown account ${name}`);
  const calls = chainloadCalls();
  const env = withVariable(withVariable(calls.environ(), 'GID', String(account.gid)), 'UID', String(account.uid));
  const failure = pathexec(calls, child, env);
  throw new SysError(`run ${child[0]}`, failure);
});
