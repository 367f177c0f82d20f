import {pathexec} from '../lib/chainload/pathexec.js';
import {SysError, UsageError} from '../lib/cli/errors.js';
import {runMain} from '../lib/cli/run-main.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';

// pgrphack CHILD...: run CHILD in a new session and process group of its own (setsid; a
// failure, as when already a group leader, is ignored as daemontools does).
void runMain('pgrphack', (args) => {
  if (args.length === 0) throw new UsageError('pgrphack child');
  const calls = chainloadCalls();
  calls.setsid();
  const failure = pathexec(calls, args);
  throw new SysError(`run ${args[0]}`, failure);
});
