import {writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {parseFrontendArgs} from '../lib/frontend/options.js';
import {describeStart} from '../lib/frontend/report.js';
import {startService, succeeded} from '../lib/frontend/service.js';

// svcstart [-P] [-t seconds] [-s settle] SERVICE: bring SERVICE up (or run SERVICE/start) and
// check that it really runs. Exit 0 when it does, 1 when it does not.
void runMain('svcstart', async (args) => {
  const options = parseFrontendArgs('svcstart', args, ['persist', 'timeout', 'settle']);
  const outcome = await startService(options);
  const line = `svcstart: ${describeStart(options.service, outcome)}\n`;
  if (!succeeded(outcome)) return (writeStderr(line), 1);
  process.stdout.write(line);
  return 0;
});
