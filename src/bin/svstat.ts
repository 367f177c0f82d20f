import {runMain} from '../lib/cli/run-main.js';
import {summarize} from '../lib/status/summary.js';
import {systemTime} from '../lib/time/time.js';

// svstat DIR...: one line per DIR on stdout, written at the end in one go; always exit 0.
await runMain('svstat', (args) => {
  const now = systemTime.now();
  const text = args.map((dir) => `${dir}: ${summarize(dir, now)}\n`).join('');
  if (text) process.stdout.write(text);
  return 0;
});
