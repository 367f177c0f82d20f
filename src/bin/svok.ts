import {SysError, UsageError} from '../lib/cli/errors.js';
import {EXIT_OK, EXIT_USAGE} from '../lib/cli/exit-codes.js';
import {runMain} from '../lib/cli/run-main.js';
import {probeSupervisor} from '../lib/control/client.js';
import {assertDirectory} from '../lib/sys/directory.js';

// svok DIR: exit 0 when a supervisor is running in DIR, 100 when not. Extra arguments are ignored.
void runMain('svok', (args) => {
  const dir = args[0];
  if (dir === undefined) throw new UsageError('svok dir');
  try {
    assertDirectory(dir);
  } catch (error) {
    throw new SysError(`chdir to ${dir}`, error);
  }
  try {
    return probeSupervisor(dir) === 'running' ? EXIT_OK : EXIT_USAGE;
  } catch (error) {
    throw new SysError(`open ${dir}/supervise/ok`, error);
  }
});
