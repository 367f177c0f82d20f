// Bench-only driver: one Node process running a Supervisor engine for every directory given
// on the command line (the shape svscan will have). Prints `ready N` once every engine has
// started, then runs until killed.
import {Supervisor} from '../src/lib/supervisor/engine.js';
import {guardInspectorSignal} from '../src/lib/sys/signals.js';

guardInspectorSignal();
const engines = process.argv.slice(2).map(
  (dir) =>
    new Supervisor({
      dir,
      reporter: {warn: (message) => process.stderr.write(`bench: warning: ${message}\n`), childFatal: (message) => process.stderr.write(`bench: ${message}\n`)},
      spawn: {stdio: ['ignore', 'ignore', 'inherit']},
    }),
);
let started = 0;
for (const engine of engines) {
  const outcome = await engine.start();
  if (outcome.kind === 'started') started++;
  else process.stderr.write(`bench: ${outcome.message}\n`);
}
process.stdout.write(`ready ${started}\n`);
