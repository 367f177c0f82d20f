// supervise, differential against Debian's for the fatal paths; our own SIGTERM behaviour.
// Not tested: `unable to create pipe` (no self-pipe here), fork failure (cannot be provoked
// safely), Debian's readlink patch for a dangling `supervise` symlink.
import test from 'ava';
import {once} from 'node:events';
import {existsSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {readStatus} from '../../src/lib/status/file.js';
import {isAlive} from '../helpers/processes.js';
import {makeService} from '../helpers/service-dir.js';
import {startSupervise, tool, waitForStatus} from '../helpers/supervisors.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

test('usage, chdir, down and lock failures: same message and exit code as daemontools', async (t) => {
  const {parent} = makeService(t);
  writeFileSync(join(parent, 'plain'), '');
  mkdirSync(join(parent, 'loop'));
  symlinkSync('down', join(parent, 'loop/down'));
  mkdirSync(join(parent, 'nosup'));
  writeFileSync(join(parent, 'nosup/supervise'), '');
  for (const args of [[], ['a', 'b'], ['nonexistent'], ['plain'], ['loop'], ['nosup']]) {
    const [ours, real] = await Promise.all([tool('ours', 'supervise', args, parent), tool('real', 'supervise', args, parent)]);
    t.deepEqual(ours, real, args.join(' '));
    t.true(ours.code === 100 || ours.code === 111);
  }
});

test('SIGTERM to our supervise means svc -dx: the service stops, supervise exits 0', async (t) => {
  const {parent, dir} = makeService(t);
  const supervise = startSupervise(t, 'ours', parent, 's1');
  const {pid} = await waitForStatus(dir, (r) => r.pid > 0, 'service up');
  const exited = once(supervise, 'exit');
  supervise.kill('SIGTERM');
  t.deepEqual(await exited, [0, null]);
  await waitFor(() => !isAlive(pid), 'service stopped', PATIENT);
  t.like(readStatus(dir), {pid: 0, want: 'down'});
});

test('after kill -9 of our supervise, a new one adopts the running service instead of starting a second copy', async (t) => {
  const {parent, dir} = makeService(t);
  const first = startSupervise(t, 'ours', parent, 's1');
  const {pid} = await waitForStatus(dir, (r) => r.pid > 0, 'service up');
  // Adoption rests on supervise/child, written just after the status: kill only once it is there.
  await waitFor(() => existsSync(join(dir, 'supervise/child')), 'the child record', PATIENT);
  const exited = once(first, 'exit');
  first.kill('SIGKILL');
  await exited;
  t.true(isAlive(pid));
  startSupervise(t, 'ours', parent, 's1');
  await waitFor(async () => (await tool('real', 'svok', ['s1'], parent)).code === 0, 'second supervise running', PATIENT);
  t.like(readStatus(dir), {pid, want: 'up'});
  const svstat = await tool('real', 'svstat', ['s1'], parent);
  t.regex(svstat.stdout, new RegExp(`^s1: up \\(pid ${pid}\\) [0-9]+ seconds\\n$`));
  await tool('real', 'svc', ['-d', 's1'], parent);
  await waitFor(() => !isAlive(pid), 'the adopted service stopped by svc -d', PATIENT);
  await waitForStatus(dir, (r) => r.pid === 0 && r.want === 'down', 'status down');
});
