// Chain-loaders and fghack, keepup vs the real daemontools measured in the same run: wall time
// from start to the exit of `TOOL ... true` (median of REPS), and the memory of the process
// that ends up running the program (it IS the program after exec: same for both).
import {spawn, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ours = (name: string) => join(ROOT, 'dist', 'bin', `${name}.js`);
const theirs = (name: string) => `/usr/bin/${name}`;
const REPS = 21;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'});
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.status} ${result.stderr}`);
  return elapsed;
}

/** RSS in kB of the pid once it runs sleep (the exec'd program), or of fghack itself. */
async function rssOf(command: string, args: string[], whose: 'program' | 'tool'): Promise<number> {
  const child = spawn(command, args, {stdio: 'ignore', detached: true});
  const pid = child.pid!;
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      const ready = whose === 'program' ? exe === '/usr/bin/sleep' && cmdline.startsWith('sleep\0') : !exe.endsWith('/sh');
      if (ready) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      }
      if (Date.now() > deadline) throw new Error(`${command} did not get going`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'keepup-bench-'));
const envDir = join(dir, 'env');
mkdirSync(envDir);
for (let i = 0; i < 20; i++) writeFileSync(join(envDir, `VAR${i}`), `value ${i}\n`);
const lock = join(dir, 'lock');

const CASES: Array<[string, string, string[]]> = [
  ['setuidgid nobody true', 'setuidgid', ['nobody', 'true']],
  ['envuidgid nobody true', 'envuidgid', ['nobody', 'true']],
  ['envdir (20 files) true', 'envdir', [envDir, 'true']],
  ['softlimit -m 1e8 -o 100 true', 'softlimit', ['-m', '100000000', '-o', '100', 'true']],
  ['setlock -n FILE true', 'setlock', ['-n', lock, 'true']],
  ['pgrphack true', 'pgrphack', ['true']],
  ['fghack true', 'fghack', ['true']],
];

try {
  const rows: string[][] = [];
  for (const [label, name, args] of CASES) {
    const a: number[] = [];
    const b: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      a.push(time(ours(name), args));
      b.push(time(theirs(name), args));
    }
    rows.push([label, median(a).toFixed(1), median(b).toFixed(2), (median(a) / median(b)).toFixed(0) + '×']);
  }
  process.stdout.write(`median wall time of ${REPS} runs, ms\n\n| command | keepup | daemontools | ratio |\n|---|---|---|---|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);

  const program = ['nobody', 'sleep', '1000'];
  const rssOurs = await rssOf(ours('setuidgid'), program, 'program');
  const rssTheirs = await rssOf(theirs('setuidgid'), program, 'program');
  const fgOurs = await rssOf(ours('fghack'), ['sleep', '1000'], 'tool');
  const fgTheirs = await rssOf(theirs('fghack'), ['sleep', '1000'], 'tool');
  process.stdout.write(`\nRSS, kB\n\n| process | keepup | daemontools |\n|---|---|---|\n`);
  process.stdout.write(`| the pid after \`setuidgid nobody sleep\` (it is sleep) | ${rssOurs} | ${rssTheirs} |\n`);
  process.stdout.write(`| resident fghack around sleep | ${fgOurs} | ${fgTheirs} |\n`);
} finally {
  rmSync(dir, {recursive: true, force: true});
}
