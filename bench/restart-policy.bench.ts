// restart policy: 500 services whose `run` exits at once, over and over, for 60 s, under keepup's
// svscan with keepup's default restart policy (a `restart-policy` file as keepup supervise writes
// it: backoff from 1 s doubling to 60 s, give up after 10 starts within 300 s) and under Debian's
// svscan (daemontools' fixed 1 s), side by side in one run:
//   supervisor CPU   CPU time (schedstat) of the supervising processes (keepup: the scanner; daemontools:
//                    svscan and every supervise) over the window
//   wake-ups         context switches (voluntary + involuntary) of those processes over the window
//   restarts         starts of `run` seen over the window (each run appends one byte to `started`)
// BENCH_POLICY_SECONDS sets the window (60); BENCH_QUICK=1 makes it 10 s; BENCH_POLICY_SERVICES
// the count (500). Figures and ratios only; no thresholds.
import {spawn} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {formatPolicyFile, resolvePolicy} from '../src/lib/policy/policy.js';
import {cpuSeconds, crashLoopTree, pause, startsSeen, stopTree, supervisingPids, waitUntil} from './service-probes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SECONDS = Number(process.env.BENCH_POLICY_SECONDS ?? (process.env.BENCH_QUICK ? 10 : 60));
const COUNT = Number(process.env.BENCH_POLICY_SERVICES ?? 500);

type Side = 'daemontools' | 'keepup';
const SIDES: Side[] = ['daemontools', 'keepup'];

interface Figures {
  cpuSeconds: number;
  wakeups: number;
  restarts: number;
}

function makeTree(side: Side): {base: string; dirs: string[]} {
  const policy = formatPolicyFile(resolvePolicy(undefined, 'resident'));
  return crashLoopTree('policy', COUNT, side === 'keepup' ? (dir) => writeFileSync(join(dir, 'restart-policy'), policy) : undefined);
}

function contextSwitches(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/status`, 'latin1');
      total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

function measure(side: Side): Figures {
  const {base, dirs} = makeTree(side);
  const [command, args] = side === 'daemontools' ? ['svscan', [base]] : [process.execPath, [join(root, 'dist', 'bin', 'svscan.js'), base]];
  const scanner = spawn(command, args, {stdio: ['ignore', 'ignore', 'ignore'], detached: true});
  try {
    waitUntil(() => startsSeen(dirs) >= COUNT, `${side}: every service started once`, {timeoutMs: 300_000, pollMs: 20});
    const pids0 = supervisingPids(side, scanner);
    const cpu0 = cpuSeconds(pids0);
    const switches0 = contextSwitches(pids0);
    const restarts0 = startsSeen(dirs);
    pause(SECONDS * 1000);
    const pids = supervisingPids(side, scanner);
    return {cpuSeconds: cpuSeconds(pids) - cpu0, wakeups: contextSwitches(pids) - switches0, restarts: startsSeen(dirs) - restarts0};
  } finally {
    stopTree(side, scanner, base);
  }
}

function row(label: string, values: Record<Side, number>, digits = 0): void {
  const ratio = values.daemontools === 0 ? '—' : `${(values.keepup / values.daemontools).toFixed(3)}×`;
  console.log(`| ${label} | ${values.daemontools.toFixed(digits)} | ${values.keepup.toFixed(digits)} | ${ratio} |`);
}

console.log(`${COUNT} crash-looping services for ${SECONDS} s: keepup's default restart policy against daemontools' fixed 1 s`);
console.log('| measure | daemontools | keepup (default policy) | keepup / daemontools |');
console.log('|---|---|---|---|');
const figures = {} as Record<Side, Figures>;
for (const side of SIDES) figures[side] = measure(side);
const pick = (key: keyof Figures) => ({daemontools: figures.daemontools[key], keepup: figures.keepup[key]});
row('supervisor CPU (s)', pick('cpuSeconds'), 3);
row('supervisor wake-ups (context switches)', pick('wakeups'));
row('restarts', pick('restarts'));
