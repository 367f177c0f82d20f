import test from 'ava';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {runCaptured} from '../../../src/lib/watchdog/captured-run.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {isAlive} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

const base = {timeoutMs: 20_000, detached: false, killAtDeadline: true};

test('stdout and stderr are collected with the exit status; stdin is /dev/null', async (t) => {
  const cwd = tmpDir(t);
  const run = await runCaptured(['sh', '-c', 'pwd; cat; echo err >&2; exit 3'], {...base, cwd});
  t.deepEqual(run.ending, {kind: 'exited', code: 3});
  t.is(run.output.split('\n').sort().join('\n'), ['', cwd, 'err'].sort().join('\n'));
  t.false(run.truncated);
});

test('a signal death and a program that cannot be started are reported as such', async (t) => {
  const cwd = tmpDir(t);
  t.deepEqual((await runCaptured(['sh', '-c', 'kill -TERM $$'], {...base, cwd})).ending, {kind: 'killed', signal: 'SIGTERM'});
  const missing = await runCaptured([`${cwd}/absent`], {...base, cwd});
  t.is(missing.ending.kind, 'failed');
  t.is(missing.ending.kind === 'failed' ? missing.ending.error.code : '', 'ENOENT');
});

test('output beyond the cap is dropped and marked', async (t) => {
  const run = await runCaptured(['sh', '-c', 'yes 0123456789 | head -c 100000'], {...base, cwd: tmpDir(t), maxOutput: 1000});
  t.is(run.output.length, 1000);
  t.true(run.truncated);
  t.deepEqual(run.ending, {kind: 'exited', code: 0});
});

test('at the deadline a helper is killed, a detached script is let go', async (t) => {
  const cwd = tmpDir(t);
  const helper = await runCaptured(['sh', '-c', 'echo partial; exec sleep 600'], {...base, cwd, timeoutMs: 300});
  t.is(helper.ending.kind, 'running');
  t.is(helper.output, 'partial\n');
  await waitFor(() => !isAlive(helper.pid!) || undefined, 'the helper killed');
  const script = await runCaptured(['sh', '-c', 'echo partial; exec sleep 600'], {cwd, timeoutMs: 300, detached: true, killAtDeadline: false});
  t.teardown(() => {
    try {
      process.kill(-script.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  t.is(script.ending.kind, 'running');
  t.true(isAlive(script.pid!));
});

test("the deadline and the elapsed time are the injected time's: the run ends when it reaches timeoutMs, not before", async (t) => {
  const cwd = tmpDir(t);
  const time = new FakeTime(1_000_000);
  let settled = false;
  const running = runCaptured(['sh', '-c', 'echo $$ > pid.new && mv pid.new pid && exec sleep 600'], {...base, cwd, timeoutMs: 60_000, time});
  void running.then(() => (settled = true));
  const pid = await waitFor(() => (existsSync(join(cwd, 'pid')) ? Number(readFileSync(join(cwd, 'pid'), 'latin1')) : 0), 'the helper running');
  t.teardown(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  t.deepEqual(time.delays(), [60_000]);
  time.advance(59_999);
  await new Promise((resolve) => setImmediate(resolve));
  t.false(settled);
  t.true(isAlive(pid));
  time.advance(1);
  const run = await running;
  t.is(run.ending.kind, 'running');
  t.is(run.elapsedMs, 60_000);
  t.deepEqual(time.delays(), []);
  await waitFor(() => !isAlive(pid) || undefined, 'the helper killed at the deadline');
});
