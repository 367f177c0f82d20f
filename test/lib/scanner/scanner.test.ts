import test, {type ExecutionContext} from 'ava';
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {DEFAULT_STOP_TIMEOUT_MS, DRAIN_MS, RESCAN_MS, Scanner} from '../../../src/lib/scanner/scanner.js';
import {controlService} from '../../../src/lib/control/service-control.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {readStatus} from '../../../src/lib/status/file.js';
import {addService} from '../../helpers/service-dir.js';
import {isAlive, run} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';
import {pidOf} from '../../helpers/service-pid.js';
import {waitFor} from '../../helpers/wait-for.js';

/** A scanner over a fresh directory, stopped ('down') and checked for leftovers at test end. */
function scannerFor(t: ExecutionContext, options: {rescanMs?: number; watch?: boolean} = {}): {dir: string; scanner: Scanner; warnings: string[]} {
  const dir = tmpDir(t, 'keepup-scan-');
  const warnings: string[] = [];
  const reporter = {warn: (message: string) => warnings.push(message)};
  const scanner = new Scanner({dir, reporter, supervisorReporter: {...reporter, childFatal: (message) => warnings.push(message)}, ...options});
  t.teardown(async () => {
    const pids = scanner
      .services()
      .flatMap((s) => [s.mainPid, s.logPid ?? 0])
      .filter((pid) => pid > 0);
    await scanner.stop('down');
    for (const pid of pids) await waitFor(() => !isAlive(pid), `service ${pid} to be gone`);
  });
  return {dir, scanner, warnings};
}

test('supervises every directory but dot names; a new directory is seen by the watch alone', async (t) => {
  const {dir, scanner} = scannerFor(t, {rescanMs: 3_600_000});
  addService(dir, 'a');
  addService(dir, '.hidden');
  await scanner.start();
  const first = await waitFor(() => pidOf(join(dir, 'a')), 'a to run');
  t.true(isAlive(first));
  t.is(pidOf(join(dir, '.hidden')), 0);
  addService(dir, 'b');
  await waitFor(() => pidOf(join(dir, 'b')), 'b to be picked up by the directory watch');
  t.deepEqual(
    scanner
      .services()
      .map((s) => s.name)
      .sort(),
    ['a', 'b'],
  );
});

test('without a watch the periodic rescan picks new directories up', async (t) => {
  const {dir, scanner} = scannerFor(t, {watch: false, rescanMs: 100});
  await scanner.start();
  addService(dir, 'late');
  const late = await waitFor(() => pidOf(join(dir, 'late')), 'late to be picked up by a rescan');
  t.true(isAlive(late), 'late runs');
  t.deepEqual(
    scanner.services().map((s) => s.name),
    ['late'],
  );
});

test('a fully supervised tree under a working watch arms no rescan; a supervisor that exits brings one, which starts it again', async (t) => {
  const time = new FakeTime();
  const dir = tmpDir(t, 'keepup-scan-');
  const warnings: string[] = [];
  const reporter = {warn: (message: string) => warnings.push(message)};
  const scanner = new Scanner({dir, reporter, supervisorReporter: {...reporter, childFatal: (message) => warnings.push(message)}, time});
  t.teardown(() => scanner.stop('down'));
  const service = addService(dir, 'a');
  await scanner.start();
  const first = await waitFor(() => pidOf(service), 'a to run');
  t.false(time.delays().includes(RESCAN_MS), 'no rescan is due while nothing happens');
  t.is(controlService(service, 'dx').kind, 'sent');
  await waitFor(() => time.delays().includes(RESCAN_MS), 'the rescan after the supervisor exited');
  await waitFor(() => !isAlive(first), 'a to stop');
  time.advance(RESCAN_MS);
  await waitFor(() => scanner.services().find((s) => s.name === 'a')?.supervised && pidOf(service) !== 0, 'a supervised and running again');
  await waitFor(() => !time.delays().includes(RESCAN_MS), 'no rescan once everything is supervised again');
  t.deepEqual(warnings, []);
});

test('the log pipe outlives its logger: lines written while the logger is down are all logged, in order', async (t) => {
  const {dir, scanner} = scannerFor(t);
  const half = (from: number) => `i=${from}; while [ $i -lt ${from + 200} ]; do i=$((i+1)); echo "line $i"; done`;
  const service = addService(dir, 'counter', {
    run: `${half(0)}; until [ -e go ]; do sleep 0.05; done; ${half(200)}; touch written; exec sleep 1000`,
  });
  addService(service, 'log', {run: 'exec cat >> out'});
  await scanner.start();
  const logDir = join(service, 'log');
  const logged = () => readFileSync(join(logDir, 'out'), 'utf8');
  await waitFor(() => logged().includes('line 200\n'), 'the first half to be logged');
  const logger = pidOf(logDir);
  t.is((await run('svc', ['-d', logDir])).code, 0);
  await waitFor(() => !isAlive(logger), 'the logger to stop');
  writeFileSync(join(service, 'go'), '');
  await waitFor(() => existsSync(join(service, 'written')), 'the second half to be written with no logger');
  t.false(logged().includes('line 201\n'));
  t.is((await run('svc', ['-u', logDir])).code, 0);
  const text = await waitFor(() => (logged().includes('line 400\n') ? logged() : undefined), 'all 400 lines', {timeoutMs: 30_000});
  t.is(text, Array.from({length: 400}, (_, i) => `line ${i + 1}\n`).join(''));
});

