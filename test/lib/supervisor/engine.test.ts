import test, {type ExecutionContext} from 'ava';
import {chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Supervisor, type SupervisorOptions} from '../../../src/lib/supervisor/engine.js';
import {sendControl, probeSupervisor} from '../../../src/lib/control/client.js';
import {readStatus} from '../../../src/lib/status/file.js';
import * as status from '../../../src/lib/status/codec.js';
import * as childRecord from '../../../src/lib/status/child-record.js';
import {readBootId, readStartTime} from '../../../src/lib/proc/start-time.js';
import {readProcStat} from '../../../src/lib/proc/stat.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {isAlive} from '../../helpers/processes.js';
import {makeService} from '../../helpers/service-dir.js';
import {tmpDir} from '../../helpers/tmp.js';
import {PATIENT, waitFor} from '../../helpers/wait-for.js';

interface Lines {
  warnings: string[];
  fatals: string[];
}

/** An engine on `dir` whose child group is killed and whose fds are released when the test ends. */
function engine(t: ExecutionContext, dir: string, options: Partial<SupervisorOptions> = {}): {supervisor: Supervisor; lines: Lines} {
  const lines: Lines = {warnings: [], fatals: []};
  const supervisor = new Supervisor({
    dir,
    reporter: {warn: (message) => lines.warnings.push(message), childFatal: (message) => lines.fatals.push(message)},
    ...options,
  });
  t.teardown(async () => {
    const pid = supervisor.snapshot().pid;
    supervisor.close();
    if (pid !== 0) {
      // The child itself too: under load it may not have made its own session yet.
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await waitFor(() => !isAlive(pid), `child ${pid} to die`);
    }
  });
  return {supervisor, lines};
}

/**
 * start() retried while the lock is busy: a child forked a moment ago (by this or another test)
 * holds a copy of the lock's descriptor, and so the flock, until it has closed its inherited
 * fds, as svscan retries at its next scan.
 */
async function startWhenFree(supervisor: Supervisor, options: {adopt?: boolean} = {}): Promise<void> {
  const outcome = await waitFor(
    async () => {
      const attempt = await supervisor.start(options);
      return attempt.kind === 'busy' ? undefined : attempt;
    },
    'the lock to be free',
    PATIENT,
  );
  if (outcome.kind !== 'started') throw new Error(`start: ${JSON.stringify(outcome)}`);
}

function statusPid(dir: string): number {
  const record = readStatus(dir);
  return record === 'bad-format' ? -1 : record.pid;
}

test('start: lock, FIFOs, status with the child pid; the child leads its own process group', async (t) => {
  const {dir} = makeService(t);
  const {supervisor} = engine(t, dir);
  t.deepEqual(await supervisor.start(), {kind: 'started'});
  const pid = await waitFor(() => Math.max(0, statusPid(dir)), 'a pid in status', PATIENT);
  t.is(supervisor.snapshot().pid, pid);
  t.is(probeSupervisor(dir), 'running');
  t.is(readProcStat(pid)?.pgrp, pid, 'pgid = pid');
  const record = childRecord.parse(readFileSync(join(dir, 'supervise/child'), 'latin1'));
  t.truthy(record);
  t.true(childRecord.matches(record!, readStartTime(pid), readBootId()));
  t.is(record!.pid, pid);
  const status = readStatus(dir);
  t.like(status, {pid, paused: false, want: 'up'});
});

test('kill -9 of a child that ran past the throttle: a new child at once', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t);
  const {supervisor} = engine(t, dir, {time});
  await supervisor.start();
  const first = await waitFor(() => supervisor.snapshot().pid, 'first child', PATIENT);
  time.advance(5000);
  process.kill(first, 'SIGKILL');
  const second = await waitFor(() => (supervisor.snapshot().pid !== first ? supervisor.snapshot().pid : 0), 'second child', PATIENT);
  t.not(second, first);
  t.is(statusPid(dir), second);
});

test('throttle: a child dying within the second is restarted only when the start timer fires; d cancels it', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t);
  const {supervisor} = engine(t, dir, {time});
  await supervisor.start();
  const first = await waitFor(() => supervisor.snapshot().pid, 'first child', PATIENT);
  time.advance(300);
  process.kill(first, 'SIGKILL');
  await waitFor(() => supervisor.snapshot().phase === 'waiting', 'the waiting phase', PATIENT);
  t.deepEqual(time.delays(), [700]);
  t.like(readStatus(dir), {pid: 0, want: 'up'});
  time.advance(700);
  const second = await waitFor(() => supervisor.snapshot().pid, 'second child', PATIENT);
  process.kill(second, 'SIGKILL');
  await waitFor(() => supervisor.snapshot().phase === 'waiting', 'waiting again', PATIENT);
  sendControl(dir, 'd');
  await waitFor(() => supervisor.snapshot().phase === 'idle', 'd to cancel the start', PATIENT);
  t.deepEqual(time.delays(), []);
  t.like(readStatus(dir), {pid: 0, want: 'down'});
});

