// svscan's log pipe with real loggers: keepup's multilog, Debian's multilog and runit's svlogd
// (each started by `log/run`), a slow processor, a logger paused with the real svc, a Python
// service, and shutdown. The promise under test: a stalled logger blocks the writer and loses
// nothing, whatever either side does with the O_NONBLOCK flag of its descriptor.
// Not tested: a service that sets O_NONBLOCK on its own stdout (it then gets EAGAIN by its own
// choice, as under daemontools).
import test, {type ExecutionContext} from 'ava';
import {once} from 'node:events';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {addService} from '../helpers/service-dir.js';
import {loggedLines} from '../helpers/log-dir.js';
import {bin} from '../helpers/paths.js';
import {isAlive, run, spawnTracked} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';
import {pidOf} from '../helpers/service-pid.js';
import {killProcessesUnder} from '../helpers/svscan.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

type Logger = 'keepup multilog' | 'Debian multilog' | 'svlogd';
const LOGGERS: readonly Logger[] = ['keepup multilog', 'Debian multilog', 'svlogd'];

/** A processor that takes its time at every rotation: the logger reads nothing meanwhile. */
const SLOW_PROCESSOR = 'sh -c "sleep 0.2; exec cat"';

/** NAME/log with `logger` writing ./main (small files, many kept; optionally a slow processor). */
function addLogger(service: string, logger: Logger, options: {slow?: boolean} = {}): string {
  const logDir = addService(service, 'log', {run: logRun(logger, options)});
  if (logger === 'svlogd') {
    mkdirSync(join(logDir, 'main'));
    writeFileSync(join(logDir, 'main', 'config'), `s16384\nn1000\n${options.slow ? `!${SLOW_PROCESSOR}\n` : ''}`);
  }
  return logDir;
}

function logRun(logger: Logger, options: {slow?: boolean}): string {
  if (logger === 'svlogd') return 'exec /usr/bin/svlogd ./main';
  const command = logger === 'keepup multilog' ? `'${process.execPath}' '${bin('multilog')}'` : '/usr/bin/multilog';
  return `exec ${command} n1000 s16384 ${options.slow ? `'!${SLOW_PROCESSOR}'` : ''} ./main`;
}

/** Waits until `n` lines are logged in LOGDIR/main; returns them. */
function allLogged(logDir: string, n: number, timeoutMs = PATIENT.timeoutMs): Promise<string[]> {
  return waitFor(
    () => {
      const now = loggedLines(join(logDir, 'main'));
      return now.length >= n ? now : undefined;
    },
    `${n} lines to be logged`,
    {timeoutMs},
  );
}

