import {runMain} from '../lib/cli/run-main.js';
import {summarize} from '../lib/status/summary.js';
import {writeStdio} from '../lib/sys/fd-writer.js';

// svstat DIR...: one line per DIR on stdout, written at the end in one go; always exit 0.
void runMain('svstat', (args) => {
  // Whole seconds are all svstat shows: Date.now() spares loading perf_hooks (systemTime's fine clock).
  const now = Date.now();
  const text = args.map((dir) => `${dir}: ${summarize(dir, now)}\n`).join('');
  if (text) writeStdio(1, text);
  return 0;
});
