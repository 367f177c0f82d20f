// keepup supervise's children end to end: the stop timeout of services that ignore TERM (removal
// and shutdown), and the in-process loggers driven by Debian's svc, svstat and svok.
// Not tested: the 10 s default with real time (the scanner's and the engine's tests drive it
// with fake timers).
import test from 'ava';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {uniqueName, watchdogSetup, type WatchdogSetup} from '../helpers/daemons.js';
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
const stubborn = (name: string, seconds: number) =>
  `  - name: ${name}\n    run: [sh, -c, "trap '' TERM; sleep 1000 & echo $! > grandchild; wait"]\n    stopTimeout: ${seconds}\n`;

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
  const grandchild = await waitFor(() => existsSync(join(dir, 'grandchild')) && Number(readFileSync(join(dir, 'grandchild'), 'latin1')), `${dir}'s grandchild`, PATIENT);
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
  t.regex(resident.stderr(), new RegExp(`keepup: warning: ${removedDir} still running 200 ms after TERM: sending KILL to its process group\n`));

  resident.child.kill('SIGTERM');
  t.is(await resident.exited, 0);
  await waitFor(() => keptGroup.every(dead), 'the remaining service and its grandchild to be gone', PATIENT);
  t.regex(resident.stderr(), new RegExp(`keepup: warning: ${keptDir} still running 400 ms after TERM: sending KILL to its process group\n`));
});
