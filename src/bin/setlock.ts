import {pathexec} from '../lib/chainload/pathexec.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';
import {SETLOCK_SPEC, acquireLock, setlockFlags} from '../lib/chainload/setlock.js';
import {SysError, UsageError} from '../lib/cli/errors.js';
import {getopt} from '../lib/cli/getopt.js';
import {runMain, usageAfter} from '../lib/cli/run-main.js';

const USAGE = 'setlock [ -nNxX ] file program [ arg ... ]';

// setlock [-nNxX] FILE PROGRAM...: run PROGRAM holding an exclusive flock on FILE; the locked
// fd is inherited, so the lock lasts until PROGRAM (and whatever inherits it) is gone.
void runMain('setlock', (args) => {
  let parsed;
  try {
    parsed = getopt('setlock', args, SETLOCK_SPEC);
  } catch (error) {
    usageAfter(error, USAGE);
  }
  const [file, ...program] = parsed.operands;
  if (file === undefined || program.length === 0) throw new UsageError(USAGE);
  const flags = setlockFlags(parsed.options);
  const calls = chainloadCalls();
  let fd;
  try {
    fd = acquireLock(file, flags);
  } catch (error) {
    if (flags.quiet && error instanceof SysError) return 0;
    throw error;
  }
  calls.setCloexec(fd, false);
  const failure = pathexec(calls, program);
  throw new SysError(`run ${program[0]}`, failure);
});
