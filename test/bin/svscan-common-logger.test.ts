// svscan runs a `log/run` of the exact common forms (`exec multilog …`, `exec setuidgid USER
// multilog …`) in its own process, as keepup supervise runs its loggers: the same files as
// multilog's (owned by USER, made with USER's rights), Debian's svstat and svc on it.
import test from 'ava';
import {chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {LABEL_NAME, snapshotLogDir, type LogDirSnapshot} from '../helpers/log-dir.js';
import {addService} from '../helpers/service-dir.js';
import {run} from '../helpers/processes.js';
import {pidOf} from '../helpers/service-pid.js';
import {startSvscan} from '../helpers/svscan.js';
import type {Side} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const NOBODY = 65534;

function addLogged(dir: string, name: string, logRun: string): string {
  const service = addService(dir, name, {run: 'echo hello from $PPID; exec sleep 1000'});
  mkdirSync(join(service, 'log'));
  writeFileSync(join(service, 'log', 'run'), logRun);
  chmodSync(join(service, 'log', 'run'), 0o755);
  return service;
}

function current(service: string): string {
  try {
    return readFileSync(join(service, 'log', 'main', 'current'), 'latin1');
  } catch {
    return '';
  }
}

test('exec multilog t ./main and exec setuidgid USER multilog … run inside svscan; anything else runs as a process', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-log-');
  const common = addLogged(dir, 'common', '#!/bin/sh\nexec multilog t ./main\n');
  const rooted = addLogged(dir, 'rooted', '#!/bin/sh\nexec setuidgid root multilog t ./main\n');
  const other = addLogged(dir, 'other', '#!/bin/sh\nexec setuidgid root /usr/bin/multilog t ./main\n');
  const {child} = startSvscan(t, 'ours', dir, dir);
  await waitFor(() => /^@[0-9a-f]{24} hello from /m.test(current(common)), 'the common logger to log the first line');
  await waitFor(() => /^@[0-9a-f]{24} hello from /m.test(current(rooted)), 'the setuidgid logger to log the first line');
  await waitFor(() => current(other).includes('hello from'), 'the other logger to log the first line');
  t.is(pidOf(join(common, 'log')), child.pid!, "the common logger's status names svscan");
  t.is(pidOf(join(rooted, 'log')), child.pid!, "the setuidgid logger's status names svscan");
  t.not(pidOf(join(other, 'log')), child.pid!, 'the other logger is a process of its own');
  t.true(pidOf(join(other, 'log')) > 0);
  const status = await run('svstat', [join(common, 'log')]);
  t.regex(status.stdout, new RegExp(`: up \\(pid ${child.pid}\\) `));
  t.is((await run('svc', ['-d', join(common, 'log')])).code, 0);
  await waitFor(async () => (await run('svstat', [join(common, 'log')])).stdout.includes(': down'), "Debian's svstat to say down after Debian's svc -d");
  t.is((await run('svc', ['-u', join(common, 'log')])).code, 0);
  await waitFor(async () => (await run('svstat', [join(common, 'log')])).stdout.includes(': up'), 'up again');
});

/** `Uid:`, `Gid:` and `Groups:` of a /proc status file. */
function credentials(status: string): string[] {
  return status.split('\n').filter((line) => /^(Uid|Gid|Groups):/.test(line));
}

