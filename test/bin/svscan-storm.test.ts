// keepup's svscan under faults and load: a SIGKILL at random instants of an `svc -t` storm never
// leaves a daemon the next svscan does not know (no duplicate), and a crash storm (every `run`
// exiting at once, over and over) never starves control, signals or reaping.
// Not tested here: the figures (CPU per restart, `svc -d` latency, memory), which are in
// `npm run bench` (bench/crash-storm.bench.ts), side by side with daemontools.
import test, {type ExecutionContext} from 'ava';
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {chmodSync, closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {pidOf} from '../helpers/service-pid.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const LONG = {timeoutMs: 120_000};

function tree(t: ExecutionContext, count: number, run: string): {base: string; dirs: string[]} {
  const base = tmpDir(t, 'keepup-storm-');
  const dirs = Array.from({length: count}, (_, index) => join(base, `s${index}`));
  for (const dir of dirs) {
    mkdirSync(dir);
    writeFileSync(join(dir, 'run'), `#!/bin/sh\n${run}\n`);
    chmodSync(join(dir, 'run'), 0o755);
  }
  return {base, dirs};
}

/** A scanner of `base` whose output goes to `output` (appended), read back for failure messages. */
function startScanner(base: string, output?: string): ChildProcess {
  const fd = output === undefined ? 'ignore' : openSync(output, 'a');
  try {
    return spawn(process.execPath, [bin('svscan'), base], {stdio: ['ignore', fd, fd], detached: true});
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

/** The last `bytes` of what the scanners wrote. */
function outputTail(path: string, bytes = 4000): string {
  try {
    const text = readFileSync(path, 'latin1');
    return text.slice(-bytes).trim() || 'nothing';
  } catch {
    return 'nothing';
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

function statFields(pid: string | number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Live (not zombie) processes whose argv[0] is `marker`, by working directory. */
function daemonsByDir(marker: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0')[0] !== marker) continue;
      if (statFields(name)?.[0] === 'Z') continue;
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      found.set(cwd, [...(found.get(cwd) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  return found;
}

/** `dev:ino` of a file, or undefined when it is not there. */
function fileId(path: string): string | undefined {
  const stats = statSync(path, {throwIfNoEntry: false});
  return stats && `${stats.dev}:${stats.ino}`;
}

/** `dev:ino` of every file process `pid` holds open. */
function heldFiles(pid: number): Set<string | undefined> {
  const held = new Set<string | undefined>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const id = fileId(`/proc/${pid}/fd/${fd}`);
      if (id) held.add(id);
    }
  } catch {
    // gone
  }
  return held;
}

/** What a service that did not go down looks like: its status, its control FIFO's reader, its daemon. */
function describe(dir: string): string {
  const pid = pidOf(dir);
  let control: string;
  try {
    closeSync(openSync(join(dir, 'supervise/control'), constants.O_WRONLY | constants.O_NONBLOCK));
    control = 'has a reader';
  } catch (error) {
    control = (error as NodeJS.ErrnoException).code ?? String(error);
  }
  let child: string;
  try {
    child = readFileSync(join(dir, 'supervise/child'), 'latin1').trim();
  } catch {
    child = 'no child record';
  }
  return `${dir}: status pid ${pid} (${statFields(pid)?.[0] ?? 'gone'}), control ${control}, child record ${child}, status ${readFileSync(join(dir, 'supervise/status')).toString('hex')}`;
}

/** The processes holding `path` open (pid, parent, command line): who reads a control FIFO. */
function holders(path: string): string {
  let target: string;
  try {
    const stats = statSync(path);
    target = `${stats.dev}:${stats.ino}`;
  } catch {
    return 'none (gone)';
  }
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      for (const fd of readdirSync(`/proc/${name}/fd`)) {
        const stats = statSync(`/proc/${name}/fd/${fd}`, {throwIfNoEntry: false});
        if (stats && `${stats.dev}:${stats.ino}` === target) {
          found.push(`${name} (parent ${statFields(name)?.[1]}, fd ${fd}, ${readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ').trim()})`);
        }
      }
    } catch {
      // gone or not ours to read
    }
  }
  return found.join(', ') || 'none';
}

/**
 * Whether `pid`'s epoll sets watch its descriptor `fd`, with the event mask (from
 * /proc/PID/fdinfo), and how many bytes wait unread in the FIFO at `path` (FIONREAD through a
 * descriptor of our own, which reads nothing): a scanner idle while bytes wait and the FIFO is
 * not in its epoll set has lost the watch; one that watches it has lost the wake-up.
 */
function watchState(pid: number, fd: number, path: string): string {
  const found: string[] = [];
  try {
    for (const name of readdirSync(`/proc/${pid}/fd`)) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${name}`);
      } catch {
        continue;
      }
      if (link !== 'anon_inode:[eventpoll]') continue;
      const entry = readFileSync(`/proc/${pid}/fdinfo/${name}`, 'latin1')
        .split('\n')
        .find((line) => new RegExp(`^tfd:\\s+${fd}\\s`).test(line));
      found.push(`epoll fd ${name}: ${entry?.replace(/\s+/g, ' ') ?? `fd ${fd} not watched`}`);
    }
  } catch (error) {
    found.push(String(error));
  }
  const unread = spawnSync(
    'python3',
    ['-c', 'import fcntl,os,struct,sys,termios\nfd=os.open(sys.argv[1],os.O_RDWR|os.O_NONBLOCK)\nprint(struct.unpack("i",fcntl.ioctl(fd,termios.FIONREAD,b"\\0"*4))[0])', path],
    {encoding: 'latin1'},
  );
  return `${found.join('; ') || 'no epoll set'}; ${unread.stdout.trim() || unread.stderr.trim()} bytes unread in the FIFO`;
}

/** watchState for the descriptor through which the scanner holds the FIFO at `path`. */
function controlWatch(pid: number, path: string): string {
  const target = statSync(path, {throwIfNoEntry: false});
  if (!target) return 'no FIFO';
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    const stats = statSync(`/proc/${pid}/fd/${name}`, {throwIfNoEntry: false});
    if (stats && stats.dev === target.dev && stats.ino === target.ino) return watchState(pid, Number(name), path);
  }
  return 'the scanner does not hold the FIFO';
}

/** The scanner's state for a failure message: run state, what each thread waits in, its CPU ticks. */
function scannerState(pid: number): string {
  const fields = statFields(pid);
  if (!fields) return `scanner ${pid} gone`;
  let threads = '';
  try {
    threads = readdirSync(`/proc/${pid}/task`)
      .map((tid) => {
        let wchan = '?';
        try {
          wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'latin1');
        } catch {
          // gone
        }
        return `${tid}:${statFields(`${pid}/task/${tid}`)?.[0] ?? '?'}:${wchan}`;
      })
      .join(' ');
  } catch {
    // gone
  }
  return `scanner ${pid} state ${fields[0]}, utime+stime ${Number(fields[11]) + Number(fields[12])} ticks, threads ${threads}`;
}

test.serial('SIGKILL of svscan at random instants of an svc -t storm: the next svscan knows every daemon, never a duplicate', async (t) => {
  const COUNT = 200;
  const ROUNDS = 12;
  const links = tmpDir(t, 'keepup-storm-bin-');
  const marker = join(links, 'storm-daemon');
  symlinkSync('/bin/sleep', marker);
  const {base, dirs} = tree(t, COUNT, `exec ${marker} 100000`);
  const output = join(links, 'scanner-output');
  let scanner = startScanner(base, output);
  t.teardown(() => {
    killQuietly(scanner.pid!);
    for (const pids of daemonsByDir(marker).values()) pids.forEach(killQuietly);
  });
  // Up under *this* scanner: each status names a live daemon of its own directory, and the
  // scanner holds the service's supervise/ok (opened last, once the child is adopted or
  // started). The status files alone are not enough: they are the killed scanner's until the
  // new one has taken each service over, and an svc sent before that finds no supervise.
  const settled = (round: number) =>
    waitFor(
      () => {
        const held = heldFiles(scanner.pid!);
        const daemons = daemonsByDir(marker);
        const up = dirs.every((dir) => {
          const pid = pidOf(dir);
          return pid !== 0 && daemons.get(dir)?.includes(pid) && held.has(fileId(join(dir, 'supervise/ok')));
        });
        return up ? daemons : undefined;
      },
      `round ${round}: every service up under the scanner`,
      LONG,
    );
  await settled(0);
  for (let round = 1; round <= ROUNDS; round++) {
    const storm = run('svc', ['-t', ...dirs]);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 600)));
    scanner.kill('SIGKILL');
    await once(scanner, 'exit');
    await storm;
    scanner = startScanner(base, output);
    const daemons = await settled(round);
    const extra = [...daemons.entries()].filter(([, pids]) => pids.length !== 1);
    t.deepEqual(extra, [], `round ${round}: one daemon per service`);
    t.is([...daemons.keys()].filter((dir) => !dirs.includes(dir)).length, 0);
  }
  // Every daemon is supervised: the real svc reaches each through its scanner.
  const before = dirs.map(pidOf);
  const down = await run('svc', ['-d', ...dirs]);
  // daemontools' svc exits 0 even when it warns that a supervise is not running.
  t.deepEqual([down.code, down.stderr], [0, ''], 'svc -d reached every supervise');
  await waitFor(() => dirs.every((dir) => pidOf(dir) === 0), 'every service down through svc -d', LONG).catch((error: unknown) => {
    throw new Error(
      `${(error as Error).message}; ${scannerState(scanner.pid!)}; ${dirs[0]}/supervise/control is held by ${holders(join(dirs[0]!, 'supervise/control'))}; ${controlWatch(scanner.pid!, join(dirs[0]!, 'supervise/control'))}; the scanners wrote: ${outputTail(output)}; ${dirs.filter((dir) => pidOf(dir) !== 0).length} still up, the first: ${dirs
        .filter((dir) => pidOf(dir) !== 0)
        .slice(0, 3)
        .map(describe)
        .join('; ')}`,
    );
  });
  t.deepEqual([...daemonsByDir(marker).values()].flat(), [], 'no daemon left running');
  t.is(before.filter((pid) => pid === 0).length, 0);
});

test.serial('a crash storm of 300 services: svc -d is applied, every zombie is reaped, SIGTERM ends the scanner', async (t) => {
  const COUNT = 300;
  const {base, dirs} = tree(t, COUNT, 'exit 1');
  const scanner = startScanner(base);
  const exited = once(scanner, 'exit');
  t.teardown(() => killQuietly(scanner.pid!));
  const starts = () =>
    dirs.reduce((sum, dir) => {
      try {
        return sum + (JSON.parse(readFileSync(join(dir, 'supervise/stats'), 'latin1')) as {starts: number}).starts;
      } catch {
        return sum;
      }
    }, 0);
  // A zombie is a child whose exit the scanner has not read yet. How many exist at once depends
  // on the machine's load (children in flight times how long the scanner is off the CPU), so
  // the test holds each zombie to a deadline instead: one that outlives it means reaping is
  // starved by the storm.
  const REAP_DEADLINE_MS = 10_000;
  const firstSeen = new Map<string, number>();
  let zombies = 0;
  let oldest = 0;
  const countZombies = () => {
    const now = Date.now();
    const seen = new Set<string>();
    for (const name of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(name)) continue;
      const fields = statFields(name);
      if (fields?.[0] !== 'Z' || Number(fields[1]) !== scanner.pid) continue;
      // The pid with its start time: a pid reused by a later child is another zombie.
      const key = `${name}:${fields[19]}`;
      seen.add(key);
      if (!firstSeen.has(key)) firstSeen.set(key, now);
      oldest = Math.max(oldest, now - firstSeen.get(key)!);
    }
    for (const key of firstSeen.keys()) if (!seen.has(key)) firstSeen.delete(key);
    zombies = Math.max(zombies, seen.size);
  };
  // Two rounds of every service crashing.
  await waitFor(
    () => {
      countZombies();
      return starts() >= 2 * COUNT;
    },
    'two crash rounds',
    LONG,
  );
  const target = dirs[COUNT / 2]!;
  t.is((await run('svc', ['-d', target])).code, 0);
  await waitFor(
    async () => {
      countZombies();
      return /: down /.test((await run('svstat', [target])).stdout);
    },
    'svc -d applied during the storm',
    PATIENT,
  );
  const startsAfterDown = (JSON.parse(readFileSync(join(target, 'supervise/stats'), 'latin1')) as {starts: number}).starts;
  await waitFor(
    () => {
      countZombies();
      return starts() >= 3 * COUNT;
    },
    'another crash round',
    LONG,
  );
  t.is((JSON.parse(readFileSync(join(target, 'supervise/stats'), 'latin1')) as {starts: number}).starts, startsAfterDown, 'down stays down');
  t.log(`at most ${zombies} zombies at once; the longest-lived was seen for ${oldest} ms`);
  t.true(oldest < REAP_DEADLINE_MS, `a zombie was left unreaped for ${oldest} ms`);
  t.true(zombies < COUNT, `${zombies} zombies at once: as many as the services`);
  scanner.kill('SIGTERM');
  const [code] = await Promise.race([exited, new Promise<[null]>((resolve) => setTimeout(() => resolve([null]), PATIENT.timeoutMs))]);
  t.is(code, 0, 'SIGTERM ends the scanner');
});