/** svscan (built) on `dir`; at test end SIGTERM, then KILL of whatever is left. */
function startSvscan(t: ExecutionContext, dir: string, supervised: readonly string[]) {
  const svscan = spawnTracked(t, process.execPath, [bin('svscan'), dir], {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  svscan.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const seen = new Set<number>();
  const remember = setInterval(() => supervised.forEach((sv) => pidOf(sv) > 0 && seen.add(pidOf(sv))), 20);
  t.teardown(async () => {
    clearInterval(remember);
    // The scanner first: alive, it would restart what is killed below, and a service started
    // then would outlive the test holding this worker's stderr (the worker could not exit).
    if (svscan.exitCode === null && svscan.signalCode === null) {
      const gone = once(svscan, 'exit');
      svscan.kill('SIGKILL');
      await gone;
    }
    for (const pid of seen) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    // A writer that restarted between two looks at its pid still runs in the tree.
    await killProcessesUnder(dir);
  });
  return {svscan, stderr: () => stderr};
}

/** `n` lines of about 100 bytes, numbered from 1. */
const expected = (n: number, pad = '') => Array.from({length: n}, (_, i) => `line ${i + 1}${pad}`);
const PAD = ` ${'x'.repeat(90)}`;

/** A run script that waits for `go`, writes `lines` with sh's echo (errors to ./errors), then sleeps. */
function writerRun(lines: number, pad: string): string {
  return ['exec 2>errors', 'until [ -e go ]; do sleep 0.02; done', `i=0; while [ $i -lt ${lines} ]; do i=$((i+1)); echo "line $i${pad}"; done`, 'touch written', 'exec sleep 1000'].join(
    '\n',
  );
}

/**
 * Waits for the service and its logger, then restarts the logger (`svc -t`, as after a logger
 * crash): a logger started after its service must not change the service's descriptor either.
 * Returns the service's pid.
 */
async function upWithRestartedLogger(service: string, logDir: string): Promise<number> {
  const first = await waitFor(() => pidOf(service) && pidOf(logDir), 'the service and its logger to run', PATIENT);
  if ((await run('/usr/bin/svc', ['-t', logDir])).code !== 0) throw new Error('svc -t failed');
  await waitFor(() => pidOf(logDir) !== first && pidOf(logDir) !== 0, 'the logger to start again', PATIENT);
  return pidOf(service);
}

/** True while the process is blocked writing to a pipe (the kernel's wait channel). */
function blockedOnPipe(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('pipe_write');
  } catch {
    return false;
  }
}

for (const logger of LOGGERS) {
  test(`${logger}: 20000 lines behind a slow processor all arrive in order and the writer never sees EAGAIN`, async (t) => {
    const dir = tmpDir(t, 'keepup-logpipe-');
    const service = addService(dir, 'writer', {run: writerRun(20000, '')});
    const logDir = addLogger(service, logger, {slow: true});
    startSvscan(t, dir, [service, logDir]);
    await upWithRestartedLogger(service, logDir);
    writeFileSync(join(service, 'go'), '');
    await waitFor(() => existsSync(join(service, 'written')), 'the writer to finish', {timeoutMs: 120_000});
    const lines = await allLogged(logDir, 20000, 120_000);
    t.is(readFileSync(join(service, 'errors'), 'utf8'), '', 'no write error (EAGAIN) in the writer');
    t.deepEqual(lines, expected(20000));
  });

  test(`${logger}: paused with svc -p while the service writes 3000 lines, then svc -c: every line arrives`, async (t) => {
    const dir = tmpDir(t, 'keepup-logpipe-');
    const service = addService(dir, 'writer', {run: writerRun(3000, PAD)});
    const logDir = addLogger(service, logger);
    startSvscan(t, dir, [service, logDir]);
    const writer = await upWithRestartedLogger(service, logDir);
    t.is((await run('/usr/bin/svc', ['-p', logDir])).code, 0);
    writeFileSync(join(service, 'go'), '');
    // 300 kB do not fit in the pipe: the writer must block (not fail) until the logger goes on.
    await waitFor(() => blockedOnPipe(writer) || existsSync(join(service, 'written')), 'the writer to block on the full pipe', PATIENT);
    t.false(existsSync(join(service, 'written')), 'the writer blocked instead of finishing');
    t.is((await run('/usr/bin/svc', ['-c', logDir])).code, 0);
    const lines = await allLogged(logDir, 3000);
    t.is(readFileSync(join(service, 'errors'), 'utf8'), '');
    t.deepEqual(lines, expected(3000, PAD));
  });

  test(`${logger}: a Python service printing while its logger is paused does not die`, async (t) => {
    const dir = tmpDir(t, 'keepup-logpipe-');
    const script = `import sys\nfor i in range(1, 3001):\n    print("line %d${PAD}" % i, flush=True)\n`;
    const service = addService(dir, 'python', {
      run: ['until [ -e go ]; do sleep 0.02; done', `python3 -c '${script}' 2>errors`, 'echo $? > status', 'exec sleep 1000'].join('\n'),
    });
    const logDir = addLogger(service, logger);
    startSvscan(t, dir, [service, logDir]);
    await upWithRestartedLogger(service, logDir);
    t.is((await run('/usr/bin/svc', ['-p', logDir])).code, 0);
    writeFileSync(join(service, 'go'), '');
    const python = await waitFor(
      () => {
        const pid = readFileSync(`/proc/${pidOf(service)}/task/${pidOf(service)}/children`, 'utf8').trim();
        return pid && blockedOnPipe(Number(pid)) ? pid : existsSync(join(service, 'status')) ? 'exited' : undefined;
      },
      'python to block on the full pipe',
      PATIENT,
    );
    t.not(python, 'exited', `python ended while its logger was paused: ${existsSync(join(service, 'errors')) ? readFileSync(join(service, 'errors'), 'utf8') : ''}`);
    t.is((await run('/usr/bin/svc', ['-c', logDir])).code, 0);
    // The shell creates `status` before it writes the code into it: wait for the whole line.
    await waitFor(() => existsSync(join(service, 'status')) && readFileSync(join(service, 'status'), 'utf8').endsWith('\n'), 'python to finish', PATIENT);
    t.is(readFileSync(join(service, 'status'), 'utf8'), '0\n', readFileSync(join(service, 'errors'), 'utf8'));
    const lines = await allLogged(logDir, 3000);
    t.deepEqual(lines, expected(3000, PAD));
  });
}

test('SIGTERM shutdown completes with svlogd as the logger, which logs the last lines first', async (t) => {
  const dir = tmpDir(t, 'keepup-logpipe-');
  const service = addService(dir, 'writer', {run: writerRun(500, '')});
  const logDir = addLogger(service, 'svlogd');
  const {svscan} = startSvscan(t, dir, [service, logDir]);
  const [pid, logger] = await waitFor(() => (pidOf(service) && pidOf(logDir) ? [pidOf(service), pidOf(logDir)] : undefined), 'the service and svlogd to run', PATIENT);
  writeFileSync(join(service, 'go'), '');
  await waitFor(() => existsSync(join(service, 'written')), 'the writer to finish', PATIENT);
  const exited = once(svscan, 'exit');
  svscan.kill('SIGTERM');
  const [code] = (await waitFor(() => Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(resolve, 100))]), 'svscan to finish its shutdown', PATIENT)) as [number | null];
  t.is(code, 0);
  t.false(isAlive(pid));
  t.false(isAlive(logger));
  t.deepEqual(loggedLines(join(logDir, 'main')), expected(500));
});

