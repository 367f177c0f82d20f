import {writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {parseFrontendArgs} from '../lib/frontend/options.js';
import {describeReset} from '../lib/frontend/report.js';
import {resetService, succeeded} from '../lib/frontend/service.js';

// svcreset [-t seconds] [-s settle] SERVICE: back to what SERVICE/down says (stopped when it
// exists, started when it does not), as svcstop or svcstart would. Exit 0 or 1 likewise.
void runMain('svcreset', async (args) => {
  const options = parseFrontendArgs('svcreset', args, ['timeout', 'settle']);
  const reset = await resetService(options);
  const line = `svcreset: ${describeReset(options.service, reset)}\n`;
  if (!succeeded(reset.outcome)) return (writeStderr(line), 1);
  process.stdout.write(line);
  return 0;
});
