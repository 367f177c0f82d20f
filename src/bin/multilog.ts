import {runMain} from '../lib/cli/run-main.js';
import {stderrReporter} from '../lib/cli/messages.js';
import {LogSession} from '../lib/log-writer/session.js';
import {parseScript} from '../lib/log-writer/script.js';
import {LogWriter} from '../lib/log-writer/writer.js';
import {openChunkReader} from '../lib/sys/fd-reader.js';
import {guardInspectorSignal} from '../lib/sys/signals.js';

// multilog SCRIPT...: reads stdin and writes it to log directories per the script.
// SIGTERM: finish the current line, then exit 0. SIGALRM: rotate every non-empty log.
// Exit 0 at end of input; 111 when the logs cannot be set up (nothing is read then).
guardInspectorSignal();
process.umask(0o022);
process.stderr.on('error', () => {});
// Signals are caught from the start (daemontools blocks them during set-up) and act once the
// session exists: a TERM during set-up ends multilog before it reads anything.
let session: LogSession | undefined;
let stopRequested = false;
process.on('SIGTERM', () => (session ? session.stop() : (stopRequested = true)));
process.on('SIGALRM', () => void session?.rotate().catch(() => {}));

void runMain('multilog', async (args) => {
  const writer = await LogWriter.open(parseScript(args), {
    reporter: stderrReporter('multilog'),
    stderr: (line) => process.stderr.write(line),
  });
  session = new LogSession(openChunkReader(0, {chunkSize: 65536}), writer);
  if (stopRequested) session.stop();
  await session.run();
  return 0;
});
