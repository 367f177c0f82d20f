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

await runMain('multilog', async (args) => {
  const writer = await LogWriter.open(parseScript(args), {
    reporter: stderrReporter('multilog'),
    stderr: (line) => process.stderr.write(line),
  });
  const session = new LogSession(openChunkReader(0, {chunkSize: 65536}), writer);
  process.on('SIGTERM', () => session.stop());
  process.on('SIGALRM', () => void session.rotate().catch(() => {}));
  await session.run();
  return 0;
});
