// keepup supervise's children end to end: the stop timeout of services that ignore TERM (removal
// and shutdown), and the in-process loggers driven by Debian's svc, svstat and svok.
// Not tested: the 10 s default with real time (the scanner's and the engine's tests drive it
// with fake timers).
import test from 'ava';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {uniqueName, watchdogSetup, type WatchdogSetup} from '../helpers/daemons.js';
import {loggedLines} from '../helpers/log-dir.js';
import {run} from '../helpers/processes.js';
import {startResident} from '../helpers/resident.js';
import {pidOf} from '../helpers/service-pid.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

function setup(t: Parameters<typeof watchdogSetup>[0]): WatchdogSetup & {serviceDir: string} {
  const base = watchdogSetup(t);
  return {...base, serviceDir: join(base.dir, 'service')};
}

function writeConfig(s: WatchdogSetup, text: string): void {
  s.writeConfig(`serviceDir: service\ncheckInterval: 0.5\n${text}`);
}

/** A daemon that ignores TERM, with a grandchild that does too (ignored signals survive exec). */
const stubborn = (name: string, seconds: number) => `  - name: ${name}\n    run: [sh, -c, "trap '' TERM; sleep 1000 & echo $! > grandchild; wait"]\n    stopTimeout: ${seconds}\n`;

/** Dead: gone, or a zombie waiting for a reaper that may not be keepup (a grandchild's is init). */
function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function group(dir: string): Promise<[number, number]> {
  const pid = await waitFor(() => pidOf(dir), `${dir} to run`, PATIENT);
  const grandchild = await waitFor(() => (existsSync(join(dir, 'grandchild')) ? Number(readFileSync(join(dir, 'grandchild'), 'latin1')) : 0), `${dir}'s grandchild`, PATIENT);
  return [pid, grandchild];
}

test('stopTimeout: a removed service and, at SIGTERM, a remaining one that ignore TERM are KILLed with their group, with a warning; both finish', async (t) => {
  const s = setup(t);
  const [kept, removed] = [uniqueName('sv'), uniqueName('sv')];
  writeConfig(s, `stopTimeout: 0.3\ndaemons:\n${stubborn(kept, 0.4)}${stubborn(removed, 0.2)}`);
  const resident = startResident(t, s.config, s.serviceDir);
  const keptDir = join(s.serviceDir, kept);
  const removedDir = join(s.serviceDir, removed);
  const removedGroup = await group(removedDir);
  const keptGroup = await group(keptDir);
  t.is(readFileSync(join(keptDir, 'timeout-kill'), 'utf8'), '400\n', 'the daemontools-side form of stopTimeout');

  writeConfig(s, `stopTimeout: 0.3\ndaemons:\n${stubborn(kept, 0.4)}`);
  resident.child.kill('SIGHUP');
  await waitFor(() => existsSync(join(s.serviceDir, '.removed', removed, 'run')), 'the removal to finish', PATIENT);
  await waitFor(() => removedGroup.every(dead), 'the removed service and its grandchild to be gone', PATIENT);
  const removedDirWarning = new RegExp(`keepup: warning: ${removedDir} still running 200 ms after TERM: sending KILL to its process group\n`);
  // The warning is written before the KILL, but reaches this process's pipe reader on its own time.
  await waitFor(() => removedDirWarning.test(resident.stderr()), 'the KILL warning', PATIENT).catch(() => undefined);
  t.regex(resident.stderr(), removedDirWarning);

  resident.child.kill('SIGTERM');
  t.is(await resident.exited, 0);
  await waitFor(() => keptGroup.every(dead), 'the remaining service and its grandchild to be gone', PATIENT);
  const keptDirWarning = new RegExp(`keepup: warning: ${keptDir} still running 400 ms after TERM: sending KILL to its process group\n`);
  // The warning is written before the KILL, but reaches this process's pipe reader on its own time.
  await waitFor(() => keptDirWarning.test(resident.stderr()), 'the KILL warning', PATIENT).catch(() => undefined);
  t.regex(resident.stderr(), keptDirWarning);
});