test('d stops, u starts, x exits once the child is gone', async (t) => {
  const {dir} = makeService(t);
  const {supervisor} = engine(t, dir);
  await supervisor.start();
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  sendControl(dir, 'd');
  await waitFor(() => !isAlive(pid) && statusPid(dir) === 0, 'child stopped', PATIENT);
  t.like(readStatus(dir), {want: 'down'});
  sendControl(dir, 'u');
  await waitFor(() => statusPid(dir) > 0, 'child started again', PATIENT);
  sendControl(dir, 'x');
  t.like(readStatus(dir), {want: 'up'});
  t.is(supervisor.snapshot().phase, 'running', 'x does not touch the child');
  sendControl(dir, 'd');
  t.is(await supervisor.exited, 'exit');
  t.like(readStatus(dir), {pid: 0, want: 'down'});
  t.is(probeSupervisor(dir), 'not-running');
});

test('timeout-kill: after d, a TERM-proof service and its group get KILL', async (t) => {
  const {dir} = makeService(t, {run: "trap '' TERM\nsleep 1000 &\necho $! > grandchild\nwait", files: {'timeout-kill': '200\n'}});
  const {supervisor, lines} = engine(t, dir);
  await supervisor.start();
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  const grandchild = await waitFor(() => Number(readFileSync(join(dir, 'grandchild'), 'latin1')), 'grandchild pid', PATIENT);
  sendControl(dir, 'd');
  await waitFor(() => !isAlive(pid) && !isAlive(grandchild), 'the whole group to be killed', PATIENT);
  t.like(readStatus(dir), {pid: 0, want: 'down'});
  t.deepEqual(lines.warnings, [`${dir} still running 200 ms after TERM: sending KILL to its process group`]);
});

test('without timeout-kill a TERM-proof service keeps running after d, as in daemontools', async (t) => {
  const {dir} = makeService(t, {run: "trap '' TERM\necho ready > ready\nwhile :; do sleep 1; done", files: {'timeout-kill': 'soon'}});
  const {supervisor, lines} = engine(t, dir);
  await supervisor.start();
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  await waitFor(() => readFileSync(join(dir, 'ready'), 'latin1'), 'trap installed', PATIENT);
  sendControl(dir, 'd');
  await waitFor(() => lines.warnings.length > 0, 'a warning', PATIENT);
  t.deepEqual(lines.warnings, [`ignoring ${dir}/timeout-kill: not a whole number of milliseconds`]);
  t.true(isAlive(pid));
  t.like(readStatus(dir), {pid, want: 'down'});
});

test('missing or non-executable run: daemontools line, retried after each throttle', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t, {run: null});
  const {supervisor, lines} = engine(t, dir, {time});
  await supervisor.start();
  await waitFor(() => lines.fatals.length === 1, 'first failure', PATIENT);
  t.deepEqual(lines.fatals, [`unable to start ${dir}/run: file does not exist`]);
  await waitFor(() => time.delays().length === 1, 'the retry timer', PATIENT);
  writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 1000\n', {mode: 0o644});
  time.advance(1000);
  await waitFor(() => lines.fatals.length === 2, 'second failure', PATIENT);
  t.is(lines.fatals[1], `unable to start ${dir}/run: access denied`);
  t.like(readStatus(dir), {pid: 0, want: 'up'});
  sendControl(dir, 'd');
  await waitFor(() => supervisor.snapshot().phase === 'idle', 'd to stop the retries', PATIENT);
  t.deepEqual(time.delays(), []);
});

test('garbage control bytes are ignored and the next real byte works', async (t) => {
  const {dir} = makeService(t);
  const {supervisor} = engine(t, dir);
  await supervisor.start();
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  sendControl(dir, '\0zZ?\xff\n+U');
  sendControl(dir, 'd');
  await waitFor(() => !isAlive(pid) && statusPid(dir) === 0, 'd after garbage', PATIENT);
  t.like(readStatus(dir), {want: 'down'});
});

