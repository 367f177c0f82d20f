// svscan: keepup's one-process scanner vs Debian's svscan + one supervise per service, same run.
//   memory      PSS (and RSS) of the supervising processes only, for 100 and 1000 services
//   start-up    svscan started → every service of a 500-service tree has a child
//   idle        user+system ticks and context switches (wake-ups) of the supervising processes over
//               BENCH_IDLE_SECONDS (60) with 100 services, after BENCH_IDLE_SETTLE_SECONDS (15)
//   logged tree memory of 100 services whose log/run is `exec multilog t ./main`, loggers included
// (runit's runsvdir and s6-svscan also for start-up and idle).
//   new service mkdir of a service into a running tree → its child running (median of 5)
// Figures and ratios only; no thresholds. BENCH_SCALE=0.1 shrinks the trees for a quick look.
import {spawn, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {pidOf} from '../test/helpers/service-pid.js';
import {anonKb, commOf, cpuTicks, descendants, pause, runitPid, s6Pid, waitUntil, wakeUps} from './service-probes.js';
import {median, record} from './summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const IDLE_SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 15);
const TICKS_PER_SECOND = 100;

type Side = 'daemontools' | 'runit' | 's6' | 'keepup';
const SIDES: Side[] = ['daemontools', 'keepup'];
const ALL_SIDES: Side[] = ['daemontools', 'runit', 's6', 'keepup'];
const SCANNERS: Record<Side, (base: string) => [string, string[]]> = {
  daemontools: (base) => ['svscan', [base]],
  runit: (base) => ['runsvdir', [base]],
  s6: (base) => ['s6-svscan', [base]],
  keepup: (base) => [process.execPath, [join(root, 'dist', 'bin', 'svscan.js'), base]],
};
const PIDS: Record<Side, (dir: string) => number> = {daemontools: pidOf, runit: runitPid, s6: s6Pid, keepup: pidOf};
// keepup's tree finds keepup's commands first on PATH (as under svscanboot), daemontools' Debian's.
const KEEPUP_PATH = `${join(root, 'dist', 'commands')}:${process.env.PATH ?? '/usr/bin:/bin'}`;

function writeService(dir: string, logged = false): void {
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 100000\n');
  chmodSync(join(dir, 'run'), 0o755);
  if (!logged) return;
  mkdirSync(join(dir, 'log'));
  writeFileSync(join(dir, 'log', 'run'), '#!/bin/sh\nexec multilog t ./main\n');
  chmodSync(join(dir, 'log', 'run'), 0o755);
}

function makeTree(count: number, logged = false): {base: string; dirs: string[]} {
  const base = mkdtempSync(join(tmpdir(), 'keepup-bench-svscan-'));
  const dirs = Array.from({length: count}, (_, index) => join(base, `s${index}`));
  for (const dir of dirs) writeService(dir, logged);
  return {base, dirs};
}

function startScanner(side: Side, base: string): ChildProcess {
  const [command, args] = SCANNERS[side](base);
  const env = side === 'keepup' ? {...process.env, PATH: KEEPUP_PATH} : process.env;
  return spawn(command, args, {stdio: ['ignore', 'ignore', 'ignore'], detached: true, env});
}

/** The scanner and every process under it but the services themselves (sleep): supervisors and loggers. */
function supervising(scanner: ChildProcess): number[] {
  return [scanner.pid!, ...descendants(scanner.pid!).filter((pid) => commOf(pid) !== 'sleep')];
}

function memoryKiB(pids: number[]): {pss: number; rss: number; anon: number} {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return {pss, rss, anon: anonKb(pids)};
}

function stopTree(scanner: ChildProcess, base: string): void {
  for (const pid of [scanner.pid!, ...descendants(scanner.pid!)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  pause(200);
  rmSync(base, {recursive: true, force: true});
}

/** Starts a tree, waits until every service (and logger) runs, hands it to `measure`, then tears it down. */
function withTree<T>(side: Side, count: number, measure: (scanner: ChildProcess, tree: {base: string; dirs: string[]}, startMs: number) => T, logged = false): T {
  const tree = makeTree(count, logged);
  const pid = PIDS[side];
  const t0 = performance.now();
  const scanner = startScanner(side, tree.base);
  try {
    const running = () => tree.dirs.every((dir) => pid(dir) !== 0 && (!logged || pid(join(dir, 'log')) !== 0));
    waitUntil(running, `${side}: ${count} services running`, {timeoutMs: 300_000, pollMs: 2});
    return measure(scanner, tree, performance.now() - t0);
  } finally {
    stopTree(scanner, tree.base);
  }
}

function row(label: string, values: Partial<Record<Side, number>>, unit: string, digits = 1): void {
  const ratio = !values.daemontools ? '—' : `${(values.keepup! / values.daemontools).toFixed(2)}×`;
  const cell = (side: Side) => (values[side] === undefined ? '' : `${values[side].toFixed(digits)} ${unit}`);
  console.log(`| ${label} | ${ALL_SIDES.map(cell).join(' | ')} | ${ratio} |`);
}

function summarise(figure: string, values: Partial<Record<Side, number>>, unit: string): void {
  record({figure, unit, keepup: values.keepup!, peers: {daemontools: values.daemontools, runit: values.runit, s6: values.s6}});
}

console.log('| measure | daemontools | runit | s6 | keepup | keepup / daemontools |');
console.log('|---|---|---|---|---|---|');
const memoryCounts = [100, 1000].map((n) => Math.max(2, Math.round(n * SCALE)));
const anonymous: Array<Partial<Record<Side, number>>> = [];
for (const count of memoryCounts) {
  const pss: Partial<Record<Side, number>> = {};
  const rss: Partial<Record<Side, number>> = {};
  const anon: Partial<Record<Side, number>> = {};
  for (const side of SIDES) {
    withTree(side, count, (scanner) => {
      pause(1000);
      const memory = memoryKiB(supervising(scanner));
      pss[side] = memory.pss / 1024;
      rss[side] = memory.rss / 1024;
      anon[side] = memory.anon / 1024;
    });
  }
  row(`memory, ${count} services (PSS)`, pss, 'MB');
  row(`memory, ${count} services (RSS)`, rss, 'MB');
  row(`memory, ${count} services (anonymous)`, anon, 'MB');
  anonymous.push(anon);
}
record({
  figure: `memory, ${memoryCounts.join(' / ')} services, anonymous`,
  unit: 'MB',
  keepup: anonymous[0]!.keepup!,
  peers: {daemontools: anonymous[0]!.daemontools},
  note: `${memoryCounts[1]}: ${anonymous[1]!.keepup!.toFixed(1)} against ${anonymous[1]!.daemontools!.toFixed(1)} MB, ${(anonymous[1]!.keepup! / anonymous[1]!.daemontools!).toFixed(2)}×`,
});

const loggedCount = Math.max(2, Math.round(100 * SCALE));
const logged: Partial<Record<Side, number>> = {};
for (const side of SIDES) {
  withTree(
    side,
    loggedCount,
    (scanner) => {
      pause(1000);
      logged[side] = memoryKiB(supervising(scanner)).anon / 1024;
    },
    true,
  );
}
row(`memory, ${loggedCount} services whose log/run execs multilog (anonymous)`, logged, 'MB');
summarise(`memory, ${loggedCount} services whose \`log/run\` execs multilog, anonymous`, logged, 'MB');

const startup: Partial<Record<Side, number>> = {};
const startCount = Math.max(2, Math.round(500 * SCALE));
for (const side of ALL_SIDES) withTree(side, startCount, (_scanner, _tree, ms) => (startup[side] = ms));
row(`start-up, ${startCount}-service tree`, startup, 'ms', 0);
summarise(`${startCount}-service tree, scanner start → every status names a pid`, startup, 'ms');

const idle: Partial<Record<Side, number>> = {};
const woken: Partial<Record<Side, number>> = {};
const idleCount = Math.max(2, Math.round(100 * SCALE));
for (const side of ALL_SIDES) {
  withTree(side, idleCount, (scanner) => {
    // Settled first: Node's V8 runs one memory-reducing GC ~8 s after start-up (one burst of
    // ~60 context switches over its threads, then nothing); the window measures the steady state.
    pause(IDLE_SETTLE_SECONDS * 1000);
    const pids = supervising(scanner);
    const before = cpuTicks(pids);
    const wakes = wakeUps(pids);
    pause(IDLE_SECONDS * 1000);
    idle[side] = ((cpuTicks(pids) - before) / TICKS_PER_SECOND / IDLE_SECONDS) * 60_000;
    woken[side] = ((wakeUps(pids) - wakes) / IDLE_SECONDS) * 60;
  });
}
row(`idle, ${idleCount} services: on-CPU per 60 s (over ${IDLE_SECONDS} s)`, idle, 'ms', 0);
row(`idle, ${idleCount} services: wake-ups per 60 s`, woken, '', 0);
summarise(`idle, ${idleCount} services: on-CPU per 60 s`, idle, 'ms');
summarise(`idle, ${idleCount} services: wake-ups (context switches) per 60 s`, woken, '');

const pickup: Partial<Record<Side, number>> = {};
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
