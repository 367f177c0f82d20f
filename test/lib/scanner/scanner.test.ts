import test, {type ExecutionContext} from 'ava';
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Scanner} from '../../../src/lib/scanner/scanner.js';
import {readStatus} from '../../../src/lib/control/client.js';
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
    const pids = scanner.services().flatMap((s) => [s.mainPid, s.logPid ?? 0]).filter((pid) => pid > 0);
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
  t.deepEqual(scanner.services().map((s) => s.name).sort(), ['a', 'b']);
});

test('without a watch the periodic rescan picks new directories up', async (t) => {
  const {dir, scanner} = scannerFor(t, {watch: false, rescanMs: 100});
  await scanner.start();
  addService(dir, 'late');
  await waitFor(() => pidOf(join(dir, 'late')), 'late to be picked up by a rescan');
  t.pass();
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
  t.deepEqual(scanner.services().map((s) => s.name), ['moving']);
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
