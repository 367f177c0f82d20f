// keepup supervise and keepup cron under the signals daemontools users send, with real
// processes: ALRM, USR2, QUIT and the other stray signals leave them running (ALRM rescans
// or runs a pass), the start and reload lines, and counters that survive a SIGKILL.
// Not tested here: that ALRM rescans keepup supervise's tree (test/lib/keepup/supervise-command.test.ts,
// with fake timers, proves it: with real ones the fallback rescan would pick the service up too).
import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {daemonPids, uniqueName, watchdogSetup, type WatchdogSetup} from '../helpers/daemons.js';
import {startResident} from '../helpers/resident.js';
import {pidOf, upPid} from '../helpers/service-pid.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';
import {STRAY_SIGNALS} from '../../src/lib/sys/signals.js';

const keepup = (args: string[]) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 60_000});

function setup(t: Parameters<typeof watchdogSetup>[0]): WatchdogSetup & {serviceDir: string} {
  const base = watchdogSetup(t);
  return {...base, serviceDir: join(base.dir, 'service')};
}

const entry = (name: string, seconds: number) => `  - name: ${name}\n    run: [sleep, "${seconds}"]\n`;

const supervisingLines = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('keepup: supervising'));

test('keepup supervise says once what it supervises at start and after a good SIGHUP, with what changed', async (t) => {
  const s = setup(t);
  const checked = s.addDaemon();
  const [a, b, c] = [uniqueName('sv'), uniqueName('sv'), uniqueName('sv')];
  s.writeConfig(`serviceDir: service\ncheckInterval: 60\ndaemons:\n  - ${checked}\n${entry(a, 600)}${entry(b, 600)}`);
  const resident = startResident(t, s.config, s.serviceDir);
  await waitFor(() => supervisingLines(resident.stdout()).length > 0, 'the start line', PATIENT);
  t.deepEqual(supervisingLines(resident.stdout()), [`keepup: supervising 2 services in ${s.serviceDir} (1 checked by name)`]);
  await upPid(join(s.serviceDir, a));

  s.writeConfig(`serviceDir: service\ncheckInterval: 60\ndaemons:\n  - ${checked}\n${entry(a, 601)}${entry(c, 600)}`);
  resident.child.kill('SIGHUP');
  await waitFor(() => supervisingLines(resident.stdout()).length > 1, 'the reload line', PATIENT);
  t.deepEqual(supervisingLines(resident.stdout()).slice(1), [`keepup: supervising 2 services in ${s.serviceDir} (1 checked by name); added: ${c}; removed: ${b}; changed: ${a}`]);
  resident.child.kill('SIGHUP');
  await waitFor(() => supervisingLines(resident.stdout()).length > 2, 'the second reload line', PATIENT);
  t.is(supervisingLines(resident.stdout())[2], `keepup: supervising 2 services in ${s.serviceDir} (1 checked by name); no change`);

  s.writeConfig('daemons: [ {name: x, bogus: 1} ]\n');
  resident.child.kill('SIGHUP');
  await waitFor(() => resident.stderr().includes('keeping the services as they are'), 'the bad-config warning', PATIENT);
  t.is(supervisingLines(resident.stdout()).length, 3, 'a bad config prints no supervising line');
});

test('keepup supervise lives through SIGALRM and every stray signal, services untouched; SIGTERM still stops it cleanly', async (t) => {
  const s = setup(t);
  const name = uniqueName('sv');
  s.writeConfig(`serviceDir: service\ndaemons:\n${entry(name, 600)}`);
  const resident = startResident(t, s.config, s.serviceDir);
  const pid = await upPid(join(s.serviceDir, name));
  resident.child.kill('SIGALRM');
  for (const signal of STRAY_SIGNALS) resident.child.kill(signal);
  for (const signal of STRAY_SIGNALS) {
    await waitFor(() => resident.stderr().includes(`keepup: warning: ignoring ${signal}: SIGTERM stops keepup supervise, SIGHUP reloads the config\n`), `the ${signal} warning`, PATIENT);
  }
  t.is(resident.child.exitCode, null);
  t.is(resident.child.signalCode, null);
  t.is(pidOf(join(s.serviceDir, name)), pid);
  t.is((await run('svok', [join(s.serviceDir, name)])).code, 0);
  resident.child.kill('SIGTERM');
  resident.child.kill('SIGALRM');
  resident.child.kill('SIGHUP');
  const code = await resident.exited;
  t.deepEqual({code, signal: resident.child.signalCode}, {code: 0, signal: null}, `signals during the shutdown do not kill it; stderr: ${resident.stderr()}`);
  t.is(pidOf(join(s.serviceDir, name)), 0, 'the service went down');
});

