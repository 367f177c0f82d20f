import {runInForeground} from '../lib/chainload/fghack.js';
import {chainloadCalls} from '../lib/chainload/node-startup.js';
import {FatalError, SysError, UsageError} from '../lib/cli/errors.js';
import {runMain} from '../lib/cli/run-main.js';
import {guardInspectorSignal} from '../lib/sys/signals.js';

// fghack CHILD...: run CHILD and stay until it and every process it left in the background
// (holding the extra pipe fds) are gone; exit with CHILD's code. fghack stays resident; CHILD
// gets the open-files soft limit fghack was given (the launcher records it), as daemontools'.
void runMain('fghack', async (args) => {
  if (args.length === 0) throw new UsageError('fghack child');
  guardInspectorSignal();
  const outcome = await runInForeground(chainloadCalls(), args);
  if (outcome.kind === 'exited') return outcome.code;
  if (outcome.kind === 'crashed') throw new FatalError('child crashed');
  throw new SysError(outcome.step === 'run' ? `run ${args[0]}` : 'create pipe', outcome);
});
