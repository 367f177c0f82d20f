import {FatalError, UsageError} from '../lib/cli/errors.js';
import {fatalLine, stderrReporter, writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {Supervisor} from '../lib/supervisor/engine.js';
import {serviceLimitsFromStartup} from '../lib/supervisor/open-files.js';
import {guardInspectorSignal} from '../lib/sys/signals.js';

// supervise DIR: runs ./run in DIR and keeps it running (daemontools 0.76). SIGTERM and SIGINT
// mean `svc -dx`: stop the service, then exit once it is gone (runit and daemontools-encore do
// the same; daemontools itself dies and leaves the service unsupervised). A service left running
// by a supervise that was killed is adopted, not started a second time.
guardInspectorSignal();
await runMain('supervise', async (args) => {
  if (args.length !== 1 || args[0] === '') throw new UsageError('supervise dir');
  const engine = new Supervisor({
    dir: args[0]!,
    reporter: {
      ...stderrReporter('supervise'),
      childFatal: (message) => writeStderr(fatalLine('supervise', message)),
    },
    spawn: {limits: serviceLimitsFromStartup()},
  });
  const stop = () => engine.send('dx');
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const outcome = await engine.start({adopt: true});
    if (outcome.kind !== 'started') throw new FatalError(outcome.message);
    await engine.exited;
    return 0;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
});
