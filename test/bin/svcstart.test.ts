// svcstart, svcstop, svcreset and svcrestart against the REAL daemontools supervise.
// Not tested: a status file in a bad format (needs a fake supervisor), EACCES on the down file.
import test from 'ava';
import {existsSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {isAlive, run} from '../helpers/processes.js';
import {realSupervised, upPid, writeScript} from '../helpers/supervised.js';
import {tmpDir} from '../helpers/tmp.js';
import {waitFor} from '../helpers/wait-for.js';

const SLEEPER = 'exec sleep 1000';
const frontend = (name: string, ...args: string[]) => run(bin(name), args, {timeoutMs: 60_000});

test('svcstart brings a service up, checks it stays up, and leaves the down file alone', async (t) => {
  const dir = await realSupervised(t, SLEEPER, {down: true});
  const result = await frontend('svcstart', '-s', '1', dir);
  t.is(result.code, 0, result.stderr);
  const pid = await upPid(dir);
  t.true(pid > 0 && isAlive(pid));
  t.regex(result.stdout, new RegExp(`^svcstart: ${dir}: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
  t.is(result.stderr, '');
  t.true(existsSync(join(dir, 'down')));
});

test('svcstart --persist removes the down file', async (t) => {
  const dir = await realSupervised(t, SLEEPER, {down: true});
  const result = await frontend('svcstart', '--persist', '-s', '0', dir);
  t.is(result.code, 0, result.stderr);
  t.false(existsSync(join(dir, 'down')));
});

test('svcstart on a service that keeps exiting: exit 1 after the time limit, one line on stderr', async (t) => {
  const dir = await realSupervised(t, 'exit 1', {down: true});
  const result = await frontend('svcstart', '-t', '3', dir);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.regex(result.stderr, new RegExp(`^svcstart: ${dir}: not running within 3 seconds: (down|exiting \\(pid \\d+\\)|up \\(pid \\d+\\) \\d+ seconds)\\n$`));
});

test('svcstop takes a service down and waits for it; --persist creates the down file', async (t) => {
  const dir = await realSupervised(t, SLEEPER);
  const pid = await waitFor(() => upPid(dir), 'the service to run');
  const result = await frontend('svcstop', '-P', dir);
  t.deepEqual({code: result.code, stdout: result.stdout, stderr: result.stderr}, {code: 0, stdout: `svcstop: ${dir}: down\n`, stderr: ''});
  t.false(isAlive(pid));
  t.true(existsSync(join(dir, 'down')));
  const again = await frontend('svcstop', dir);
  t.is(again.code, 0, 'stopping a stopped service succeeds');
});

test('svcstop on a service that ignores TERM: exit 1, still up', async (t) => {
  const dir = await realSupervised(t, "trap '' TERM; exec sleep 1000");
  const pid = await waitFor(() => upPid(dir), 'the service to run');
  const result = await frontend('svcstop', '-t', '1', dir);
  t.is(result.code, 1);
  t.regex(result.stderr, new RegExp(`^svcstop: ${dir}: not stopped within 1 second: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
  t.true(isAlive(pid));
  t.false(existsSync(join(dir, 'down')), 'no --persist, no down file');
});

test('SERVICE/start decides: it is run instead, in the service directory, and its exit code counts', async (t) => {
  const dir = await realSupervised(t, SLEEPER, {down: true});
  writeScript(dir, 'start', 'svc -u . && echo "started by script in $(pwd)"');
  const ok = await frontend('svcstart', dir);
  t.deepEqual({code: ok.code, stdout: ok.stdout, stderr: ok.stderr}, {code: 0, stdout: `started by script in ${dir}\nsvcstart: ${dir}: start script succeeded\n`, stderr: ''});
  await waitFor(() => upPid(dir), 'the script to have started the service');
  writeScript(dir, 'start', 'svc -u .; svc -d .; exit 3');
  const failed = await frontend('svcstart', dir);
  t.deepEqual({code: failed.code, stdout: failed.stdout, stderr: failed.stderr}, {code: 1, stdout: '', stderr: `svcstart: ${dir}: start script failed with exit code 3\n`});
});

test('a start file that is not executable is ignored', async (t) => {
  const dir = await realSupervised(t, SLEEPER, {down: true});
  writeFileSync(join(dir, 'start'), '#!/bin/sh\nexit 3\n');
  const result = await frontend('svcstart', '-s', '0', dir);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /: up \(pid \d+\)/);
});

test('SERVICE/stop decides for svcstop', async (t) => {
  const dir = await realSupervised(t, SLEEPER);
  writeScript(dir, 'stop', 'svc -d . && exit 0');
  const result = await frontend('svcstop', dir);
  t.deepEqual({code: result.code, stdout: result.stdout}, {code: 0, stdout: `svcstop: ${dir}: stop script succeeded\n`});
  writeScript(dir, 'stop', 'kill -9 $$');
  const killed = await frontend('svcstop', dir);
  t.deepEqual({code: killed.code, stderr: killed.stderr}, {code: 1, stderr: `svcstop: ${dir}: stop script killed by SIGKILL\n`});
});

test('svcreset follows the down file: stops when present, starts when absent', async (t) => {
  const dir = await realSupervised(t, SLEEPER);
  await waitFor(() => upPid(dir), 'the service to run');
  writeFileSync(join(dir, 'down'), '');
  const stopped = await frontend('svcreset', dir);
  t.deepEqual({code: stopped.code, stdout: stopped.stdout}, {code: 0, stdout: `svcreset: ${dir}: down\n`});
  t.is(await upPid(dir), 0);
  unlinkSync(join(dir, 'down'));
  const started = await frontend('svcreset', '-s', '0', dir);
  t.is(started.code, 0, started.stderr);
  t.regex(started.stdout, /^svcreset: .*: up \(pid \d+\) \d+ seconds\n$/);
  t.false(existsSync(join(dir, 'down')));
});

test('svcrestart restarts a running service with a new pid, and leaves a stopped one alone', async (t) => {
  const dir = await realSupervised(t, SLEEPER);
  const before = await waitFor(() => upPid(dir), 'the service to run');
  const restarted = await frontend('svcrestart', '-s', '0', dir);
  t.is(restarted.code, 0, restarted.stderr);
  const after = await upPid(dir);
  t.true(after > 0 && after !== before);
  t.false(isAlive(before));
  t.is(restarted.stdout, `svcrestart: ${dir}: up (pid ${after}) 0 seconds\n`);
  t.is((await run('/usr/bin/svc', ['-d', dir])).code, 0);
  await waitFor(async () => (await upPid(dir)) === 0, 'the service to stop');
  const left = await frontend('svcrestart', dir);
  t.deepEqual({code: left.code, stdout: left.stdout}, {code: 0, stdout: `svcrestart: ${dir}: not running, left alone\n`});
  t.is(await upPid(dir), 0);
});

test('usage errors exit 100 with the synopsis; no supervise or no directory exits 111', async (t) => {
  const dir = tmpDir(t);
  const cases: Array<[string, string[], number, RegExp]> = [
    ['svcstart', [], 100, /^svcstart: usage: svcstart \[-P\|--persist\] \[-t\|--timeout seconds\] \[-s\|--settle seconds\] service\n$/],
    ['svcstop', ['-s', '1', dir], 100, /^svcstop: illegal option: -s\nsvcstop: usage: svcstop \[-P\|--persist\] \[-t\|--timeout seconds\] service\n$/],
    ['svcreset', ['--persist', dir], 100, /^svcreset: illegal option: --persist\n/],
    ['svcrestart', ['-t', 'soon', dir], 100, /^svcrestart: bad timeout: soon\n/],
    ['svcstart', ['-t'], 100, /^svcstart: option requires an argument: -t\n/],
    ['svcstart', [dir, dir], 100, /^svcstart: one service at a time\n/],
    ['svcstart', [dir], 111, new RegExp(`^svcstart: fatal: unable to control ${dir}: supervise not running\\n$`)],
    ['svcstop', [join(dir, 'missing')], 111, new RegExp(`^svcstop: fatal: unable to control ${dir}/missing: file does not exist\\n$`)],
  ];
  for (const [name, args, code, stderr] of cases) {
    const result = await frontend(name, ...args);
    t.is(result.code, code, `${name} ${args.join(' ')}`);
    t.regex(result.stderr, stderr);
    t.is(result.stdout, '');
  }
});