test('a vanished directory keeps its supervisor until it exits; the real svc controls it', async (t) => {
  const {dir, scanner} = scannerFor(t);
  const service = addService(dir, 'moving');
  await scanner.start();
  const pid = await waitFor(() => pidOf(service), 'moving to run');
  const moved = join(tmpDir(t), 'moved');
  renameSync(service, moved);
  await scanner.scan();
  t.true(isAlive(pid));
  t.is(pidOf(moved), pid);
  const result = await run('svc', ['-d', moved]);
  t.is(result.code, 0);
  await waitFor(() => !isAlive(pid), 'the service to stop after the real svc -d');
  t.deepEqual(
    scanner.services().map((s) => s.name),
    ['moving'],
  );
});

test('stop("down") takes services down and loggers last; stop("leave") leaves them running', async (t) => {
  const down = scannerFor(t);
  const a = addService(down.dir, 'a');
  await down.scanner.start();
  const pid = await waitFor(() => pidOf(a), 'a to run');
  await down.scanner.stop('down');
  t.false(isAlive(pid));
  t.is(readStatus(a) !== 'bad-format' && (readStatus(a) as {want: string}).want, 'down');

  const leave = scannerFor(t);
  const b = addService(leave.dir, 'b');
  await leave.scanner.start();
  const kept = await waitFor(() => pidOf(b), 'b to run');
  await leave.scanner.stop('leave');
  t.true(isAlive(kept));
  const result = await run('svok', [b]);
  t.is(result.code, 100, 'nobody supervises b any more');
  process.kill(-kept, 'SIGKILL');
  await waitFor(() => !isAlive(kept), 'b to die');
});

test('shutdown always finishes: a TERM-proof service without timeout-kill gets KILL (its group too) after the default stop timeout', async (t) => {
  const time = new FakeTime();
  const dir = tmpDir(t, 'keepup-scan-');
  const warnings: string[] = [];
  const reporter = {warn: (message: string) => warnings.push(message)};
  const scanner = new Scanner({dir, reporter, supervisorReporter: {...reporter, childFatal: (message) => warnings.push(message)}, time, watch: false});
  const service = addService(dir, 'stubborn', {run: "trap '' TERM\nsleep 1000 &\necho $! > grandchild\nwait"});
  await scanner.start();
  const pid = await waitFor(() => pidOf(service), 'the service to run');
  const grandchild = await waitFor(() => Number(readFileSync(join(service, 'grandchild'), 'latin1')), 'the grandchild');
  t.teardown(() => [pid, grandchild].forEach((p) => isAlive(p) && process.kill(p, 'SIGKILL')));
  let stopped = false;
  const stopping = scanner.stop('down').then(() => (stopped = true));
  await waitFor(() => time.delays().includes(DEFAULT_STOP_TIMEOUT_MS), 'the stop timer');
  time.advance(DEFAULT_STOP_TIMEOUT_MS - 1);
  t.true(isAlive(pid) && isAlive(grandchild) && !stopped);
  time.advance(1);
  await stopping;
  await waitFor(() => !isAlive(pid) && !isAlive(grandchild), 'the group to be killed');
  t.deepEqual(warnings, [`${service} still running ${DEFAULT_STOP_TIMEOUT_MS} ms after TERM: sending KILL to its process group`]);
});

test('retire always finishes: a TERM-proof service and a logger that never reads to the end', async (t) => {
  const time = new FakeTime();
  const dir = tmpDir(t, 'keepup-scan-');
  const warnings: string[] = [];
  const reporter = {warn: (message: string) => warnings.push(message)};
  const scanner = new Scanner({dir, reporter, supervisorReporter: {...reporter, childFatal: (message) => warnings.push(message)}, time, watch: false, stopTimeoutMs: 3000});
  t.teardown(() => scanner.stop('down'));
  const service = addService(dir, 'stubborn', {run: "trap '' TERM\necho ready > ready\nexec sleep 1000 > /dev/null"});
  // A logger that ignores TERM and whose stdin stays open through its own writer: it never ends by itself.
  const logDir = addService(service, 'log', {run: "trap '' TERM\nexec 3>/proc/self/fd/0\necho ready > ready\nexec sleep 1000"});
  await scanner.start();
  const pids = await waitFor(() => (existsSync(join(service, 'ready')) && existsSync(join(logDir, 'ready')) ? [pidOf(service), pidOf(logDir)] : undefined), 'both to run');
  t.teardown(() => pids.forEach((p) => isAlive(p) && process.kill(p, 'SIGKILL')));
  const retired = scanner.retire('stubborn');
  await waitFor(() => time.delays().includes(3000), 'the service stop timer');
  time.advance(3000);
  await waitFor(() => !isAlive(pids[0]!) && time.delays().includes(DRAIN_MS), 'the service killed, the logger given time to drain');
  time.advance(DRAIN_MS);
  await waitFor(() => time.delays().includes(3000), 'the logger stop timer');
  t.true(isAlive(pids[1]!));
  time.advance(3000);
  await retired;
  t.false(isAlive(pids[1]!));
  t.deepEqual(warnings, [`${service} still running 3000 ms after TERM: sending KILL to its process group`, `${logDir} still running 3000 ms after TERM: sending KILL to its process group`]);
});
