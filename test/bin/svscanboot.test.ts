// svscanboot: stops a leftover supervise, runs svscan under readproctitle, passes SIGTERM on.
import test from 'ava';
import {once} from 'node:events';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {addService} from '../helpers/service-dir.js';
import {bin, ROOT} from '../helpers/paths.js';
import {isAlive, run, spawnTracked} from '../helpers/processes.js';
import {pidOf} from '../helpers/service-pid.js';
import {startSupervise} from '../helpers/supervisors.js';
import {killProcessesUnder} from '../helpers/svscan.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

function titleOfReadproctitle(marker: string): string | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name))) {
    try {
      const text = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (text.startsWith('readproctitle service errors: ') && text.includes(marker)) return text;
    } catch {
      // gone
    }
  }
  return undefined;
}

test('a leftover supervise is stopped, svscan takes over, errors show in ps, SIGTERM ends it all', async (t) => {
  const dir = tmpDir(t, 'keepup-boot-');
  // Services run in sessions of their own: what a failed test leaves in the tree is killed too.
  t.teardown(() => killProcessesUnder(dir));
  const marker = `boot-${process.pid}-${Date.now()}`;
  const service = addService(dir, 'a', {run: `echo "${marker} a started" >&2; exec sleep 1000`});
  const leftover = startSupervise(t, 'real', dir, 'a');
  const firstPid = await waitFor(() => pidOf(service), 'the leftover supervise to start a');
  const boot = spawnTracked(t, process.execPath, [bin('svscanboot'), dir], {stdio: 'ignore', detached: true});
  await once(leftover, 'exit');
  t.false(isAlive(firstPid), 'svc -dx took the leftover service down');
  const ours = await waitFor(() => {
    const pid = pidOf(service);
    return pid !== firstPid ? pid : 0;
  }, 'svscan to start a again');
  const title = await waitFor(() => titleOfReadproctitle(`${marker} a started`), 'the error line in the process list');
  t.true(title.startsWith('readproctitle service errors: ...'));
  const exited = once(boot, 'exit');
  boot.kill('SIGTERM');
  t.is((await exited)[0], 0);
  await waitFor(() => !isAlive(ours), 'the service to be taken down');
  await waitFor(() => titleOfReadproctitle(marker) === undefined, 'readproctitle to exit');
  t.false(isAlive(ours), 'the service is down');
  t.is(titleOfReadproctitle(marker), undefined, 'readproctitle is gone');
});

test("run scripts under svscanboot find keepup's commands by name first on PATH: svstat, setuidgid", async (t) => {
  const dir = tmpDir(t, 'keepup-bootpath-');
  // Services run in sessions of their own: what a failed test leaves in the tree is killed too.
  t.teardown(() => killProcessesUnder(dir));
  const service = addService(dir, 'p', {
    run: 'for c in svstat setuidgid svc multilog; do command -v "$c"; done > found.new; svstat . >> found.new; setuidgid nobody id -u >> found.new; mv found.new found; exec sleep 1000',
  });
  const boot = spawnTracked(t, process.execPath, [bin('svscanboot'), dir], {stdio: 'ignore', detached: true});
  const found = await waitFor(
    () => {
      try {
        return readFileSync(join(service, 'found'), 'utf8');
      } catch {
        return undefined;
      }
    },
    'the run script to report',
    PATIENT,
  );
  const commands = join(ROOT, 'dist', 'commands');
  const lines = found.split('\n');
  t.deepEqual(
    lines.slice(0, 4),
    ['svstat', 'setuidgid', 'svc', 'multilog'].map((name) => join(commands, name)),
  );
  t.regex(lines[4]!, /^\.: up \(pid \d+\) \d+ seconds$/);
  t.is(lines[5], String(Number((await run('id', ['-u', 'nobody'])).stdout.trim())));
  const pid = pidOf(service);
  const exited = once(boot, 'exit');
  boot.kill('SIGTERM');
  t.is((await exited)[0], 0);
  await waitFor(() => !isAlive(pid), 'the service to be taken down', PATIENT);
});
