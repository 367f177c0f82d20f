// svscan as a command: the real svstat/svc work per service, signals, the services' open-file limit.
import test from 'ava';
import {once} from 'node:events';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {addService, normalise} from '../helpers/service-dir.js';
import {bin} from '../helpers/paths.js';
import {isAlive, run, spawnTracked} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';
import {pidOf} from '../helpers/service-pid.js';
import {waitFor} from '../helpers/wait-for.js';

test('SIGTERM brings every service down and exits 0; the real svstat reads each service meanwhile', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-');
  addService(dir, 'a');
  addService(dir, 'd', {down: true});
  const svscan = spawnTracked(t, process.execPath, [bin('svscan'), dir], {stdio: ['ignore', 'ignore', 'pipe']});
  const pid = await waitFor(() => pidOf(join(dir, 'a')), 'a to run');
  await waitFor(async () => (await run('svok', [join(dir, 'd')])).code === 0, 'd to be supervised');
  const real = await run('svstat', ['a', 'd'], {cwd: dir});
  const ours = await run(process.execPath, [bin('svstat'), 'a', 'd'], {cwd: dir});
  t.is(normalise(real.stdout), 'a: up (pid x) x seconds\nd: down x seconds\n');
  t.is(normalise(ours.stdout), normalise(real.stdout));
  const exited = once(svscan, 'exit');
  svscan.kill('SIGTERM');
  const [code] = await exited;
  t.is(code, 0);
  t.false(isAlive(pid));
});

test('-k leaves services running on SIGTERM, as daemontools does', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-');
  addService(dir, 'kept');
  const svscan = spawnTracked(t, process.execPath, [bin('svscan'), '-k', dir], {stdio: 'ignore'});
  const pid = await waitFor(() => pidOf(join(dir, 'kept')), 'kept to run');
  t.teardown(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const exited = once(svscan, 'exit');
  svscan.kill('SIGTERM');
  t.is((await exited)[0], 0);
  t.true(isAlive(pid));
});

test('services start with a soft open-file limit of 1024 and svscan’s hard limit, not the soft limit Node raised itself to', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-');
  addService(dir, 'limits');
  spawnTracked(t, 'prlimit', ['--nofile=4096:4096', '--', process.execPath, bin('svscan'), dir], {stdio: 'ignore'});
  const pid = await waitFor(() => pidOf(join(dir, 'limits')), 'the service to run');
  const limits = await waitFor(() => {
    const text = readFileSync(`/proc/${pid}/limits`, 'utf8');
    return /sleep/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1')) ? text : undefined;
  }, 'the service to be exec’d');
  t.regex(limits, /Max open files\s+1024\s+4096/);
});

test('usage and a missing directory', async (t) => {
  const usage = await run(process.execPath, [bin('svscan'), '-z']);
  t.deepEqual([usage.code, usage.stderr], [100, 'svscan: usage: svscan [ -k ] [ dir ]\n']);
  const missing = await run(process.execPath, [bin('svscan'), join(tmpDir(t), 'nope')]);
  t.is(missing.code, 111);
  t.regex(missing.stderr, /^svscan: fatal: unable to chdir to .*nope: file does not exist\n$/);
});
