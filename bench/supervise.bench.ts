// supervise: restart latency and the memory of supervising 100 services, keepup vs Debian's
// daemontools 0.76, measured in the same run. No thresholds: figures and ratios only.
//   restart latency: kill -9 of the child → a new pid in supervise/status and that process
//     exec'd the payload (`sleep`, /proc/PID/comm; polled every 0.1 ms);
//     trials are spaced 1.1 s apart so neither side's 1 s start throttle applies. s6-supervise
//     throttles differently: it pauses 1 s after every death unless the service has been *ready*
//     for over a second (s6-supervise(8), "Detailed operation"), and without a notification-fd it
//     is never ready. Its row therefore gives `run` a notification-fd (3) and writes the newline
//     before exec'ing the payload, which puts it in the same unthrottled case as the others; a
//     second row without it shows the 1 s pause. The pids come from each supervisor's own status
//     file (service-probes.ts), checked once against s6-svstat and sv.
//   memory: RSS and PSS from /proc/PID/smaps_rollup of the supervising processes only (not the
//     services): real = 100 supervise processes summed; ours = one Node process running 100
//     engines (svscan's shape), and 100 standalone `supervise` Node processes for honesty.
// BENCH_TRIALS (default 40) and BENCH_SERVICES (default 100) scale it down for a quick look.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {pidOf} from '../test/helpers/service-pid.js';
import {commOf, descendants, pause, runitPid, s6Pid, waitUntil} from './service-probes.js';
import {record} from './summary.js';

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
/** Every service directory started, with how its supervisor names the child's pid. */
const serviceDirs: Array<[string, (dir: string) => number]> = [];

function startSupervisor(command: string, args: string[], cwd?: string): ChildProcess {
  const child = spawn(command, args, {stdio: ['ignore', 'ignore', 'inherit'], detached: true, cwd});
  started.push(child);
  return child;
}

function cleanup(): void {
  // A scanner's supervisors may sit in groups of their own: every descendant, then the groups.
  const pids = started.flatMap((child) => [child.pid!, ...descendants(child.pid!)]);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  pause(100);
  for (const [dir, pidIn] of serviceDirs) {
    const pid = pidIn(dir);
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

/** How one supervisor is started on a service directory and where it says the pid of the child. */
interface Supervising {
  /** Makes the service directory (or tree) under `base` and returns the directory whose child is killed. */
  setUp(base: string): string;
  start(base: string, dir: string): ChildProcess;
  readonly pid: (dir: string) => number;
}

const single = (base: string, run = 'exec sleep 100000') => {
  const dir = join(base, 'svc');
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, 'run'), `#!/bin/sh\n${run}\n`);
  chmodSync(join(dir, 'run'), 0o755);
  return dir;
};
/** A service directory whose `run` tells s6-supervise it is ready (notification-fd 3) as it execs the payload. */
const notifying = (base: string) => {
  const dir = single(base, 'echo >&3\nexec sleep 100000');
  writeFileSync(join(dir, 'notification-fd'), '3\n');
  return dir;
};
const ourBin = (name: string) => join(root, 'dist', 'bin', `${name}.js`);
const CHAIN = 'exec setuidgid nobody softlimit -o 4096 sleep 100000';

