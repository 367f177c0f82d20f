// readproctitle L... D: shows the tail of its input in the process list, in place of D.
import {readSync} from 'node:fs';
import {runMain} from '../lib/cli/run-main.js';
import {EXIT_TEMPORARY, EXIT_USAGE} from '../lib/cli/exit-codes.js';
import {MINIMUM_LENGTH, RollingTitle} from '../lib/proctitle/rolling.js';
import {guardInspectorSignal} from '../lib/sys/signals.js';
import {errnoCode} from '../lib/sys/errno.js';

void runMain('readproctitle', (args) => {
  const last = args.at(-1);
  // daemontools exits 100 silently here: there is no usage message.
  if (last === undefined || Buffer.byteLength(last) < MINIMUM_LENGTH) return EXIT_USAGE;
  guardInspectorSignal();
  const head = ['readproctitle', ...args.slice(0, -1)].join(' ');
  const title = new RollingTitle(Buffer.byteLength(last));
  const show = () => (process.title = `${head} ${title.text()}`);
  show();
  const chunk = Buffer.alloc(4096);
  for (;;) {
    let length: number;
    try {
      length = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EINTR') continue;
      // A non-blocking stdin: wait a little instead of spinning.
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      return EXIT_TEMPORARY;
    }
    if (length === 0) return 0;
    title.feed(chunk.subarray(0, length));
    show();
  }
});
