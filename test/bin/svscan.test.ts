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
import {PATIENT, waitFor} from '../helpers/wait-for.js';
import {killProcessesUnder} from '../helpers/svscan.js';

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
  const [code] = (await exited) as [number | null];
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

async function serviceLimits(t: Parameters<typeof tmpDir>[0], command: string[]): Promise<string> {
  const dir = tmpDir(t, 'keepup-svscan-');
  addService(dir, 'limits');
  spawnTracked(t, 'prlimit', ['--nofile=777:4096', '--', ...command, dir], {stdio: 'ignore'});
  const pid = await waitFor(() => pidOf(join(dir, 'limits')), 'the service to run');
  // The scanner is SIGKILLed at the end (spawnTracked) and leaves its services running: kill this one too.
  t.teardown(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'), 'the service to be exec’d');
  return readFileSync(`/proc/${pid}/limits`, 'utf8');
}

test('started as installed, svscan hands its services the open-files limit it was given, as daemontools', async (t) => {
  t.regex(await serviceLimits(t, [bin('svscan')]), /Max open files\s+777\s+4096/);
});

test('started as `node svscan.js` it cannot know that limit: services get 1024, not the one Node raised itself to', async (t) => {
  t.regex(await serviceLimits(t, [process.execPath, bin('svscan')]), /Max open files\s+1024\s+4096/);
});

test('on an empty directory svscan keeps running, as daemontools: a service added later is started', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-');
  const scanner = spawnTracked(t, process.execPath, [bin('svscan'), dir], {stdio: 'ignore'});
  t.teardown(() => killProcessesUnder(dir));
  const exited = once(scanner, 'exit');
  // Settled: waiting in its event loop with nothing to supervise.
  await waitFor(() => scanner.exitCode !== null || readFileSync(`/proc/${scanner.pid}/wchan`, 'utf8') === 'do_epoll_wait', 'svscan to wait on its empty directory', PATIENT);
  t.is(scanner.exitCode, null, 'svscan exited on an empty directory');
  const service = addService(dir, 'late');
  await waitFor(() => pidOf(service) > 0 || scanner.exitCode !== null, 'the added service to start', PATIENT);
  t.true(pidOf(service) > 0);
  t.is(scanner.exitCode, null);
  scanner.kill('SIGTERM');
  await exited;
});

test('usage and a missing directory', async (t) => {
  const usage = await run(process.execPath, [bin('svscan'), '-z']);
  t.deepEqual([usage.code, usage.stderr], [100, 'svscan: usage: svscan [ -k ] [ dir ]\n']);
  const missing = await run(process.execPath, [bin('svscan'), join(tmpDir(t), 'nope')]);
  t.is(missing.code, 111);
  t.regex(missing.stderr, /^svscan: fatal: unable to chdir to .*nope: file does not exist\n$/);
});

test('after SIGKILL of svscan, a new svscan adopts the running services and restarts them when they die', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-');
  const service = addService(dir, 'a');
  addService(service, 'log', {run: 'exec cat >> out'});
  const first = spawnTracked(t, process.execPath, [bin('svscan'), dir], {stdio: 'ignore'});
  const pid = await waitFor(() => pidOf(service), 'a to run');
  const logger = await waitFor(() => pidOf(join(service, 'log')), 'the logger to run');
  // A child recorded but not yet released to exec dies with its scanner (by design): kill only once both ran their programs.
  const execd = (target: number, program: string) => readFileSync(`/proc/${target}/cmdline`, 'latin1').split('\0')[0] === program;
  await waitFor(() => execd(pid, 'sleep') && execd(logger, 'cat'), 'a and its logger to exec their programs');
  const killed = once(first, 'exit');
  first.kill('SIGKILL');
  await killed;
  t.true(isAlive(pid) && isAlive(logger), 'services outlive a killed scanner');
  spawnTracked(t, process.execPath, [bin('svscan'), dir], {stdio: 'ignore'});
  await waitFor(async () => (await run('svok', [service])).code === 0, 'the new svscan to supervise a');
  const status = await run('svstat', [service, join(service, 'log')]);
  t.is(normalise(status.stdout).replaceAll(service, 'a'), 'a: up (pid x) x seconds\na/log: up (pid x) x seconds\n');
  t.is(pidOf(service), pid, 'adopted, not started again');
  t.is(pidOf(join(service, 'log')), logger);
  t.is(readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0], 'sleep');
  process.kill(pid, 'SIGKILL');
  const next = await waitFor(() => {
    const now = pidOf(service);
    return now !== pid ? now : 0;
  }, 'the adopted service to be restarted when it dies');
  t.true(isAlive(next));
  t.teardown(() => {
    for (const target of [next, pid, logger]) {
      try {
        process.kill(-target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
});
