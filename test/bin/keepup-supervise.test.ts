// keepup supervise / keepup status, end to end: the built command generating a real service tree,
// supervising it in one process (real children, FIFOs, flock, log pipe, user and limits), the
// real svstat and svc against the generated services, SIGHUP regeneration and SIGTERM.
// Not tested here: a run: string holding shell syntax (test/lib/service-tree/run-script.test.ts runs it);
// supplementary groups of a user that has several (setuidgid keeps the primary group only).
import test from 'ava';
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {uniqueName, waitForDaemon, watchdogSetup, type WatchdogSetup} from '../helpers/daemons.js';
import {startResident} from '../helpers/resident.js';
import {pidOf, upPid} from '../helpers/service-pid.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const keepup = (args: string[]) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 60_000});

function setup(t: Parameters<typeof watchdogSetup>[0]): WatchdogSetup & {serviceDir: string} {
  const base = watchdogSetup(t);
  return {...base, serviceDir: join(base.dir, 'service')};
}

/** The config with serviceDir in the test dir and a short check interval. */
function writeConfig(s: WatchdogSetup, daemons: string): void {
  s.writeConfig(`serviceDir: service\ncheckInterval: 0.5\ndaemons:\n${daemons}`);
}

function cwdOf(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function environ(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

function procField(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((row) => row.startsWith(`${field}:`));
  return line!.slice(field.length + 1).trim();
}

function limitRow(pid: number, name: string): string[] {
  const row = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((line) => line.startsWith(name))!;
  return row.slice(name.length).trim().split(/\s+/).slice(0, 2);
}

/** `pid` once it runs `program` (status names the pid a moment before the child execs, as with daemontools). */
const running = (pid: number, program: string) =>
  waitFor(
    () => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0] === program ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    `${pid} to run ${program}`,
    PATIENT,
  );

test('a bad config exits 100 naming FILE:LINE:COL and writes nothing', async (t) => {
  const s = setup(t);
  writeConfig(s, '  - name: a\n    run: [sleep, "1"]\n    limits: {openFiles: lots}\n');
  const result = await keepup(['supervise', '--config', s.config]);
  t.is(result.code, 100);
  t.regex(result.stderr, new RegExp(`^keepup: fatal: ${s.config}:8:\\d+: daemons\\[0\\]\\.limits\\.openFiles must be a number, not a string\n$`));
  t.false(existsSync(s.serviceDir));
});

test('generated services run with their user, limits, env and env dir, log through the in-process logger, and show in keepup status; SIGTERM takes them down', async (t) => {
  const s = setup(t);
  const [plain, logged] = [uniqueName('sv'), uniqueName('sv')];
  const envdir = join(s.dir, 'env');
  mkdirSync(envdir);
  writeFileSync(join(envdir, 'GREETING'), 'hello\n');
  writeConfig(
    s,
    [
      `  - name: ${plain}`,
      `    run: [sleep, "600"]`,
      `    user: nobody`,
      `    env: {FOO: bar, PORT: 8080}`,
      `    envdir: env`,
      `    limits: {openFiles: 2048, processes: 500, memory: unlimited}`,
      `  - name: ${logged}`,
      `    run: [sh, -c, "echo line one; echo line two >&2; trap 'echo last words; exit 0' TERM; while :; do sleep 1; done"]`,
      `    log: t ./main`,
      '',
    ].join('\n'),
  );
  const resident = startResident(t, s.config, s.serviceDir);
  const plainDir = join(s.serviceDir, plain);
  const pid = await running(await upPid(plainDir), 'sleep');
  t.is(readFileSync(join(plainDir, 'run'), 'utf8').split('\n').at(-2), "exec 'sleep' '600'");
  for (const path of [join(plainDir, 'run'), join(s.serviceDir, logged, 'log', 'run')]) t.is(statSync(path).mode & 0o777, 0o755, path);
  t.is(statSync(s.serviceDir).mode & 0o022, 0);

  // user nobody: uid, gid and (as setuidgid) its gid as the only group
  const nobody = (await run('id', ['-u', 'nobody'])).stdout.trim();
  const nogroup = (await run('id', ['-g', 'nobody'])).stdout.trim();
  t.is(procField(pid, 'Uid').split(/\s+/)[0], nobody);
  t.is(procField(pid, 'Gid').split(/\s+/)[0], nogroup);
  t.is(procField(pid, 'Groups'), nogroup);
  t.deepEqual(limitRow(pid, 'Max open files'), ['2048', '2048']);
  t.deepEqual(limitRow(pid, 'Max processes'), ['500', '500']);
  t.deepEqual(limitRow(pid, 'Max address space'), ['unlimited', 'unlimited']);
  t.like(environ(pid), {FOO: 'bar', PORT: '8080', GREETING: 'hello'});

  // The env dir is read at every start: change it, restart through the real svc.
  writeFileSync(join(envdir, 'GREETING'), 'again\n');
  t.is((await run('svc', ['-t', plainDir])).code, 0);
  const second = await running(await upPid(plainDir, pid), 'sleep');
  t.like(environ(second), {GREETING: 'again', FOO: 'bar'});

  // The logger gets both of the service's streams.
  const current = join(s.serviceDir, logged, 'log', 'main', 'current');
  const logText = await waitFor(
    () => {
      const text = existsSync(current) ? readFileSync(current, 'utf8') : '';
      return text.includes('line one') && text.includes('line two') ? text : undefined;
    },
    'both lines in the log',
    PATIENT,
  );
  t.regex(logText, /^@[0-9a-f]{24} line (one|two)\n/);
  // The logger runs inside keepup: no process has the log directory as its working directory.
  const logDir = join(s.serviceDir, logged, 'log');
  const inLogDir = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && cwdOf(pid) === logDir);
  t.deepEqual(inLogDir, []);

  const text = await keepup(['status', '--config', s.config]);
  t.is(text.code, 0);
  t.is(text.stderr, '');
  const lines = text.stdout.replace(/\d+ seconds/g, 'S seconds').split('\n');
  t.true(lines.includes(`${plain}: up (pid ${second}) S seconds, 1 restart, last exit signal SIGTERM`), text.stdout);
  t.regex(text.stdout, new RegExp(`^${logged}: up \\(pid \\d+\\) \\d+ seconds, 0 restarts$`, 'm'));

  const json = await keepup(['status', '--config', s.config, '--json']);
  t.is(json.code, 0);
  const rows = json.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const row = rows.find((entry) => entry.name === plain);
  t.like(row, {name: plain, kind: 'supervised', state: 'up', pid: second, want: 'up', normallyUp: true, restarts: 1, lastExit: {code: null, signal: 'SIGTERM'}});
  t.is(typeof row?.seconds, 'number');

  resident.child.kill('SIGTERM');
  t.is(await resident.exited, 0);
  t.is(pidOf(plainDir), 0);
  t.regex(readFileSync(current, 'utf8'), /last words\n$/, "the logger recorded the service's last line before keepup exited");
  t.is((await run('svstat', [plainDir])).stdout, `${plainDir}: supervise not running\n`);
  const after = await keepup(['status', '--config', s.config]);
  t.true(after.stdout.split('\n').includes(`${plain}: not supervised`));
});

