import {writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {parseFrontendArgs} from '../lib/frontend/options.js';
import {describeStop} from '../lib/frontend/report.js';
import {stopService, succeeded} from '../lib/frontend/service.js';

// svcstop [-P] [-t seconds] SERVICE: take SERVICE down (or run SERVICE/stop) and check that
// it really stopped. Exit 0 when it did, 1 when it did not.
void runMain('svcstop', async (args) => {
  const options = parseFrontendArgs('svcstop', args, ['persist', 'timeout']);
  const outcome = await stopService(options);
  const line = `svcstop: ${describeStop(options.service, outcome)}\n`;
  if (!succeeded(outcome)) return (writeStderr(line), 1);
  process.stdout.write(line);
  return 0;
});