const stamp = (dir: string) =>
  readFileSync(join(dir, 'supervise', 'status'))
    .subarray(0, 12)
    .toString('hex');

test("an in-process logger has supervise's files: Debian's svstat, svok and svc see keepup's pid and -a, -p, -c, -d, -u, -t work; no line is lost", async (t) => {
  const s = setup(t);
  const name = uniqueName('sv');
  writeConfig(s, `daemons:\n  - name: ${name}\n    run: [sh, -c, "n=0; while :; do n=$((n+1)); echo tick $n; sleep 0.02; done"]\n    log: ./main\n`);
  const resident = startResident(t, s.config, s.serviceDir);
  const logDir = join(s.serviceDir, name, 'log');
  const main = join(logDir, 'main');
  const keepupPid = resident.child.pid!;
  const svstat = async () => (await run('/usr/bin/svstat', [logDir])).stdout.replace(/\d+ seconds/, 'x seconds');
  const more = async (what: string) => {
    const count = loggedLines(main).length;
    await waitFor(() => loggedLines(main).length > count + 5, what, PATIENT);
  };
  await waitFor(() => pidOf(logDir), 'the logger to be supervised', PATIENT);
  t.is(await svstat(), `${logDir}: up (pid ${keepupPid}) x seconds\n`);
  t.is((await run('/usr/bin/svok', [logDir])).code, 0);
  await more('lines in the log');

  t.is((await run('/usr/bin/svc', ['-a', logDir])).code, 0);
  await waitFor(() => readdirSync(main).some((file) => /^@[0-9a-f]{24}\.s$/.test(file)), 'svc -a to rotate current', PATIENT);

  t.is((await run('/usr/bin/svc', ['-p', logDir])).code, 0);
  await waitFor(async () => (await svstat()) === `${logDir}: up (pid ${keepupPid}) x seconds, paused\n`, 'svstat to say paused', PATIENT);
  // The service goes on writing into the pipe meanwhile; the logger writes nothing (but what it
  // had read before the pause, so the count is taken a second of service output later).
  const upFor = async () => Number(/ (\d+) seconds/.exec((await run('/usr/bin/svstat', [join(s.serviceDir, name)])).stdout)![1]);
  const aSecondOfOutput = async () => {
    const at = await upFor();
    await waitFor(async () => (await upFor()) > at, 'a second of service output', PATIENT);
  };
  await aSecondOfOutput();
  const paused = loggedLines(main).length;
  await aSecondOfOutput();
  t.is(loggedLines(main).length, paused, 'nothing logged while paused');
  t.is((await run('/usr/bin/svc', ['-c', logDir])).code, 0);
  await more('the paused lines to arrive');

  t.is((await run('/usr/bin/svc', ['-d', logDir])).code, 0);
  await waitFor(async () => (await svstat()) === `${logDir}: down x seconds, normally up\n`, 'svstat to say down', PATIENT);
  const down = loggedLines(main).length;
  t.is((await run('/usr/bin/svok', [logDir])).code, 0, 'still supervised while down');
  await waitFor(async () => (await svstat()) !== `${logDir}: down 0 seconds, normally up\n`, 'a second down', PATIENT);
  t.is(loggedLines(main).length, down, 'nothing logged while the logger is down');
  t.is((await run('/usr/bin/svc', ['-u', logDir])).code, 0);
  await waitFor(async () => (await svstat()).startsWith(`${logDir}: up (pid ${keepupPid})`), 'svstat to say up', PATIENT);
  await more('the lines written while down to arrive');

  const before = stamp(logDir);
  t.is((await run('/usr/bin/svc', ['-t', logDir])).code, 0);
  await waitFor(() => stamp(logDir) !== before, 'svc -t to restart the logger (a new status stamp)', PATIENT);
  await more('lines after the restart');

  const numbers = loggedLines(main).map((line) => Number(/^tick (\d+)$/.exec(line)![1]));
  t.deepEqual(
    numbers,
    numbers.map((_, index) => index + 1),
    'every line once, in order, across pause, down/up, restart and rotation',
  );
});
