// svscan: keepup's one-process scanner vs Debian's svscan + one supervise per service, same run.
//   memory      PSS (and RSS) of the supervising processes only, for 100 and 1000 services
//   start-up    svscan started → every service of a 500-service tree has a child
//   idle CPU    user+system ticks of the supervising processes over BENCH_IDLE_SECONDS (60) with 100 services
//   new service mkdir of a service into a running tree → its child running (median of 5)
// Figures and ratios only; no thresholds. BENCH_SCALE=0.1 shrinks the trees for a quick look.
import {spawn, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {pidOf} from '../test/helpers/service-pid.js';
import {cpuTicks, pause, supervisingPids, waitUntil} from './service-probes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const TICKS_PER_SECOND = 100;

type Side = 'daemontools' | 'keepup';
const SIDES: Side[] = ['daemontools', 'keepup'];

function writeService(dir: string): void {
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 100000\n');
  chmodSync(join(dir, 'run'), 0o755);
}

function makeTree(count: number): {base: string; dirs: string[]} {
  const base = mkdtempSync(join(tmpdir(), 'keepup-bench-svscan-'));
  const dirs = Array.from({length: count}, (_, index) => join(base, `s${index}`));
  for (const dir of dirs) writeService(dir);
  return {base, dirs};
}

function startScanner(side: Side, base: string): ChildProcess {
  const [command, args] = side === 'daemontools' ? ['svscan', [base]] : [process.execPath, [join(root, 'dist', 'bin', 'svscan.js'), base]];
  return spawn(command, args, {stdio: ['ignore', 'ignore', 'ignore'], detached: true});
}

function memoryKiB(pids: number[]): {pss: number; rss: number} {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  }
  return {pss, rss};
}

function stopTree(scanner: ChildProcess, base: string): void {
  try {
    process.kill(-scanner.pid!, 'SIGKILL');
  } catch {
    // gone
  }
  for (const name of readdirSync(base)) {
    const pid = pidOf(join(base, name));
    for (const target of pid ? [-pid, pid] : []) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone, or not a group leader
      }
    }
  }
  pause(200);
  rmSync(base, {recursive: true, force: true});
}

/** Starts a tree, waits until every service runs, hands it to `measure`, then tears it down. */
function withTree<T>(side: Side, count: number, measure: (scanner: ChildProcess, tree: {base: string; dirs: string[]}, startMs: number) => T): T {
  const tree = makeTree(count);
  const t0 = performance.now();
  const scanner = startScanner(side, tree.base);
  try {
    waitUntil(() => tree.dirs.every((dir) => pidOf(dir) !== 0), `${side}: ${count} services running`, {timeoutMs: 300_000, pollMs: 2});
    return measure(scanner, tree, performance.now() - t0);
  } finally {
    stopTree(scanner, tree.base);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function row(label: string, values: Record<Side, number>, unit: string, digits = 1): void {
  const ratio = values.daemontools === 0 ? '—' : `${(values.keepup / values.daemontools).toFixed(2)}×`;
  console.log(`| ${label} | ${values.daemontools.toFixed(digits)} ${unit} | ${values.keepup.toFixed(digits)} ${unit} | ${ratio} |`);
}

console.log('| measure | daemontools | keepup | keepup / daemontools |');
console.log('|---|---|---|---|');
for (const count of [100, 1000].map((n) => Math.max(2, Math.round(n * SCALE)))) {
  const pss = {} as Record<Side, number>;
  const rss = {} as Record<Side, number>;
  for (const side of SIDES) {
    withTree(side, count, (scanner) => {
      pause(1000);
      const memory = memoryKiB(supervisingPids(side, scanner));
      pss[side] = memory.pss / 1024;
      rss[side] = memory.rss / 1024;
    });
  }
  row(`memory, ${count} services (PSS)`, pss, 'MB');
  row(`memory, ${count} services (RSS)`, rss, 'MB');
}

const startup = {} as Record<Side, number>;
const startCount = Math.max(2, Math.round(500 * SCALE));
for (const side of SIDES) withTree(side, startCount, (_scanner, _tree, ms) => (startup[side] = ms));
row(`start-up, ${startCount}-service tree`, startup, 'ms', 0);

const idle = {} as Record<Side, number>;
const idleCount = Math.max(2, Math.round(100 * SCALE));
for (const side of SIDES) {
  withTree(side, idleCount, (scanner) => {
    pause(2000);
    const pids = supervisingPids(side, scanner);
    const before = cpuTicks(pids);
    pause(IDLE_SECONDS * 1000);
    idle[side] = ((cpuTicks(pids) - before) / TICKS_PER_SECOND / IDLE_SECONDS) * 100;
  });
}
row(`idle CPU, ${idleCount} services over ${IDLE_SECONDS} s`, idle, '%', 3);

const pickup = {} as Record<Side, number>;
for (const side of SIDES) {
  withTree(side, 10, (_scanner, tree) => {
    const trials: number[] = [];
    for (let trial = 0; trial < 5; trial++) {
      const staging = join(tree.base, `.staging${trial}`);
      writeService(staging);
      const target = join(tree.base, `new${trial}`);
      const t0 = performance.now();
      renameSync(staging, target);
      waitUntil(() => pidOf(target) !== 0, `${side}: new service ${trial}`, {timeoutMs: 20_000, pollMs: 2});
      trials.push(performance.now() - t0);
    }
    pickup[side] = median(trials);
  });
}
row('new service: mkdir → child running (median of 5)', pickup, 'ms', 0);
