import {writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {parseFrontendArgs} from '../lib/frontend/options.js';
import {describeRestart} from '../lib/frontend/report.js';
import {restartService, restartSucceeded} from '../lib/frontend/service.js';

// svcrestart [-t seconds] [-s settle] SERVICE: when SERVICE runs now, stop it and start it
// again (SERVICE/stop and SERVICE/start when present). Exit 0 when it runs again or was not
// running (left alone), 1 when it did not stop or did not come back.
void runMain('svcrestart', async (args) => {
  const options = parseFrontendArgs('svcrestart', args, ['timeout', 'settle']);
  const restart = await restartService(options);
  const line = `svcrestart: ${describeRestart(options.service, restart)}\n`;
  if (!restartSucceeded(restart)) return (writeStderr(line), 1);
  process.stdout.write(line);
  return 0;
});