test('an unwritable status: a warning per write, and the engine keeps obeying', async (t) => {
  const {dir} = makeService(t, {down: true});
  mkdirSync(join(dir, 'supervise'));
  mkdirSync(join(dir, 'supervise/status.new'));
  const {supervisor, lines} = engine(t, dir);
  t.deepEqual(await supervisor.start(), {kind: 'started'});
  t.is(lines.warnings[0], `unable to open ${dir}/supervise/status.new: is a directory`);
  sendControl(dir, 'u');
  await waitFor(() => supervisor.snapshot().pid, 'u obeyed', PATIENT);
  t.true(lines.warnings.length >= 2);
});

test('a second engine on the same dir is refused with daemontools words; close() frees the lock, child untouched; retry works', async (t) => {
  const {dir} = makeService(t);
  const first = engine(t, dir).supervisor;
  await first.start();
  const pid = await waitFor(() => first.snapshot().pid, 'child', PATIENT);
  const second = engine(t, dir).supervisor;
  t.deepEqual(await second.start(), {kind: 'busy', message: `unable to acquire ${dir}/supervise/lock: temporary failure`});
  first.close();
  t.is(await first.exited, 'closed');
  t.true(isAlive(pid));
  // A child another test forks at this moment holds copies of this process's fds until it closes
  // them (before it waits to exec): `ok` has no reader once those copies are gone too.
  await waitFor(() => probeSupervisor(dir) === 'not-running', 'ok to have no reader', PATIENT).catch(() => undefined);
  t.is(probeSupervisor(dir), 'not-running');
  writeFileSync(join(dir, 'down'), '');
  t.deepEqual(await second.start(), {kind: 'started'}, 'the refused engine may retry');
  t.deepEqual(await second.start(), {kind: 'failed', message: 'start() called twice'});
  t.is(second.snapshot().pid, 0);
  process.kill(-pid, 'SIGKILL');
});

test('start failures: no dir, supervise is a file; nothing left open', async (t) => {
  const {parent, dir} = makeService(t);
  t.deepEqual(await engine(t, join(parent, 'nope')).supervisor.start(), {kind: 'failed', message: `unable to chdir to ${parent}/nope: file does not exist`});
  writeFileSync(join(dir, 'supervise'), '');
  t.deepEqual(await engine(t, dir).supervisor.start(), {kind: 'failed', message: `unable to acquire ${dir}/supervise/lock: not a directory`});
  const other = makeService(t, {}, 's2').dir;
  mkdirSync(join(other, 'supervise'));
  writeFileSync(join(other, 'supervise/control'), '');
  const refused = engine(t, other).supervisor;
  t.deepEqual(await refused.start(), {kind: 'failed', message: `unable to read ${other}/supervise/control: invalid argument`});
  t.is(refused.snapshot().pid, 0, 'nothing started');
  const again = engine(t, other).supervisor;
  t.is((await again.start()).kind, 'failed', 'and the lock was released: the same failure, not busy');
});

test('stdio and environment reach ./run; o runs once', async (t) => {
  const {dir} = makeService(t, {run: 'echo "$GREETING from run"', down: true});
  const out = join(dir, 'out');
  writeFileSync(out, '');
  const fd = openSync(out, 'a');
  t.teardown(() => closeSync(fd));
  const {supervisor} = engine(t, dir, {spawn: {stdio: ['ignore', fd, 'inherit'], extraEnv: {GREETING: 'hello'}}});
  await supervisor.start();
  t.like(readStatus(dir), {pid: 0, want: 'down'});
  sendControl(dir, 'o');
  await waitFor(() => readFileSync(out, 'latin1') === 'hello from run\n', 'output of the one run', PATIENT);
  await waitFor(() => supervisor.snapshot().phase === 'idle', 'no restart after o', PATIENT);
  t.like(readStatus(dir), {pid: 0, want: 'none'});
});