test("the pipe survives svscan's SIGKILL: a new svscan adopts the blocked writer and the paused logger, and every line arrives", async (t) => {
  const dir = tmpDir(t, 'keepup-logpipe-');
  const service = addService(dir, 'writer', {run: writerRun(3000, PAD)});
  const logDir = addLogger(service, 'keepup multilog');
  const first = startSvscan(t, dir, [service, logDir]);
  const writer = await upWithRestartedLogger(service, logDir);
  const logger = pidOf(logDir);
  t.is((await run('/usr/bin/svc', ['-p', logDir])).code, 0);
  writeFileSync(join(service, 'go'), '');
  await waitFor(() => blockedOnPipe(writer), 'the writer to block on the full pipe', PATIENT);
  const killed = once(first.svscan, 'exit');
  first.svscan.kill('SIGKILL');
  await killed;
  startSvscan(t, dir, [service, logDir]);
  await waitFor(async () => (await run('/usr/bin/svok', [logDir])).code === 0, 'the new svscan to supervise the logger', PATIENT);
  t.is(pidOf(service), writer, 'the writer was adopted, not started again');
  t.is(pidOf(logDir), logger, 'the logger was adopted, not started again');
  t.is((await run('/usr/bin/svc', ['-c', logDir])).code, 0);
  const lines = await allLogged(logDir, 3000);
  t.is(readFileSync(join(service, 'errors'), 'utf8'), '');
  t.deepEqual(lines, expected(3000, PAD));
});