test('keepup cron lives through SIGALRM (a pass now) and every stray signal; SIGTERM exits 0', async (t) => {
  const s = setup(t);
  const daemon = s.addDaemon();
  s.writeConfig(`schedule: "0 0 1 1 *"\nscriptTimeout: 0.1\ndaemons:\n  - ${daemon}\n`);
  const child = spawn(process.execPath, [bin('keepup'), 'cron', '--config', s.config], {stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit');
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const restarts = () => stdout.split('\n').filter((line) => line.includes(`Restarting ${daemon}`)).length;
  await waitFor(() => restarts() === 1, 'the first pass', PATIENT);
  // The start script backgrounds the daemon; kill it so that only a new pass can restart it.
  const first = await waitFor(() => daemonPids(daemon)[0], 'the daemon', PATIENT);
  process.kill(first, 'SIGKILL');
  await waitFor(() => !daemonPids(daemon).includes(first), 'the daemon to die', PATIENT);
  // The schedule never fires: only SIGALRM runs passes (again while the last start is recent).
  await waitFor(() => restarts() === 2 || void child.kill('SIGALRM'), 'a pass run by SIGALRM', {...PATIENT, intervalMs: 300});
  for (const signal of STRAY_SIGNALS) child.kill(signal);
  for (const signal of STRAY_SIGNALS) {
    await waitFor(() => stderr.includes(`keepup: warning: ignoring ${signal}: SIGTERM stops keepup cron, SIGHUP reloads the config\n`), `the ${signal} warning`, PATIENT);
  }
  t.is(child.exitCode, null);
  child.kill('SIGTERM');
  const [code, signal] = (await exited) as [number | null, string | null];
  t.deepEqual([code, signal], [0, null]);
});

test('restart counters survive a SIGKILL of keepup supervise: the next one adopts the service, keepup status shows the same restarts, and counting goes on', async (t) => {
  const s = setup(t);
  const name = uniqueName('sv');
  s.writeConfig(`serviceDir: service\ndaemons:\n${entry(name, 600)}`);
  const dir = join(s.serviceDir, name);
  const first = startResident(t, s.config, s.serviceDir);
  let pid = await upPid(dir);
  for (let i = 0; i < 2; i++) {
    t.is((await run('svc', ['-t', dir])).code, 0);
    pid = await upPid(dir, pid);
  }
  const status = async () => {
    const json = await keepup(['status', '--config', s.config, '--json']);
    return json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((row) => row.name === name);
  };
  await waitFor(async () => (await status())?.restarts === 2, 'two restarts counted', PATIENT);
  const before = await status();
  first.child.kill('SIGKILL');
  await first.exited;
  const second = startResident(t, s.config, s.serviceDir);
  await waitFor(() => supervisingLines(second.stdout()).length > 0, 'the second keepup supervise', PATIENT);
  t.is(pidOf(dir), pid, 'adopted, not started again');
  const after = await status();
  t.is(after?.pid, pid);
  t.is(after?.restarts, 2);
  t.deepEqual(after?.lastExit, before?.lastExit);
  // The adopting supervisor counts on from there (it rewrites supervise/stats at the next exit and start).
  t.is((await run('svc', ['-t', dir])).code, 0);
  await upPid(dir, pid);
  await waitFor(async () => (await status())?.restarts === 3, 'the third restart counted on', PATIENT);
});