test('spawn as a function is asked at every start; a throw is a failed start; supervise/stats counts starts and exits', async (t) => {
  const {dir} = makeService(t, {run: 'echo "$ROUND" >> rounds; exec sleep 1000', down: true});
  let round = 0;
  const {supervisor, lines} = engine(t, dir, {
    spawn: () => {
      round++;
      if (round === 3) throw new Error('cannot read the env dir');
      return {extraEnv: {ROUND: String(round)}};
    },
  });
  await supervisor.start();
  sendControl(dir, 'u');
  const first = await waitFor(() => supervisor.snapshot().pid || undefined, 'first child', PATIENT);
  sendControl(dir, 't');
  await waitFor(() => readFileSync(join(dir, 'rounds'), 'latin1') === '1\n2\n' || undefined, 'second round', PATIENT);
  const second = await waitFor(() => (supervisor.snapshot().pid !== first && supervisor.snapshot().pid) || undefined, 'second child', PATIENT);
  const stats = JSON.parse(readFileSync(join(dir, 'supervise/stats'), 'latin1')) as unknown;
  t.like(stats, {starts: 2, lastExit: {code: null, signal: 'SIGTERM'}});
  sendControl(dir, 't');
  await waitFor(() => lines.fatals.includes(`unable to start ${dir}/run: cannot read the env dir`) || undefined, 'the failed start reported', PATIENT);
  await waitFor(() => readFileSync(join(dir, 'rounds'), 'latin1') === '1\n2\n4\n' || undefined, 'a start after the failure', PATIENT);
  t.not(supervisor.snapshot().pid, second);
});

test('uid, gid and supplementary groups are applied (in the forked child)', async (t) => {
  // The service writes where nobody may: not its own directory, which must stay root's.
  const out = tmpDir(t);
  chmodSync(out, 0o777);
  const {dir} = makeService(t, {run: `id -u > ${out}/ids; id -g >> ${out}/ids; id -G >> ${out}/ids; exec sleep 1000`});
  const {supervisor} = engine(t, dir, {spawn: {uid: 65534, gid: 65534, groups: [65534, 4]}});
  await supervisor.start();
  const text = await waitFor(() => {
    const ids = readFileSync(join(out, 'ids'), 'latin1');
    return ids.split('\n').length >= 4 && ids;
  }, 'ids written');
  t.is(text, '65534\n65534\n65534 4\n');
  t.is(readStatus(dir) === 'bad-format' ? 0 : (readStatus(dir) as {pid: number}).pid, supervisor.snapshot().pid);
});

test('control signals go to the pid only (as daemontools): t stops run, its background child lives on', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t, {run: 'sleep 1000 &\necho $! > grandchild\nwait', down: true});
  const {supervisor} = engine(t, dir, {time});
  await supervisor.start();
  sendControl(dir, 'o');
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  const grandchild = await waitFor(() => Number(readFileSync(join(dir, 'grandchild'), 'latin1')), 'grandchild pid', PATIENT);
  sendControl(dir, 't');
  await waitFor(() => !isAlive(pid), 'run to die of TERM', PATIENT);
  t.true(isAlive(grandchild));
  process.kill(grandchild, 'SIGKILL');
});

test('adoption: a successor takes over the running child instead of starting a second one, and restarts it when it dies', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t);
  const first = engine(t, dir).supervisor;
  await first.start();
  const pid = await waitFor(() => first.snapshot().pid, 'child', PATIENT);
  sendControl(dir, 'p');
  await waitFor(() => first.snapshot().paused, 'paused', PATIENT);
  const before = readStatus(dir);
  first.close();
  const second = engine(t, dir, {time, adoptPollMs: 50}).supervisor;
  // A child another test forks at this moment holds a copy of the lock's descriptor (and so the
  // flock) until it closes its inherited fds: a busy lock is retried, as svscan retries.
  const outcome = await waitFor(
    async () => {
      const attempt = await second.start({adopt: true});
      return attempt.kind === 'busy' ? undefined : attempt;
    },
    'the lock to be free',
    PATIENT,
  );
  t.deepEqual(outcome, {kind: 'started'});
  t.deepEqual(second.snapshot(), {phase: 'running', want: 'up', paused: true, pid, wantCommands: 0});
  t.deepEqual(readStatus(dir), before, 'status unchanged: same pid, stamp, paused, want');
  t.deepEqual(time.delays(), [50]);
  time.advance(50);
  t.is(second.snapshot().pid, pid, 'still alive: still adopted');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 'adopted child dead', PATIENT);
  time.advance(5000);
  const next = await waitFor(() => (second.snapshot().pid !== pid ? second.snapshot().pid : 0), 'a new child', PATIENT);
  t.is(statusPid(dir), next);
  t.false(second.snapshot().paused);
});

