// keepup supervise's signal wiring in this process, with fake timers: the scanner's fallback
// rescan and its settle timer never fire, so only SIGALRM (a real signal, sent to this process)
// can make it pick up a service directory created after the start.
import test from 'ava';
import {chmodSync, mkdirSync, renameSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {superviseCommand} from '../../../src/lib/keepup/supervise-command.js';
import {probeSupervisor} from '../../../src/lib/control/client.js';
import {uniqueName, watchdogSetup} from '../../helpers/daemons.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {isAlive} from '../../helpers/processes.js';
import {pidOf} from '../../helpers/service-pid.js';
import {PATIENT, waitFor} from '../../helpers/wait-for.js';

test('SIGALRM makes keepup supervise read its tree again at once, as svscan', async (t) => {
  const s = watchdogSetup(t);
  const serviceDir = join(s.dir, 'service');
  const name = uniqueName('sv');
  s.writeConfig(`serviceDir: service\ndaemons:\n  - name: ${name}\n    run: [sleep, "600"]\n`);
  let out = '';
  const warnings: string[] = [];
  const done = superviseCommand.run(['--config', s.config], {
    cwd: s.dir,
    uid: process.getuid!(),
    pid: process.pid,
    env: process.env,
    host: hostname(),
    time: new FakeTime(),
    procRoot: '/proc',
    out: (text) => void (out += text),
    reporter: {warn: (message) => void warnings.push(message)},
    signals: process,
  });
  const pids: number[] = [];
  t.teardown(async () => {
    process.emit('SIGTERM');
    await Promise.resolve(done).catch(() => {});
    for (const pid of pids) if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
  });
  await waitFor(() => out.includes('keepup: supervising 1 service'), 'the start line', PATIENT);
  pids.push(await waitFor(() => pidOf(join(serviceDir, name)), 'the service up', PATIENT));

  // The admin's own service, made beside the tree and renamed into it.
  const own = uniqueName('own');
  const staging = join(s.dir, own);
  mkdirSync(staging);
  writeFileSync(join(staging, 'run'), '#!/bin/sh\nexec sleep 600\n');
  chmodSync(join(staging, 'run'), 0o755);
  renameSync(staging, join(serviceDir, own));
  process.kill(process.pid, 'SIGALRM');
  await waitFor(() => probeSupervisor(join(serviceDir, own)) === 'running', 'the new service supervised', PATIENT);
  pids.push(await waitFor(() => pidOf(join(serviceDir, own)), 'the new service up', PATIENT));
  t.deepEqual(warnings, []);
});
