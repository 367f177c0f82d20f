// Every chain-loader in one run script under the REAL daemontools supervise: the supervised pid
// is the daemon, with each tool's change in place, and it answers svc as the daemon.
import test from 'ava';
import {mkdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {isAlive, run} from '../helpers/processes.js';
import {realSupervised, upPid} from '../helpers/supervised.js';
import {waitFor} from '../helpers/wait-for.js';

test('envdir | softlimit | setlock | pgrphack | setuidgid | sleep: one pid, every change, svc -t reaches it', async (t) => {
  const marker = `1000.${process.pid}${Date.now() % 100000}`;
  const chain = [bin('envdir'), './env', bin('softlimit'), '-o', '123', '-t', '5000', bin('setlock'), './lock', bin('pgrphack'), bin('setuidgid'), 'nobody', 'sleep', marker];
  const dir = await realSupervised(t, `exec ${chain.join(' ')}`, {down: true});
  mkdirSync(join(dir, 'env'));
  writeFileSync(join(dir, 'env', 'GREETING'), 'hello from envdir\n');
  t.is((await run('/usr/bin/svc', ['-u', dir])).code, 0);
  const pid = await waitFor(
    async () => {
      const candidate = await upPid(dir);
      return candidate > 0 && readFileSync(`/proc/${candidate}/cmdline`, 'latin1') === `sleep\0${marker}\0` ? candidate : 0;
    },
    'the chain to exec sleep',
    {timeoutMs: 30_000},
  );
  t.is(readlinkSync(`/proc/${pid}/exe`), '/usr/bin/sleep');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  t.regex(status, /^Uid:\t65534\t65534\t65534\t65534$/m);
  t.regex(status, /^Groups:\t65534 ?$/m);
  t.true(readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes('GREETING=hello from envdir'));
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  t.regex(limits, /^Max open files\s+123\s/m);
  t.regex(limits, /^Max cpu time\s+5000\s/m);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  t.is(Number(stat[3]), pid, 'pgrphack: the daemon leads its session');
  t.not((await run('flock', ['-n', join(dir, 'lock'), 'true'])).code, 0, 'setlock: the lock is held');
  t.is((await run('/usr/bin/svc', ['-dt', dir])).code, 0);
  await waitFor(() => !isAlive(pid), 'svc -d to end the daemon');
  await waitFor(async () => (await upPid(dir)) === 0, 'supervise to report the service down');
  t.is((await run('flock', ['-n', join(dir, 'lock'), 'true'])).code, 0, 'the lock went with the daemon');
});