test('a second keepup supervise on the tree is refused; SIGHUP regenerates: only the changed service restarts, a removed one goes down and moves to .removed, a bad config keeps all running', async (t) => {
  const s = setup(t);
  const [kept, changed, removed, added] = [uniqueName('sv'), uniqueName('sv'), uniqueName('sv'), uniqueName('sv')];
  const entry = (name: string, seconds: number) => `  - name: ${name}\n    run: [sleep, "${seconds}"]\n`;
  writeConfig(s, entry(kept, 600) + entry(changed, 600) + entry(removed, 600));
  const resident = startResident(t, s.config, s.serviceDir);
  const keptPid = await upPid(join(s.serviceDir, kept));
  const changedPid = await upPid(join(s.serviceDir, changed));
  const removedPid = await upPid(join(s.serviceDir, removed));
  const keptRun = statSync(join(s.serviceDir, kept, 'run'));

  const second = await keepup(['supervise', '--config', s.config]);
  t.deepEqual([second.code, second.stderr], [111, `keepup: fatal: unable to lock ${s.serviceDir}/.lock: another keepup supervise runs on this tree\n`]);

  writeConfig(s, entry(kept, 600) + entry(changed, 601) + entry(added, 600));
  resident.child.kill('SIGHUP');
  const newPid = await running(await upPid(join(s.serviceDir, changed), changedPid), 'sleep');
  t.true(readFileSync(`/proc/${newPid}/cmdline`, 'latin1').includes('601'));
  await upPid(join(s.serviceDir, added));
  await waitFor(() => existsSync(join(s.serviceDir, '.removed', removed, 'run')), 'the removed service moved out', PATIENT);
  t.false(existsSync(join(s.serviceDir, removed)));
  await waitFor(() => !existsSync(`/proc/${removedPid}`) || readFileSync(`/proc/${removedPid}/stat`, 'latin1').includes(') Z'), 'the removed service to stop', PATIENT);
  t.is(pidOf(join(s.serviceDir, kept)), keptPid);
  const keptAfter = statSync(join(s.serviceDir, kept, 'run'));
  t.is(keptAfter.ino, keptRun.ino, 'the unchanged run file was not rewritten');
  t.is(keptAfter.mtimeMs, keptRun.mtimeMs);

  writeFileSync(s.config, 'daemons: [ {name: x, bogus: 1} ]\n');
  resident.child.kill('SIGHUP');
  await waitFor(() => resident.stderr().includes('keepup: warning: keeping the services as they are: '), 'the warning', PATIENT);
  t.regex(resident.stderr(), /unknown key "bogus" in daemons\[0\]/);
  t.is(pidOf(join(s.serviceDir, kept)), keptPid);
  t.is(pidOf(join(s.serviceDir, changed)), newPid);
  t.is(resident.child.exitCode, null);
});

