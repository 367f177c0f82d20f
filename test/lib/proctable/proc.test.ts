import test from 'ava';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseCmdline, parseComm, parseStat, readProcTable} from '../../../src/lib/proctable/proc.js';
import {readProcessTable} from '../../../src/lib/proctable/table.js';
import {fromPsList} from '../../../src/lib/proctable/ps.js';
import {run} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';

test('stat fields come after the last parenthesis, whatever the name holds', (t) => {
  t.deepEqual(parseStat('4242 (a) b) (c) S 17 4242 99 0 -1 4194560 0 0'), {comm: 'a) b) (c', ppid: 17, session: 99, zombie: false});
  t.deepEqual(parseStat('1 (init) S 0 1 1 0 -1'), {comm: 'init', ppid: 0, session: 1, zombie: false});
  t.deepEqual(parseStat('9 (dead) Z 1 9 9 0 -1'), {comm: 'dead', ppid: 1, session: 9, zombie: true});
  t.is(parseStat('garbage'), undefined);
  t.is(parseStat('1 (x) S'), undefined);
});

test('comm loses its newline; cmdline splits on NUL and is empty for kernel threads', (t) => {
  t.is(parseComm('sshd\n'), 'sshd');
  t.deepEqual(parseCmdline(Buffer.from('/usr/sbin/sshd\0-D\0\0')), ['/usr/sbin/sshd', '-D', '']);
  t.deepEqual(parseCmdline(Buffer.from('sh\0-c\0echo a b\0')), ['sh', '-c', 'echo a b']);
  t.deepEqual(parseCmdline(Buffer.alloc(0)), []);
});

test('the real /proc lists this process as ps does', async (t) => {
  const entries = readProcTable('/proc');
  const self = entries.find((entry) => entry.pid === process.pid);
  t.truthy(self);
  t.is(self!.comm, readFileSync('/proc/self/comm', 'utf8').trimEnd());
  const ps = await run('ps', ['-o', 'ppid=,sid=,comm=', '-p', String(process.pid)]);
  const [ppid, sid, comm] = ps.stdout.trim().split(/\s+/);
  t.deepEqual([self!.ppid, self!.session, self!.comm], [Number(ppid), Number(sid), comm]);
  t.true(self!.argv.some((arg) => arg.includes('ava') || arg.includes('.js')));
});

test('a fake /proc is read as it is, and refused when it lacks the reader', async (t) => {
  const dir = tmpDir(t);
  for (const [pid, comm, cmdline, stat] of [
    [1, 'init', '/sbin/init\0', '1 (init) S 0 1 1'],
    [77, 'kworker/0:1', '', '77 (kworker/0:1) I 2 0 0'],
  ] as const) {
    mkdirSync(join(dir, String(pid)));
    writeFileSync(join(dir, String(pid), 'comm'), `${comm}\n`);
    writeFileSync(join(dir, String(pid), 'cmdline'), cmdline);
    writeFileSync(join(dir, String(pid), 'stat'), `${stat} 0 -1\n`);
  }
  mkdirSync(join(dir, 'sys'));
  t.deepEqual(
    readProcTable(dir).sort((a, b) => a.pid - b.pid),
    [
      {pid: 1, comm: 'init', argv: ['/sbin/init'], ppid: 0, session: 1, zombie: false},
      {pid: 77, comm: 'kworker/0:1', argv: [], ppid: 2, session: 0, zombie: false},
    ],
  );
  const refused = await readProcessTable({procRoot: dir, selfPid: 4242, platform: 'linux'});
  t.deepEqual(refused, {ok: false, reason: `the process table from ${dir} does not list this process (pid 4242): it cannot be trusted`});
  const accepted = await readProcessTable({procRoot: dir, selfPid: 77, platform: 'linux'});
  t.true(accepted.ok);
});

test('a missing /proc is an unreadable table, not an empty one', async (t) => {
  const dir = tmpDir(t);
  t.deepEqual(await readProcessTable({procRoot: join(dir, 'absent'), selfPid: process.pid, platform: 'linux'}), {
    ok: false,
    reason: 'unable to read the process table: file does not exist',
  });
});

test('without /proc the table comes from ps and lists this process', async (t) => {
  const outcome = await readProcessTable({procRoot: '/nonexistent', selfPid: process.pid, platform: 'freebsd'});
  t.true(outcome.ok);
  if (!outcome.ok) return;
  t.is(outcome.table.source, 'ps');
  const self = outcome.table.entries.find((entry) => entry.pid === process.pid);
  t.is(self?.ppid, process.ppid);
  t.deepEqual(fromPsList({pid: 3, ppid: 1, name: 'httpd', cmd: '/usr/sbin/httpd -k start'}), {pid: 3, comm: 'httpd', argv: ['/usr/sbin/httpd', '-k', 'start'], ppid: 1});
});
