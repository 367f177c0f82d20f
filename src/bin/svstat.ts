import {runMain} from '../lib/cli/run-main.js';
import {summarize} from '../lib/status/summary.js';

// svstat DIR...: one line per DIR on stdout, written at the end in one go; always exit 0.
await runMain('svstat', (args) => {
  const now = Date.now();
  const text = args.map((dir) => `${dir}: ${summarize(dir, now)}\n`).join('');
  if (text) process.stdout.write(text);
  return 0;
});
