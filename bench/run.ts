// `npm run bench`: runs every bench/*.bench.ts (built into compiled/bench) one after another.
// Each benchmark measures keepup side by side with the real daemontools (or the shell) in the
// same run and prints ratios. Not part of the test suite: no thresholds, only figures. The run
// ends with one summary table of every benchmark's headline figures (bench/summary.ts), with the
// machine's `node -e 0` as the reference line; BENCH_README=1 also puts that table into the
// README's performance section.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, loadavg, tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {median, readRows, SUMMARY_VARIABLE, table} from './summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.js'))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();
const work = mkdtempSync(join(tmpdir(), 'keepup-bench-summary-'));
const summary = join(work, 'rows');
// NODE_EXTRA_CA_CERTS adds ~55 ms to every Node start: never measure with it.
const env: NodeJS.ProcessEnv = {...process.env, [SUMMARY_VARIABLE]: summary};
delete env.NODE_EXTRA_CA_CERTS;

function nodeStartMs(): number {
  const samples: number[] = [];
  for (let i = 0; i < 21; i++) {
    const begin = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], {stdio: 'ignore', env});
    samples.push(Number(process.hrtime.bigint() - begin) / 1e6);
  }
  return median(samples);
}

const before = nodeStartMs();
const load = loadavg()[0]!.toFixed(1);
let failed = 0;
for (const name of files) {
  process.stdout.write(`\n## ${name.replace(/\.bench\.js$/, '')}\n`);
  const result = spawnSync(process.execPath, [join(here, name)], {stdio: 'inherit', env});
  if (result.status !== 0) failed++;
}
if (files.length === 0) process.stdout.write('no benchmarks found\n');
const nodeMs = (before + nodeStartMs()) / 2;
const rows = [{figure: '`node -e 0` (reference)', unit: 'ms', keepup: nodeMs, peers: {}}, ...readRows(summary)];
const heading = `${cpus().length} cores, load average ${load} at the start, Node ${process.version}, medians unless said`;
const text = `${heading}\n\n${table(rows)}`;
process.stdout.write(`\n## summary\n\n${text}`);
if (process.env.BENCH_README === '1' && only.length === 0) {
  const readme = join(here, '..', '..', 'README.md');
  const old = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->\n';
  const end = '<!-- bench:end -->';
  const from = old.indexOf(start);
  const to = old.indexOf(end);
  if (from >= 0 && to > from) writeFileSync(readme, old.slice(0, from + start.length) + text + old.slice(to));
}
rmSync(work, {recursive: true, force: true});
process.exitCode = failed === 0 ? 0 : 1;
