// supervise: restart latency and the memory of supervising 100 services, keepup vs Debian's
// daemontools 0.76, measured in the same run. No thresholds: figures and ratios only.
//   restart latency: kill -9 of the child → a new pid in supervise/status (polled every 0.1 ms);
//     trials are spaced 1.1 s apart so neither side's 1 s start throttle applies.
//   memory: RSS and PSS from /proc/PID/smaps_rollup of the supervising processes only (not the
//     services): real = 100 supervise processes summed; ours = one Node process running 100
//     engines (svscan's shape), and 100 standalone `supervise` Node processes for honesty.
// BENCH_TRIALS (default 40) and BENCH_SERVICES (default 100) scale it down for a quick look.
import {spawn, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {pidOf} from '../test/helpers/service-pid.js';
import {pause, waitUntil} from './service-probes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const TRIALS = Number(process.env.BENCH_TRIALS ?? 40);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);

type Side = 'daemontools' | 'keepup';

function makeServices(base: string, count: number): string[] {
  return Array.from({length: count}, (_, index) => {
    const dir = join(base, `svc${index}`);
    mkdirSync(dir, {recursive: true});
    writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 100000\n');
    chmodSync(join(dir, 'run'), 0o755);
    return dir;
  });
}

function superviseCommand(side: Side, dir: string): [string, string[]] {
  return side === 'daemontools' ? ['supervise', [dir]] : [process.execPath, [join(root, 'dist', 'bin', 'supervise.js'), dir]];
}

const started: ChildProcess[] = [];
const serviceDirs: string[] = [];

function startSupervisor(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, {stdio: ['ignore', 'ignore', 'inherit'], detached: true});
  started.push(child);
  return child;
}

function cleanup(): void {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  pause(100);
  for (const dir of serviceDirs) {
    const pid = pidOf(dir);
    for (const target of pid ? [-pid, pid] : []) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function restartLatency(base: string): Record<Side, number[]> {
  const sides: Side[] = ['daemontools', 'keepup'];
  const dirs = Object.fromEntries(sides.map((side) => [side, makeServices(join(base, `latency-${side}`), 1)[0]!])) as Record<Side, string>;
  for (const side of sides) {
    serviceDirs.push(dirs[side]);
    startSupervisor(...superviseCommand(side, dirs[side]));
    waitUntil(() => pidOf(dirs[side]) > 0, `${side} up`);
  }
  pause(1100);
  const samples: Record<Side, number[]> = {daemontools: [], keepup: []};
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const side of sides) {
      const dir = dirs[side];
      const old = pidOf(dir);
      const begin = process.hrtime.bigint();
      process.kill(old, 'SIGKILL');
      let pid = old;
      while (pid === old || pid === 0) {
        pause(0.1);
        pid = pidOf(dir);
      }
      samples[side].push(Number(process.hrtime.bigint() - begin) / 1e6);
    }
    pause(1100);
  }
  return samples;
}

interface Memory {
  rssKb: number;
  pssKb: number;
}

function memoryOf(pids: number[]): Memory {
  const total = {rssKb: 0, pssKb: 0};
  for (const pid of pids) {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    total.rssKb += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    total.pssKb += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

function manyStandalone(base: string, side: Side): Memory {
  const dirs = makeServices(join(base, `many-${side}`), SERVICES);
  serviceDirs.push(...dirs);
  const children = dirs.map((dir) => startSupervisor(...superviseCommand(side, dir)));
  waitUntil(() => dirs.every((dir) => pidOf(dir) > 0), `${SERVICES} ${side} services up`, {timeoutMs: 180_000});
  pause(500);
  return memoryOf(children.map((child) => child.pid!));
}

function manyEngines(base: string): Memory {
  const dirs = makeServices(join(base, 'many-engines'), SERVICES);
  serviceDirs.push(...dirs);
  const driver = startSupervisor(process.execPath, [join(here, 'engines-driver.js'), ...dirs]);
  waitUntil(() => dirs.every((dir) => pidOf(dir) > 0), `${SERVICES} engines up`, {timeoutMs: 180_000});
  pause(500);
  return memoryOf([driver.pid!]);
}

function row(cells: Array<string | number>): string {
  return '| ' + cells.map(String).join(' | ') + ' |';
}

const base = mkdtempSync(join(tmpdir(), 'keepup-bench-'));
try {
  const samples = restartLatency(base);
  const stats = (side: Side) => {
    const sorted = [...samples[side]].sort((a, b) => a - b);
    return {median: percentile(sorted, 50), p99: percentile(sorted, 99)};
  };
  const real = stats('daemontools');
  const ours = stats('keepup');
  console.log(`\nrestart latency, kill -9 → new pid in status (${TRIALS} trials each, ms)\n`);
  console.log(row(['', 'daemontools supervise', 'keepup supervise', 'ratio keepup/daemontools']));
  console.log(row(['---', '---', '---', '---']));
  console.log(row(['median', real.median.toFixed(2), ours.median.toFixed(2), (ours.median / real.median).toFixed(2)]));
  console.log(row(['p99', real.p99.toFixed(2), ours.p99.toFixed(2), (ours.p99 / real.p99).toFixed(2)]));

  const realMemory = manyStandalone(base, 'daemontools');
  const engines = manyEngines(base);
  const standalone = manyStandalone(base, 'keepup');
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  console.log(`\nmemory of the supervisors for ${SERVICES} services (MB, services themselves excluded)\n`);
  console.log(row(['', 'RSS', 'PSS', 'PSS ratio vs daemontools']));
  console.log(row(['---', '---', '---', '---']));
  console.log(row([`daemontools: ${SERVICES} supervise`, mb(realMemory.rssKb), mb(realMemory.pssKb), '1.00']));
  console.log(row([`keepup: 1 process, ${SERVICES} engines`, mb(engines.rssKb), mb(engines.pssKb), (engines.pssKb / realMemory.pssKb).toFixed(2)]));
  console.log(row([`keepup: ${SERVICES} standalone supervise`, mb(standalone.rssKb), mb(standalone.pssKb), (standalone.pssKb / realMemory.pssKb).toFixed(2)]));
} finally {
  cleanup();
  rmSync(base, {recursive: true, force: true});
}