const SUPERVISORS: Record<string, Supervising> = {
  'daemontools supervise': {setUp: (base) => single(base), start: (_base, dir) => startSupervisor('supervise', [dir]), pid: pidOf},
  'daemontools svscan': {setUp: (base) => single(base), start: (base) => startSupervisor('svscan', [base]), pid: pidOf},
  'daemontools supervise, setuidgid + softlimit': {setUp: (base) => single(base, CHAIN), start: (_base, dir) => startSupervisor('supervise', [dir]), pid: pidOf},
  'runit runsv': {setUp: (base) => single(base), start: (_base, dir) => startSupervisor('runsv', [dir]), pid: runitPid},
  's6-supervise': {setUp: notifying, start: (_base, dir) => startSupervisor('s6-supervise', [dir]), pid: s6Pid},
  's6-supervise, no readiness notification': {setUp: (base) => single(base), start: (_base, dir) => startSupervisor('s6-supervise', [dir]), pid: s6Pid},
  'keepup supervise': {setUp: (base) => single(base), start: (_base, dir) => startSupervisor(process.execPath, [ourBin('supervise'), dir]), pid: pidOf},
  'keepup svscan': {setUp: (base) => single(base), start: (base) => startSupervisor(process.execPath, [ourBin('svscan'), base]), pid: pidOf},
  'keepup supervise (the command), user + limits': {
    setUp: (base) => {
      mkdirSync(base, {recursive: true, mode: 0o755});
      writeFileSync(
        join(base, 'watchdog.config.yaml'),
        // daemontools' fixed 1 s between starts: the trials kill it every 1.1 s, which the default policy would back off from.
        `stateDir: state\nserviceDir: service\nrestart: {delay: 1, maxDelay: 1, giveUp: false}\ndaemons:\n  - name: bench\n    run: [sleep, '100000']\n    user: nobody\n    limits: {openFiles: 4096}\n`,
        {mode: 0o644},
      );
      return join(base, 'service', 'bench');
    },
    start: (base) => startSupervisor(process.execPath, [ourBin('keepup'), 'supervise', '--config', join(base, 'watchdog.config.yaml')], base),
    pid: pidOf,
  },
};

/** The pid each peer's own status tool names (s6-svstat, sv), to check the status-file probes against. */
const TOOL_PID: Record<string, [string, (dir: string) => number]> = {
  'runit runsv': ['sv status', (dir) => Number(/\(pid (\d+)\)/.exec(spawnSync('sv', ['status', dir], {encoding: 'utf8'}).stdout)?.[1] ?? 0)],
  's6-supervise': ['s6-svstat -o pid', (dir) => Math.max(0, Number(spawnSync('s6-svstat', ['-o', 'pid', dir], {encoding: 'utf8'}).stdout.trim()) || 0)],
  's6-supervise, no readiness notification': ['s6-svstat -o pid', (dir) => Math.max(0, Number(spawnSync('s6-svstat', ['-o', 'pid', dir], {encoding: 'utf8'}).stdout.trim()) || 0)],
};

function crossCheck(dirs: Record<string, string>, when: string): void {
  for (const [name, [tool, toolPid]] of Object.entries(TOOL_PID)) {
    const dir = dirs[name];
    if (dir === undefined) continue;
    const probe = SUPERVISORS[name]!.pid(dir);
    const told = toolPid(dir);
    const comm = commOf(probe);
    const ok = probe !== 0 && probe === told && comm === 'sleep';
    console.log(`cross-check ${when}: ${name}: status file ${probe} (${comm || 'gone'}), ${tool} ${told}${ok ? '' : '  MISMATCH: this row is not trustworthy'}`);
  }
}

function restartLatency(base: string, names: string[]): Record<string, number[]> {
  const dirs: Record<string, string> = {};
  for (const [index, name] of names.entries()) {
    const side = SUPERVISORS[name]!;
    const sideBase = join(base, `latency-${index}`);
    const dir = side.setUp(sideBase);
    dirs[name] = dir;
    serviceDirs.push([dir, side.pid]);
    side.start(sideBase, dir);
    waitUntil(() => side.pid(dir) > 0, `${name} up`);
  }
  pause(1100);
  crossCheck(dirs, 'before the trials');
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const name of names) {
      const side = SUPERVISORS[name]!;
      const dir = dirs[name]!;
      waitUntil(() => side.pid(dir) > 0, `${name} up again`);
      const old = side.pid(dir);
      const begin = process.hrtime.bigint();
      process.kill(old, 'SIGKILL');
      let pid = old;
      const deadline = Date.now() + 5000;
      while ((pid === old || pid === 0) && Date.now() < deadline) {
        pause(0.1);
        pid = side.pid(dir);
      }
      // Until the payload itself runs: `run` is a shell that execs it (as the harness measures).
      while (pid !== old && pid !== 0 && commOf(pid) !== 'sleep' && Date.now() < deadline) pause(0.1);
      samples[name]!.push(Number(process.hrtime.bigint() - begin) / 1e6);
    }
    pause(1100);
  }
  crossCheck(dirs, 'after the trials');
  return samples;
}

