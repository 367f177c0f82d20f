import {FatalError, UsageError} from '../lib/cli/errors.js';
import {fatalLine, stderrReporter, writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {Supervisor} from '../lib/supervisor/engine.js';
import {DEFAULT_STOP_TIMEOUT_MS} from '../lib/supervisor/state.js';
import {serviceLimitsFromStartup} from '../lib/limits/open-files.js';
import {guardInspectorSignal} from '../lib/sys/signals.js';
import {systemTime, type TimerHandle} from '../lib/time/time.js';

// supervise DIR: runs ./run in DIR and keeps it running (daemontools 0.76). SIGTERM and SIGINT
// mean `svc -dx`: stop the service, then exit once it is gone (runit and daemontools-encore do
// the same; daemontools itself dies and leaves the service unsupervised). A service left running
// by a supervise that was killed is adopted, not started a second time. DIR is held open from
// the start: renaming it or re-pointing a symlink to it changes nothing, as daemontools' chdir.
const RETRY_MS = 1000;

guardInspectorSignal();
void runMain('supervise', async (args) => {
  if (args.length !== 1 || args[0] === '') throw new UsageError('supervise dir');
  const reporter = stderrReporter('supervise');
  const engine = new Supervisor({
    dir: args[0]!,
    reporter: {...reporter, childFatal: (message) => writeStderr(fatalLine('supervise', message))},
    spawn: {limits: serviceLimitsFromStartup()},
  });
  let stopping = false;
  let wake = () => {};
  const stop = () => {
    stopping = true;
    wake();
    void engine.stop(DEFAULT_STOP_TIMEOUT_MS);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    // A directory someone else could write is not touched: one line, then a look every second.
    let refusal: string | undefined;
    for (;;) {
      const outcome = await engine.start({adopt: true});
      if (outcome.kind === 'started') break;
      if (outcome.kind !== 'refused') throw new FatalError(outcome.message);
      if (outcome.message !== refusal) reporter.warn(outcome.message);
      refusal = outcome.message;
      let timer: TimerHandle | undefined;
      await new Promise<void>((resolve) => ((wake = resolve), (timer = systemTime.setTimeout(resolve, RETRY_MS))));
      if (timer !== undefined) systemTime.clearTimeout(timer);
      if (stopping) return 0;
    }
    await engine.exited;
    return 0;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
});