/** Processes named multilog or setuidgid whose cwd is DIR or below (multilog stays in its last directory). */
function loggersUnder(dir: string): number[] {
  const prefix = realpathSync(dir);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      const comm = readFileSync(`/proc/${name}/comm`, 'latin1').trimEnd();
      if ((cwd === prefix || cwd.startsWith(`${prefix}/`)) && (comm === 'multilog' || comm === 'setuidgid')) found.push(Number(name));
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

/** `PATH UID:GID` for `dir` and everything below it, TAI64N names as `@x.s`. */
function ownersUnder(dir: string, shown = 'main'): string[] {
  const stats = lstatSync(dir);
  const lines = [`${shown} ${stats.uid}:${stats.gid}`];
  if (!stats.isDirectory()) return lines;
  for (const name of readdirSync(dir).sort()) lines.push(...ownersUnder(join(dir, name), `${shown}/${LABEL_NAME.test(name) ? `@x${name.slice(25)}` : name}`));
  return lines;
}

interface LoggedTree {
  snapshot: LogDirSnapshot;
  /** `main/made`, when there is no processor. */
  made: LogDirSnapshot | undefined;
  /** `NAME UID:GID` of `main/` itself and of every entry in it, TAI64N names as `@x.s`. */
  owners: string[];
  /** Processes named multilog or setuidgid running in `log/`. */
  loggers: number;
}

/**
 * A service under `side`'s svscan (Debian's: real setuidgid and multilog processes) logged by
 * `exec setuidgid nobody multilog t s4096 n3 ./main ./main/made` (or `… !../processor ./main`)
 * in a root-only (0700) tree: two lines, a rotation (`svc -a`), a third line. `main/` is
 * nobody's, as djbdns makes it (svscan refuses a log/ that others may write); multilog makes
 * `main/made` as nobody. For ours, every thread of svscan must have root's credentials again.
 */
async function loggedTree(t: import('ava').ExecutionContext, side: Side, processor: boolean): Promise<LoggedTree> {
  const dir = tmpDir(t, `keepup-svscan-setuidgid-${side}-`);
  chmodSync(dir, 0o700);
  const service = addService(dir, 's', {run: 'echo one; echo two; read line < go; echo "$line"; exec sleep 1000'});
  t.is((await run('mkfifo', [join(service, 'go')])).code, 0);
  const log = join(service, 'log');
  const main = join(log, 'main');
  mkdirSync(log);
  mkdirSync(main, 0o700);
  chownSync(main, NOBODY, NOBODY);
  if (processor) {
    writeFileSync(join(log, 'processor'), '#!/bin/sh\ngrep -E "^(Uid|Gid|Groups):" /proc/self/status\ncat\ncat <&4 >&5\necho processed >&5\n');
    chmodSync(join(log, 'processor'), 0o755);
  }
  writeFileSync(join(log, 'run'), `#!/bin/sh\nexec setuidgid nobody multilog t s4096 n3 ${processor ? '!../processor ./main' : './main ./main/made'}\n`);
  chmodSync(join(log, 'run'), 0o755);
  const {child, stderr} = startSvscan(t, side, dir, dir);
  const current = () => (existsSync(join(main, 'current')) ? readFileSync(join(main, 'current'), 'latin1') : '');
  await waitFor(() => current().includes(' two\n'), `${side}: the first two lines logged`, PATIENT);
  const loggers = loggersUnder(log).length;
  t.is((await run('svc', ['-a', log])).code, 0);
  const rotated = () => readdirSync(main).some((name) => LABEL_NAME.test(name));
  await waitFor(() => rotated() && current() === '' && !existsSync(join(main, 'previous')) && !existsSync(join(main, 'processed')), `${side}: the rotation`, PATIENT);
  t.is((await run('sh', ['-c', 'echo three > go'], {cwd: service, timeoutMs: 10_000})).code, 0);
  await waitFor(() => current().includes(' three\n'), `${side}: the third line logged`, PATIENT);
  const owners = ownersUnder(main);
  t.is(stderr(), '', `${side}: no warnings`);
  if (side === 'ours') {
    const mine = credentials(readFileSync('/proc/self/status', 'latin1'));
    t.deepEqual(credentials(readFileSync(`/proc/${child.pid}/task/${child.pid}/status`, 'latin1')), mine, "svscan's main thread has root's credentials again");
    for (const task of readdirSync(`/proc/${child.pid}/task`)) {
      t.deepEqual(credentials(readFileSync(`/proc/${child.pid}/task/${task}/status`, 'latin1')), mine, `svscan's thread ${task} has root's credentials`);
    }
    t.is(pidOf(log), child.pid!, "the logger's status names svscan");
  }
  return {snapshot: snapshotLogDir(main), made: processor ? undefined : snapshotLogDir(join(main, 'made')), owners, loggers};
}

for (const processor of [false, true]) {
  test(`exec setuidgid nobody multilog t s4096 n3 ${processor ? '!processor ' : ''}./main: the same log as under daemontools, in svscan's process`, async (t) => {
    const theirs = await loggedTree(t, 'real', processor);
    const ours = await loggedTree(t, 'ours', processor);
    t.is(theirs.loggers, 1, "Debian's svscan runs a multilog process");
    t.is(ours.loggers, 0, 'ours runs no multilog process');
    t.deepEqual(ours.owners, theirs.owners);
    t.true(
      theirs.owners.every((line) => line.endsWith(` ${NOBODY}:${NOBODY}`)),
      theirs.owners.join('\n'),
    );
    t.deepEqual(ours.snapshot, theirs.snapshot);
    t.deepEqual(ours.made, theirs.made);
    t.regex(theirs.snapshot.content, /@x one\n@x two\n/);
    if (processor) t.regex(theirs.snapshot.content, /^Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t65534 ?\n/);
  });
}

/** A tree whose `log/main` is root's (0755): nobody can read it but not make its lock. */
async function deniedLog(t: import('ava').ExecutionContext, side: Side): Promise<void> {
  const dir = tmpDir(t, `keepup-svscan-denied-${side}-`);
  const service = addLogged(dir, 's', '#!/bin/sh\nexec setuidgid nobody multilog t ./main\n');
  const main = join(service, 'log', 'main');
  mkdirSync(main, 0o755);
  const {child, stderr} = startSvscan(t, side, dir, dir);
  const failures = () =>
    stderr()
      .split('\n')
      .filter((line) => line.includes('unable to lock directory ./main: access denied')).length;
  // A failing logger is started again a second later: the failure is seen twice.
  await waitFor(() => failures() >= 2, `${side}: multilog to fail twice as nobody`, PATIENT);
  t.false(existsSync(join(main, 'lock')), `${side}: no lock made`);
  t.false(existsSync(join(main, 'current')), `${side}: no current made`);
  if (side === 'ours') t.deepEqual(loggersUnder(join(service, 'log')), []);
  chownSync(main, NOBODY, NOBODY);
  await waitFor(() => current(service).includes('hello from'), `${side}: the logger to work once main/ is nobody's`, PATIENT);
  t.is(lstatSync(join(main, 'current')).uid, NOBODY);
  if (side === 'ours') t.deepEqual(credentials(readFileSync(`/proc/${child.pid}/task/${child.pid}/status`, 'latin1')), credentials(readFileSync('/proc/self/status', 'latin1')));
}

test('a log directory nobody cannot write fails as under daemontools (checked as nobody), and is retried', async (t) => {
  await deniedLog(t, 'real');
  await deniedLog(t, 'ours');
});

test('exec setuidgid UNKNOWN multilog … runs as a process: setuidgid says so, and the logger is retried', async (t) => {
  for (const side of ['real', 'ours'] as const) {
    const dir = tmpDir(t, `keepup-svscan-unknown-${side}-`);
    addLogged(dir, 's', '#!/bin/sh\nexec setuidgid keepup-no-such-account multilog t ./main\n');
    const {stderr} = startSvscan(t, side, dir, dir);
    const failures = () =>
      stderr()
        .split('\n')
        .filter((line) => line === 'setuidgid: fatal: unknown account keepup-no-such-account').length;
    await waitFor(() => failures() >= 2, `${side}: setuidgid to fail twice`, PATIENT);
    t.false(existsSync(join(dir, 's', 'log', 'main')), `${side}: nothing logged`);
  }
});
