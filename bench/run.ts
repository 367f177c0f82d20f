// `npm run bench`: runs every bench/*.bench.ts (built into compiled/bench) one after another.
// Each benchmark measures keepup side by side with the real daemontools (or the shell) in the
// same run and prints ratios. Not part of the test suite: no thresholds, only figures.
import {spawnSync} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.js'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();
// NODE_EXTRA_CA_CERTS adds ~55 ms to every Node start: never measure with it.
const env = {...process.env};
delete env.NODE_EXTRA_CA_CERTS;
let failed = 0;
for (const name of files) {
  process.stdout.write(`\n## ${name.replace(/\.bench\.js$/, '')}\n`);
  const result = spawnSync(process.execPath, [join(here, name)], {stdio: 'inherit', env});
  if (result.status !== 0) failed++;
}
if (files.length === 0) process.stdout.write('no benchmarks found\n');
process.exitCode = failed === 0 ? 0 : 1;
