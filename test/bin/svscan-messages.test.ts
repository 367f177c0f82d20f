// svscan's messages about its supervisors, keepup's against Debian's daemontools on the same
// trees: a service whose lock another supervise holds (fatal, as daemontools' supervise dies on
// it), and a logger without log/run (named `log/run`: daemontools runs `supervise log` inside
// the service directory).
import test from 'ava';
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {daemontools} from '../helpers/differential.js';
import {bin} from '../helpers/paths.js';
import {isAlive, run, spawnTracked} from '../helpers/processes.js';
import {pidOf} from '../helpers/service-pid.js';
import {killProcessesUnder} from '../helpers/svscan.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const EXPECTED = ['supervise: fatal: unable to acquire held/supervise/lock: temporary failure', 'supervise: fatal: unable to start log/run: file does not exist'];

async function svscanLines(t: Parameters<typeof tmpDir>[0], svscan: string): Promise<string[]> {
  const dir = tmpDir(t, 'keepup-svscanmsg-');
  for (const name of ['held', 'logged']) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'run'), '#!/bin/sh\nexec sleep 600\n');
    chmodSync(join(dir, name, 'run'), 0o755);
  }
  mkdirSync(join(dir, 'logged', 'log'));
  // Debian's supervise holds held/supervise/lock before svscan starts.
  spawnTracked(t, daemontools('supervise'), ['held'], {cwd: dir});
  await waitFor(() => pidOf(join(dir, 'held')) > 0, 'the lock holder up', PATIENT);
  const scan = spawnTracked(t, svscan, [dir], {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  scan.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const unique = () => [...new Set(stderr.split('\n').filter(Boolean))].sort();
  t.teardown(async () => {
    scan.kill('SIGTERM');
    const dirs = ['held', 'logged', 'logged/log'].map((name) => join(dir, name));
    const pids = dirs.map(pidOf).filter((pid) => pid > 0);
    await run(daemontools('svc'), ['-dx', ...dirs]);
    for (const pid of pids) await waitFor(() => !isAlive(pid), `service ${pid} gone`, PATIENT);
    // A supervise that outlived its scanner would hold the stderr pipe open, and with it this
    // worker (AVA: "Failed to exit"): everything left in the tree goes, and the pipe is closed here.
    await killProcessesUnder(dir);
    scan.stderr!.destroy();
  });
  await waitFor(() => unique().length >= EXPECTED.length, 'both messages', PATIENT);
  return unique();
}

test("svscan: a held lock is fatal for that supervisor and a logger's errors name log/run, as daemontools' svscan", async (t) => {
  const ours = await svscanLines(t, bin('svscan'));
  const theirs = await svscanLines(t, daemontools('svscan'));
  t.deepEqual(theirs, EXPECTED);
  t.deepEqual(ours, theirs);
});
