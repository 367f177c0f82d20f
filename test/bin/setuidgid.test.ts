// setuidgid and envuidgid against Debian's daemontools: transcripts of the error paths, and the
// credentials, environment, descriptors and signal state the exec'd program sees in /proc.
// Not tested: setgroups/setgid/setuid failures (they need a non-root caller with partial rights).
import test from 'ava';
import {chmodSync, closeSync, openSync, readFileSync, readdirSync, readlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {daemontools, runBoth, transcript, viewExecd, type ProcessView} from '../helpers/differential.js';
import {run, spawnTracked, isAlive} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';
import {waitFor} from '../helpers/wait-for.js';

const ERROR_CASES: Array<[string, string[]]> = [
  ['no arguments', []],
  ['no child', ['nobody']],
  ['unknown account', ['no-such-user-kp6', 'true']],
  ['a numeric name is not a uid', ['0', 'true']],
  ['missing program by path', ['nobody', '/nonexistent/prog']],
  ['missing program on PATH', ['nobody', 'no-such-program-kp6']],
  ['not executable', ['nobody', '/etc/passwd']],
  ['a directory', ['nobody', '/tmp']],
];

for (const name of ['setuidgid', 'envuidgid']) {
  for (const [what, args] of ERROR_CASES) {
    test(`${name}: ${what}: same output and exit code as daemontools`, async (t) => {
      const {ours, theirs} = await runBoth(name, args);
      t.deepEqual(transcript(ours), transcript(theirs));
    });
  }
}

test('setuidgid: the child runs with the same uid, gid and groups as under daemontools', async (t) => {
  const {ours, theirs} = await runBoth('setuidgid', ['nobody', 'sh', '-c', 'id; echo "$HOME $USER"; exit 7'], {env: {PATH: '/usr/bin:/bin', HOME: '/root', USER: 'root'}});
  t.is(ours.code, 7);
  t.deepEqual(transcript(ours), transcript(theirs));
  t.regex(ours.stdout, /^uid=65534\(nobody\) gid=65534\(\w+\) groups=65534\(\w+\)\n\/root root\n$/);
});

test('setuidgid: the pid becomes the program, with the credentials, fds and signals daemontools gives', async (t) => {
  const dir = tmpDir(t);
  const extra = join(dir, 'extra');
  writeFileSync(extra, 'x');
  const views = [];
  for (const command of [bin('setuidgid'), daemontools('setuidgid')]) {
    const fd = openSync(extra, 'r');
    try {
      views.push(await viewExecd(t, command, ['nobody', 'sleep', '1000'], '/usr/bin/sleep', {stdio: ['ignore', 'pipe', 'pipe', fd]}));
    } finally {
      closeSync(fd);
    }
  }
  const [ours, theirs] = views as [ProcessView, ProcessView];
  for (const field of ['Uid', 'Gid', 'Groups', 'SigIgn', 'SigBlk', 'SigCgt', 'NoNewPrivs']) {
    t.is(ours.status[field], theirs.status[field], field);
  }
  t.is(ours.status.Uid, '65534\t65534\t65534\t65534');
  t.deepEqual(ours.fds, theirs.fds, "the same descriptors, none of Node's, stdio flags untouched");
  t.is(ours.fds['3'], theirs.fds['3']);
  t.truthy(ours.fds['3']?.startsWith(extra), 'an inherited fd 3 is passed on');
  t.deepEqual(ours.environ.sort(), theirs.environ.sort());
});

test('envuidgid: UID and GID replace existing values, the rest of the environment is kept', async (t) => {
  const env = {PATH: '/usr/bin:/bin', UID: 'old', GID: 'old', KEEP: 'kept value'};
  const {ours, theirs} = await runBoth('envuidgid', ['nobody', 'env'], {env});
  t.is(ours.code, 0);
  const sorted = (text: string) => text.split('\n').sort().join('\n');
  t.is(sorted(ours.stdout), sorted(theirs.stdout));
  t.regex(ours.stdout, /^UID=65534$/m);
  t.regex(ours.stdout, /^GID=65534$/m);
  t.notRegex(ours.stdout, /=old$/m);
});

test("envuidgid: the exit code is the program's", async (t) => {
  const {ours, theirs} = await runBoth('envuidgid', ['root', 'sh', '-c', 'exit 42']);
  t.is(ours.code, 42);
  t.is(theirs.code, 42);
});

test('under the real supervise, `exec setuidgid nobody sleep` is the supervised pid: svc -p stops it, svc -k kills it and one copy restarts', async (t) => {
  const service = tmpDir(t);
  const marker = `1000.${process.pid}${Date.now() % 100000}`;
  writeFileSync(join(service, 'run'), `#!/bin/sh\nexec ${bin('setuidgid')} nobody sleep ${marker}\n`);
  chmodSync(join(service, 'run'), 0o755);
  spawnTracked(t, daemontools('supervise'), [service], {detached: true});
  const copies = () =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1') === `sleep\0${marker}\0`;
        } catch {
          return false;
        }
      })
      .map(Number);
  const upPid = async () => {
    const {stdout} = await run(daemontools('svstat'), [service]);
    const pid = Number(/up \(pid (\d+)\)/.exec(stdout)?.[1] ?? 0);
    return pid > 0 && copies().includes(pid) ? pid : 0;
  };
  const first = await waitFor(upPid, 'the service to run sleep', {timeoutMs: 20_000});
  t.is(readlinkSync(`/proc/${first}/exe`), '/usr/bin/sleep');
  t.regex(readFileSync(`/proc/${first}/status`, 'utf8'), /^Uid:\t65534\t/m);
  t.deepEqual(copies(), [first]);

  t.is((await run(daemontools('svc'), ['-p', service])).code, 0);
  await waitFor(() => /^State:\s+T/m.test(readFileSync(`/proc/${first}/status`, 'utf8')), 'sleep to be stopped by svc -p');
  t.is((await run(daemontools('svc'), ['-c', service])).code, 0);
  await waitFor(() => /^State:\s+S/m.test(readFileSync(`/proc/${first}/status`, 'utf8')), 'sleep to continue after svc -c');

  t.is((await run(daemontools('svc'), ['-k', service])).code, 0);
  await waitFor(() => !isAlive(first), 'svc -k to kill sleep');
  const second = await waitFor(upPid, 'supervise to restart the service', {timeoutMs: 20_000});
  t.not(second, first);
  t.deepEqual(copies(), [second], 'exactly one copy runs');
});
