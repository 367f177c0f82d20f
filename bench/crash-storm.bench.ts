// crash storm: 200 and 1000 services whose `run` exits at once, over and over, under keepup's
// svscan and under Debian's svscan (one supervise per service), in the same run:
//   CPU per restart   utime+stime of the supervising processes (keepup: the scanner; daemontools:
//                     svscan and every supervise) over the storm, divided by the restarts seen
//   restarts/s        restarts seen (each run appends one byte to its `started` file)
//   svc -d latency    `svc -d` on one service → Debian's svstat says down (median of 5, during the storm)
//   memory            RSS and anonymous memory of the supervising processes, at start and end
// BENCH_STORM_SECONDS sets the storm's length (60); BENCH_QUICK=1 makes it 10 s.
// Figures and ratios only; no thresholds.
import {spawn, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {cpuTicks, crashLoopTree, pause, startsSeen, stopTree, supervisingPids, waitUntil} from './service-probes.js';
import {record} from './summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SECONDS = Number(process.env.BENCH_STORM_SECONDS ?? (process.env.BENCH_QUICK ? 10 : 60));
const TICKS_PER_SECOND = 100;

type Side = 'daemontools' | 'keepup';
const SIDES: Side[] = ['daemontools', 'keepup'];

interface Figures {
  cpuPerRestartMs: number;
  restartsPerSecond: number;
  downMs: number;
  rssStartMB: number;
  rssEndMB: number;
  anonStartMB: number;
  anonEndMB: number;
}

function memoryMB(pids: number[]): {rss: number; anon: number} {
  let rss = 0;
  let anon = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/status`, 'latin1');
      rss += Number(/^VmRSS:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      anon += Number(/^RssAnon:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return {rss: rss / 1024, anon: anon / 1024};
}

function svstatSays(dir: string, word: string): boolean {
  return spawnSync('svstat', [dir], {encoding: 'utf8'}).stdout.includes(`: ${word}`);
}

function storm(side: Side, count: number): Figures {
  const {base, dirs} = crashLoopTree('storm', count);
  const [command, args] = side === 'daemontools' ? ['svscan', [base]] : [process.execPath, [join(root, 'dist', 'bin', 'svscan.js'), base]];
  const scanner = spawn(command, args, {stdio: ['ignore', 'ignore', 'ignore'], detached: true});
  try {
    waitUntil(() => startsSeen(dirs) >= count, `${side}: every service started once`, {timeoutMs: 300_000, pollMs: 20});
    pause(2000);
    const start = memoryMB(supervisingPids(side, scanner));
    const ticks0 = cpuTicks(supervisingPids(side, scanner));
    const restarts0 = startsSeen(dirs);
    const t0 = performance.now();
    const downs: number[] = [];
    const probes = dirs.filter((_, index) => index % Math.floor(count / 5) === 0).slice(0, 5);
    const probeEvery = (SECONDS * 1000) / (probes.length + 1);
    for (const dir of probes) {
      pause(probeEvery);
      const d0 = performance.now();
      spawnSync('svc', ['-d', dir]);
      waitUntil(() => svstatSays(dir, 'down'), `${side}: svc -d ${dir}`, {timeoutMs: 600_000, pollMs: 1});
      downs.push(performance.now() - d0);
    }
    pause(Math.max(0, SECONDS * 1000 - (performance.now() - t0)));
    const pids = supervisingPids(side, scanner);
    const ticks = cpuTicks(pids) - ticks0;
    const seen = startsSeen(dirs) - restarts0;
    const seconds = (performance.now() - t0) / 1000;
    const end = memoryMB(pids);
    downs.sort((a, b) => a - b);
    return {
      cpuPerRestartMs: seen === 0 ? NaN : ((ticks / TICKS_PER_SECOND) * 1000) / seen,
      restartsPerSecond: seen / seconds,
      downMs: downs[Math.floor(downs.length / 2)]!,
      rssStartMB: start.rss,
      rssEndMB: end.rss,
      anonStartMB: start.anon,
      anonEndMB: end.anon,
    };
  } finally {
    stopTree(side, scanner, base);
  }
}

function row(label: string, values: Record<Side, number>, unit: string, digits = 2): void {
  const ratio = values.daemontools === 0 ? '—' : `${(values.keepup / values.daemontools).toFixed(2)}×`;
  console.log(`| ${label} | ${values.daemontools.toFixed(digits)} ${unit} | ${values.keepup.toFixed(digits)} ${unit} | ${ratio} |`);
}

console.log(`crash-looping services for ${SECONDS} s each`);
console.log('| measure | daemontools | keepup | keepup / daemontools |');
console.log('|---|---|---|---|');
for (const count of process.env.BENCH_QUICK ? [1000] : [200, 1000]) {
  const figures = {} as Record<Side, Figures>;
  for (const side of SIDES) figures[side] = storm(side, count);
  const pick = (key: keyof Figures) => ({daemontools: figures.daemontools[key], keepup: figures.keepup[key]});
  row(`${count}: supervisor CPU per restart`, pick('cpuPerRestartMs'), 'ms', 3);
  if (count === 1000) {
    const cpu = pick('cpuPerRestartMs');
    record({
      figure: '1000 crash-looping services: supervising CPU per restart',
      unit: 'ms',
      keepup: cpu.keepup,
      peers: {daemontools: cpu.daemontools},
      note: 'daemontools: svscan and every supervise',
    });
  }
  row(`${count}: restarts per second`, pick('restartsPerSecond'), '/s', 0);
  row(`${count}: svc -d → svstat down (median of 5)`, pick('downMs'), 'ms', 1);
  row(`${count}: RSS at start`, pick('rssStartMB'), 'MB', 1);
  row(`${count}: RSS at end`, pick('rssEndMB'), 'MB', 1);
  row(`${count}: anonymous memory at start`, pick('anonStartMB'), 'MB', 1);
  row(`${count}: anonymous memory at end`, pick('anonEndMB'), 'MB', 1);
}