interface Memory {
  rssKb: number;
  pssKb: number;
  anonKb: number;
}

function memoryOf(pids: number[]): Memory {
  const total = {rssKb: 0, pssKb: 0, anonKb: 0};
  for (const pid of pids) {
    total.anonKb += Number(/^RssAnon:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    total.rssKb += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    total.pssKb += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  }
  return total;
}

function manyStandalone(base: string, side: Side): Memory {
  const dirs = makeServices(join(base, `many-${side}`), SERVICES);
  serviceDirs.push(...dirs.map((dir): [string, (dir: string) => number] => [dir, pidOf]));
  const children = dirs.map((dir) => startSupervisor(...superviseCommand(side, dir)));
  waitUntil(() => dirs.every((dir) => pidOf(dir) > 0), `${SERVICES} ${side} services up`, {timeoutMs: 180_000});
  pause(500);
  return memoryOf(children.map((child) => child.pid!));
}

function manyEngines(base: string): Memory {
  const dirs = makeServices(join(base, 'many-engines'), SERVICES);
  serviceDirs.push(...dirs.map((dir): [string, (dir: string) => number] => [dir, pidOf]));
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
  const names = Object.keys(SUPERVISORS);
  const samples = restartLatency(base, names);
  const stats = (name: string) => {
    const sorted = [...samples[name]!].sort((a, b) => a - b);
    return {median: percentile(sorted, 50), p99: percentile(sorted, 99)};
  };
  const base0 = stats('daemontools supervise');
  console.log(`\nrestart latency, kill -9 → new payload exec'd (${TRIALS} trials each, ms)\n`);
  console.log(row(['supervisor', 'median', 'p99', 'median / daemontools supervise']));
  console.log(row(['---', '---', '---', '---']));
  for (const name of names) {
    const figures = stats(name);
    console.log(row([name, figures.median.toFixed(2), figures.p99.toFixed(2), (figures.median / base0.median).toFixed(2)]));
  }
  const peers = {runit: stats('runit runsv').median, s6: stats('s6-supervise').median};
  const s6Note = 's6: run signals readiness, without which s6 pauses 1 s';
  record({
    figure: "restart, kill -9 → new payload exec'd: svscan",
    unit: 'ms',
    keepup: stats('keepup svscan').median,
    peers: {daemontools: stats('daemontools svscan').median, ...peers},
    note: s6Note,
  });
  record({figure: 'restart: standalone supervise', unit: 'ms', keepup: stats('keepup supervise').median, peers: {daemontools: base0.median, ...peers}, note: s6Note});
  record({
    figure: 'restart: keepup supervise with user + limits',
    unit: 'ms',
    keepup: stats('keepup supervise (the command), user + limits').median,
    peers: {daemontools: stats('daemontools supervise, setuidgid + softlimit').median},
    note: 'daemontools: run = setuidgid + softlimit',
  });

  const realMemory = manyStandalone(base, 'daemontools');
  const engines = manyEngines(base);
  const standalone = manyStandalone(base, 'keepup');
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  console.log(`\nmemory of the supervisors for ${SERVICES} services (MB, services themselves excluded)\n`);
  console.log(row(['', 'RSS', 'PSS', 'anonymous', 'anonymous ratio vs daemontools']));
  console.log(row(['---', '---', '---', '---', '---']));
  for (const [label, memory] of [
    [`daemontools: ${SERVICES} supervise`, realMemory],
    [`keepup: 1 process, ${SERVICES} engines`, engines],
    [`keepup: ${SERVICES} standalone supervise`, standalone],
  ] as const) {
    console.log(row([label, mb(memory.rssKb), mb(memory.pssKb), mb(memory.anonKb), (memory.anonKb / realMemory.anonKb).toFixed(2)]));
  }
} finally {
  cleanup();
  rmSync(base, {recursive: true, force: true});
}
