// keepup's svscan under faults and load: a SIGKILL at random instants of an `svc -t` storm never
// leaves a daemon the next svscan does not know (no duplicate), and a crash storm (every `run`
// exiting at once, over and over) never starves control, signals or reaping.
// Not tested here: the figures (CPU per restart, `svc -d` latency, memory), which are in
// `npm run bench` (bench/crash-storm.bench.ts), side by side with daemontools.
import test, {type ExecutionContext} from 'ava';
import {spawn, type ChildProcess} from 'node:child_process';
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

function startScanner(base: string): ChildProcess {
  return spawn(process.execPath, [bin('svscan'), base], {stdio: ['ignore', 'ignore', 'ignore'], detached: true});
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
  let scanner = startScanner(base);
  t.teardown(() => {
    killQuietly(scanner.pid!);
    for (const pids of daemonsByDir(marker).values()) pids.forEach(killQuietly);
  });
  const settled = (round: number) =>
    waitFor(
      () => {
        const daemons = daemonsByDir(marker);
        const up = dirs.every((dir) => {
          const pid = pidOf(dir);
          return pid !== 0 && daemons.get(dir)?.includes(pid);
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
    scanner = startScanner(base);
    const daemons = await settled(round);
    const extra = [...daemons.entries()].filter(([, pids]) => pids.length !== 1);
    t.deepEqual(extra, [], `round ${round}: one daemon per service`);
    t.is([...daemons.keys()].filter((dir) => !dirs.includes(dir)).length, 0);
  }
  // Every daemon is supervised: the real svc reaches each through its scanner.
  const before = dirs.map(pidOf);
  t.is((await run('svc', ['-d', ...dirs])).code, 0);
  await waitFor(() => dirs.every((dir) => pidOf(dir) === 0), 'every service down through svc -d', LONG).catch((error: unknown) => {
    throw new Error(
      `${(error as Error).message}; ${scannerState(scanner.pid!)}; ${dirs[0]}/supervise/control is held by ${holders(join(dirs[0]!, 'supervise/control'))}; still up: ${dirs
        .filter((dir) => pidOf(dir) !== 0)
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
