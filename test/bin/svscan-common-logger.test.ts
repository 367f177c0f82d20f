// svscan runs a `log/run` of the exact common form (`exec multilog …`) in its own process, as
// keepup supervise runs its loggers: the same files as multilog's, Debian's svstat and svc on it.
import test from 'ava';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {addService} from '../helpers/service-dir.js';
import {run} from '../helpers/processes.js';
import {pidOf} from '../helpers/service-pid.js';
import {startSvscan} from '../helpers/svscan.js';
import {tmpDir} from '../helpers/tmp.js';
import {waitFor} from '../helpers/wait-for.js';

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

test('exec multilog t ./main runs inside svscan; exec setuidgid … multilog runs as a process', async (t) => {
  const dir = tmpDir(t, 'keepup-svscan-log-');
  const common = addLogged(dir, 'common', '#!/bin/sh\nexec multilog t ./main\n');
  const other = addLogged(dir, 'other', '#!/bin/sh\nexec setuidgid root multilog t ./main\n');
  const {child} = startSvscan(t, 'ours', dir, dir);
  await waitFor(() => /^@[0-9a-f]{24} hello from /m.test(current(common)), 'the common logger to log the first line');
  await waitFor(() => current(other).includes('hello from'), 'the other logger to log the first line');
  t.is(pidOf(join(common, 'log')), child.pid!, "the common logger's status names svscan");
  t.not(pidOf(join(other, 'log')), child.pid!, 'the other logger is a process of its own');
  t.true(pidOf(join(other, 'log')) > 0);
  const status = await run('svstat', [join(common, 'log')]);
  t.regex(status.stdout, new RegExp(`: up \\(pid ${child.pid}\\) `));
  t.is((await run('svc', ['-d', join(common, 'log')])).code, 0);
  await waitFor(async () => (await run('svstat', [join(common, 'log')])).stdout.includes(': down'), "Debian's svstat to say down after Debian's svc -d");
  t.is((await run('svc', ['-u', join(common, 'log')])).code, 0);
  await waitFor(async () => (await run('svstat', [join(common, 'log')])).stdout.includes(': up'), 'up again');
});
