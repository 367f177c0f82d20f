// multilog and tai64n throughput, ours against the real daemontools, on the same input in the
// same run (svlogd and s6-log beside them): ~200 MB (BENCH_MB) of lines of mixed length in a temp dir, given to each as stdin (a regular
// file, so both read it the same way). Best of three runs each; no thresholds, only figures.
import {spawnSync} from 'node:child_process';
import {closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {record} from './summary.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OURS = (name: string) => [process.execPath, join(ROOT, 'dist', 'bin', `${name}.js`)];
const RUNS = 3;
const work = mkdtempSync(join(tmpdir(), 'keepup-bench-multilog-'));

/** Lines of 10 to 1500 bytes (mostly short, as logs are), deterministic. */
function generate(path: string, bytes: number): number {
  const lengths = [12, 40, 60, 80, 80, 100, 120, 160, 200, 300, 500, 1500];
  const fd = openSync(path, 'w');
  const block: string[] = [];
  let written = 0;
  let lines = 0;
  let seed = 42;
  while (written < bytes) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const length = lengths[seed % lengths.length]!;
    const line = `${lines} service[${seed % 997}]: ${'event data '.repeat(Math.ceil(length / 11))}`.slice(0, length) + '\n';
    block.push(line);
    written += line.length;
    lines++;
    if (block.length === 4096) writeSync(fd, block.splice(0).join(''));
  }
  writeSync(fd, block.join(''));
  closeSync(fd);
  return lines;
}

function timeRun(command: string[], input: string, cwd: string): number {
  const fd = openSync(input, 'r');
  try {
    const start = process.hrtime.bigint();
    const result = spawnSync(command[0]!, command.slice(1), {cwd, stdio: [fd, 'ignore', 'inherit']});
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}`);
    return seconds;
  } finally {
    closeSync(fd);
  }
}

function best(command: string[], input: string, fresh: () => string): number {
  let fastest = Infinity;
  for (let i = 0; i < RUNS; i++) fastest = Math.min(fastest, timeRun(command, input, fresh()));
  return fastest;
}

let counter = 0;
function freshDir(): string {
  const dir = join(work, `run${counter++}`);
  mkdirSync(dir);
  return dir;
}

try {
  const input = join(work, 'input');
  const lines = generate(input, Number(process.env.BENCH_MB ?? 200) * 1024 * 1024);
  const megabytes = statSync(input).size / (1024 * 1024);
  process.stdout.write(`input: ${megabytes.toFixed(0)} MB, ${lines} lines, stdin from a regular file, best of ${RUNS}\n\n`);
  process.stdout.write('| case | daemontools | runit (svlogd) | s6 (s6-log) | keepup | keepup/daemontools time |\n|---|---|---|---|---|---|\n');
  const rate = (seconds: number) => `${(megabytes / seconds).toFixed(0)} MB/s, ${(lines / seconds / 1000).toFixed(0)}k lines/s (${seconds.toFixed(2)} s)`;
  // svlogd and s6-log log into an existing ./log, with the same size and count (svlogd from its config file).
  const withLogDir = () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'log'));
    writeFileSync(join(dir, 'log', 'config'), 's16777215\nn10\n');
    return dir;
  };
  const cases: Array<[string, string, string[], string[] | undefined, string[] | undefined, string]> = [
    ['multilog t s16777215 n10 ./log', 'multilog', ['t', 's16777215', 'n10', './log'], ['svlogd', '-t', './log'], ['s6-log', 't', 's16777215', 'n10', './log'], 'multilog with `t`'],
    ['multilog s16777215 n10 ./log', 'multilog', ['s16777215', 'n10', './log'], ['svlogd', './log'], ['s6-log', 's16777215', 'n10', './log'], 'multilog plain'],
    ['tai64n > /dev/null', 'tai64n', [], undefined, undefined, '`tai64n`'],
  ];
  for (const [label, name, args, runit, s6, figure] of cases) {
    const theirs = best([name, ...args], input, freshDir);
    const ours = best([...OURS(name), ...args], input, freshDir);
    const svlogd = runit ? best(runit, input, withLogDir) : undefined;
    const s6log = s6 ? best(s6, input, withLogDir) : undefined;
    const cell = (seconds: number | undefined) => (seconds === undefined ? '' : rate(seconds));
    process.stdout.write(`| ${label} | ${rate(theirs)} | ${cell(svlogd)} | ${cell(s6log)} | ${rate(ours)} | ${(ours / theirs).toFixed(2)} |\n`);
    const mbps = (seconds: number | undefined) => (seconds === undefined ? undefined : megabytes / seconds);
    record({
      figure: `${figure}, ${megabytes.toFixed(0)} MB`,
      unit: 'MB/s',
      keepup: mbps(ours)!,
      peers: {daemontools: mbps(theirs), runit: mbps(svlogd), s6: mbps(s6log)},
      higherIsBetter: true,
    });
    for (const entry of readdirSync(work)) if (entry.startsWith('run')) rmSync(join(work, entry), {recursive: true, force: true});
  }
} finally {
  rmSync(work, {recursive: true, force: true});
}
