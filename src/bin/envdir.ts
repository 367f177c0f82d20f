import {applyEnvChanges, readEnvDir} from '../lib/chainload/envdir.js';
import {pathexec} from '../lib/chainload/pathexec.js';
import {SysError, UsageError} from '../lib/cli/errors.js';
import {EXIT_TEMPORARY} from '../lib/cli/exit-codes.js';
import {runMain} from '../lib/cli/run-main.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';

// envdir DIR CHILD...: run CHILD with the environment changed by the files in DIR (one
// variable per file). A usage error exits 111, as daemontools' envdir (its rts.tests says so).
void runMain('envdir', (args) => {
  const [dir, ...child] = args;
  if (dir === undefined || child.length === 0) throw new UsageError('envdir dir child', {exitCode: EXIT_TEMPORARY});
  const changes = readEnvDir(dir);
  const calls = chainloadCalls();
  const failure = pathexec(calls, child, applyEnvChanges(calls.environ(), changes));
  throw new SysError(`run ${child[0]}`, failure);
});