test('the child is on record in supervise/child before ./run runs: its first command reads its own line', async (t) => {
  const {dir} = makeService(t, {run: 'cat supervise/child > seen\necho $$ > pid\nexec sleep 1000'});
  const {supervisor} = engine(t, dir);
  await supervisor.start();
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  const seen = await waitFor(
    () => {
      try {
        return readFileSync(join(dir, 'pid'), 'latin1').trim() === String(pid) ? readFileSync(join(dir, 'seen'), 'latin1') : undefined;
      } catch {
        return undefined;
      }
    },
    'the run script to have looked',
    PATIENT,
  );
  const record = childRecord.parse(seen);
  t.is(record?.pid, pid, `the line ./run saw: ${JSON.stringify(seen)}`);
  t.true(childRecord.matches(record!, readStartTime(pid), readBootId()));
});

test('adoption rests on the record: a status still naming the previous child (a supervisor killed before its status write) adopts the recorded one', async (t) => {
  const {dir} = makeService(t);
  const first = engine(t, dir).supervisor;
  await first.start();
  const pid = await waitFor(() => first.snapshot().pid, 'child', PATIENT);
  first.close();
  // The status of the child before this one: what a kill between the record and the status leaves.
  const before = readStatus(dir);
  if (before === 'bad-format') throw new Error('bad status');
  writeFileSync(join(dir, 'supervise/status'), status.pack({...before, pid: 999_999}));
  const second = engine(t, dir).supervisor;
  await startWhenFree(second, {adopt: true});
  t.is(second.snapshot().pid, pid, 'adopted, not started again');
  t.is(statusPid(dir), pid, 'and the status names it again');
  process.kill(-pid, 'SIGKILL');
});

test('adoption refuses a pid whose start time does not match the record (pid reuse): a new child starts', async (t) => {
  const {dir} = makeService(t);
  const first = engine(t, dir).supervisor;
  await first.start();
  const pid = await waitFor(() => first.snapshot().pid, 'child', PATIENT);
  first.close();
  const record = childRecord.parse(readFileSync(join(dir, 'supervise/child'), 'latin1'))!;
  writeFileSync(join(dir, 'supervise/child'), childRecord.format({...record, startTime: '1'}));
  const second = engine(t, dir).supervisor;
  await startWhenFree(second, {adopt: true});
  const fresh = await waitFor(() => second.snapshot().pid, 'a fresh child', PATIENT);
  t.not(fresh, pid);
  process.kill(-pid, 'SIGKILL');
});

test('stop(ms): dx, and a TERM-proof service and its group get KILL ms later, with a warning', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t, {run: "trap '' TERM\nsleep 1000 &\necho $! > grandchild\nwait"});
  const {supervisor, lines} = engine(t, dir, {time});
  await supervisor.start();
  const pid = await waitFor(() => supervisor.snapshot().pid, 'child', PATIENT);
  const grandchild = await waitFor(() => Number(readFileSync(join(dir, 'grandchild'), 'latin1')), 'grandchild pid', PATIENT);
  let exited = false;
  void supervisor.stop(10_000).then(() => (exited = true));
  t.deepEqual(time.delays(), [10_000]);
  time.advance(9_999);
  t.true(isAlive(pid) && isAlive(grandchild));
  t.deepEqual(lines.warnings, []);
  time.advance(1);
  await waitFor(() => !isAlive(pid) && !isAlive(grandchild) && exited, 'the whole group to be killed and the supervisor to exit', PATIENT);
  t.like(readStatus(dir), {pid: 0, want: 'down'});
  t.deepEqual(lines.warnings, [`${dir} still running 10000 ms after TERM: sending KILL to its process group`]);
});

test('stop(ms): a timeout-kill file wins; a service that obeys TERM leaves no timer and no warning', async (t) => {
  const time = new FakeTime();
  const {dir} = makeService(t, {run: "trap '' TERM\necho ready > ready\nwhile :; do sleep 1; done", files: {'timeout-kill': '200\n'}});
  const {supervisor, lines} = engine(t, dir, {time});
  await supervisor.start();
  await waitFor(() => supervisor.snapshot().pid && readFileSync(join(dir, 'ready'), 'latin1'), 'trap installed', PATIENT);
  void supervisor.stop(10_000);
  t.deepEqual(time.delays(), [200]);
  time.advance(200);
  t.is(await supervisor.exited, 'exit');

  const obedient = makeService(t).dir;
  const second = engine(t, obedient, {time});
  await second.supervisor.start();
  await waitFor(() => second.supervisor.snapshot().pid, 'child', PATIENT);
  t.is(await second.supervisor.stop(10_000), 'exit');
  t.deepEqual(time.delays(), []);
  t.deepEqual(second.lines.warnings, []);
  t.deepEqual(lines.warnings, [`${dir} still running 200 ms after TERM: sending KILL to its process group`]);
});