test('a daemon without run: is checked by name in the resident process and restarted by its start script', async (t) => {
  const s = setup(t);
  const checked = s.addDaemon();
  const service = uniqueName('sv');
  writeConfig(s, `  - ${checked}\n  - name: ${service}\n    run: [sleep, "600"]\n`);
  const resident = startResident(t, s.config, s.serviceDir);
  const first = await waitForDaemon(checked);
  await waitFor(() => resident.stdout().includes(`Restarting ${checked}`), 'the report on stdout', PATIENT);
  const status = await keepup(['status', '--config', s.config]);
  t.true(status.stdout.split('\n').includes(`${checked}: running (pid ${first}), checked by name`), status.stdout);
  process.kill(first, 'SIGKILL');
  const second = await waitForDaemon(checked, {not: first});
  t.not(second, first);
  const json = await keepup(['status', '--config', s.config, '--json']);
  const rows = json.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  t.deepEqual(
    rows.find((row) => row.name === checked),
    {name: checked, kind: 'checked', state: 'running', pid: second, health: null, lastCheck: null},
  );
});

test('keepup status: a bad config is a warning (the tree is still shown), 111 when the service dir cannot be read', async (t) => {
  const s = setup(t);
  writeConfig(s, '  - name: a\n    user: nobody\n');
  const bad = await keepup(['status', '--config', s.config]);
  t.is(bad.code, 0);
  t.regex(bad.stderr, /^keepup: warning: .*:\d+:\d+: daemons\[0\]: user needs run: .*; showing the service tree in .* only\n$/);
  writeConfig(s, '  - name: a\n    run: [sleep, "1"]\n');
  writeFileSync(s.serviceDir, 'not a directory');
  chmodSync(s.serviceDir, 0o644);
  const unreadable = await keepup(['status', '--config', s.config]);
  t.is(unreadable.code, 111);
  t.regex(unreadable.stderr, /^keepup: fatal: unable to read directory .*service: /);
});

test('the logger runs in keepup; a changed log: restarts only the logger (the service keeps its pid) and loses no line', async (t) => {
  const s = setup(t);
  const name = uniqueName('sv');
  const entry = (log: string) => `  - name: ${name}\n    run: [sh, -c, "n=0; while :; do n=$((n+1)); echo tick $n; sleep 0.1; done"]\n    log: ${log}\n`;
  writeConfig(s, entry('./main'));
  const resident = startResident(t, s.config, s.serviceDir);
  const dir = join(s.serviceDir, name);
  const pid = await upPid(dir);
  const current = join(dir, 'log', 'main', 'current');
  // Whole lines only: the logger may be in the middle of one.
  const lines = () => {
    const text = existsSync(current) ? readFileSync(current, 'utf8') : '';
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean);
  };
  await waitFor(() => lines().length >= 3 || undefined, 'plain lines', PATIENT);
  t.regex(lines()[0]!, /^tick 1$/);
  writeConfig(s, entry('t ./main'));
  resident.child.kill('SIGHUP');
  await waitFor(() => lines().some((line) => /^@[0-9a-f]{24} tick \d+$/.test(line)) || undefined, 'stamped lines', PATIENT);
  t.is(pidOf(dir), pid);
  const numbers = lines().map((line) => Number(/tick (\d+)$/.exec(line)![1]));
  t.deepEqual(
    numbers,
    numbers.map((_, index) => index + 1),
    'every line, in order, none lost across the logger restart',
  );
  t.true(readFileSync(join(dir, 'log', 'run'), 'utf8').endsWith("exec 'multilog' 't' './main'\n"));
});
