// Chain-loaders and fghack, keepup vs the real daemontools measured in the same run: wall time
// from start to the exit of `TOOL ... true` (median of REPS), and the memory of the process
// that ends up running the program (it IS the program after exec: same for both).
import {spawn, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {record} from './summary.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ours = (name: string) => join(ROOT, 'dist', 'bin', `${name}.js`);
const theirs = (name: string) => `/usr/bin/${name}`;
const REPS = 21;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(command: string, args: string[], env = process.env): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env});
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
// A djbdns-style chain of three loaders, each exec'ing the next (run scripts of djbdns' services).
const CHAIN = ['envuidgid', ['nobody', 'envdir', envDir, 'softlimit', '-d', '300000', 'true']] as const;

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
    if (name === 'setuidgid') record({figure: 'one chain-loader (`setuidgid nobody true`)', unit: 'ms', keepup: median(a), peers: {daemontools: median(b)}});
  }
  {
    // keepup's chain runs keepup's loaders (its commands first on PATH), daemontools' Debian's.
    const oursEnv = {...process.env, PATH: `${join(ROOT, 'dist', 'commands')}:${process.env.PATH ?? '/usr/bin:/bin'}`};
    const a: number[] = [];
    const b: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      a.push(time(join(ROOT, 'dist', 'commands', CHAIN[0]), [...CHAIN[1]], oursEnv));
      b.push(time(theirs(CHAIN[0]), [...CHAIN[1]]));
    }
    const label = `envuidgid nobody envdir ENV softlimit -d 300000 true`;
    rows.push([label, median(a).toFixed(1), median(b).toFixed(2), (median(a) / median(b)).toFixed(0) + '×']);
    record({figure: 'a chain of three (`envuidgid U envdir ./env softlimit -d N true`)', unit: 'ms', keepup: median(a), peers: {daemontools: median(b)}});
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
