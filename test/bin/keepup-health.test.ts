// keepup check with health checks, end to end: the built command, a real daemon started by its
// start script, a real loopback HTTP server that hangs, the record across passes in the state dir.
import test from 'ava';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {healthServer} from '../helpers/health-server.js';
import {startResident} from '../helpers/resident.js';
import {upPid} from '../helpers/service-pid.js';
import {isAlive} from '../helpers/processes.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';
import {run} from '../helpers/processes.js';
import {daemonPids, uniqueName, waitForDaemon, watchdogSetup} from '../helpers/daemons.js';

const keepup = (args: string[]) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 120_000});

test('check mode: a running but hung daemon is reported after `failures` passes, stopped TERM then KILL, and started again in the same report', async (t) => {
  const setup = watchdogSetup(t);
  const server = await healthServer(t);
  // The daemon ignores TERM (inherited through exec), as a hung one may.
  const name = uniqueName();
  setup.addDaemon(name, {script: `#!/bin/sh\ntrap '' TERM\n"${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\necho "started, pid $!"\n`});
  setup.writeConfig(`stopTimeout: 0.5\ndaemons:\n  - name: ${name}\n    health:\n      http: http://127.0.0.1:${server.port}/healthz\n      timeout: 0.5\n      failures: 2\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.regex(first.stdout, new RegExp(`^Restarting ${name}\n`));
  const pid = await waitForDaemon(name);
  const healthy = await keepup(['check', '--config', setup.config]);
  t.deepEqual(healthy, {code: 0, signal: null, stdout: '', stderr: ''});
  server.setMode('hang');
  // The first failure counts but does not act.
  const once = await keepup(['check', '--config', setup.config]);
  t.deepEqual(once, {code: 0, signal: null, stdout: '', stderr: ''});
  const record = JSON.parse(readFileSync(join(setup.stateDir, 'health'), 'utf8')) as Record<string, {pid: number; record: {failures: number}}>;
  t.is(record[name]?.pid, pid);
  t.is(record[name]?.record.failures, 1);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.is(result.stderr, '');
  t.regex(
    result.stdout,
    new RegExp(`^${name} \\(pid ${pid}\\) is unhealthy since [0-9T:.-]+Z: http: no answer within 0.5 s\nStopped it for a restart: ignored TERM for 0.5 s; sent KILL\n\nRestarting ${name}\n`),
  );
  const next = await waitForDaemon(name, {not: pid});
  t.not(next, pid);
  t.false(daemonPids(name).includes(pid));
});

interface Row {
  name: string;
  pid: number | null;
  health: {state: string; lastFailure: string | null} | null;
  ready: boolean | null;
  lastCheck: {ok: boolean} | null;
}

async function statusRow(config: string, name: string): Promise<Row | undefined> {
  const result = await keepup(['status', '--config', config, '--json']);
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row)
    .find((row) => row.name === name);
}

test('keepup supervise: ready at the first healthy check; a hung service that ignores TERM is restarted as svc -du (KILL to its group after stopTimeout); status shows health, readiness and the last check', async (t) => {
  const s = watchdogSetup(t);
  const server = await healthServer(t);
  const name = uniqueName('sv');
  const serviceDir = join(s.dir, 'service');
  s.writeConfig(
    `serviceDir: service\ndaemons:\n  - name: ${name}\n    run: [sh, -c, "trap '' TERM; exec sleep 600 & wait"]\n    stopTimeout: 0.5\n    ready: health\n    health:\n      http: ${server.url}\n      interval: 0.2\n      timeout: 1\n      failures: 2\n`,
  );
  const resident = startResident(t, s.config, serviceDir);
  const first = await upPid(join(serviceDir, name));
  const healthy = await waitFor(
    async () => {
      const row = await statusRow(s.config, name);
      return row?.health?.state === 'healthy' && row.ready === true ? row : undefined;
    },
    'healthy and ready',
    PATIENT,
  );
  t.is(healthy.pid, first);
  t.true(healthy.lastCheck?.ok);
  const healthyLine = new RegExp(`^${name}: up \\(pid ${first}\\) \\d+ seconds?, .*ready, healthy\n`, 'm');
  await waitFor(async () => healthyLine.test((await keepup(['status', '--config', s.config])).stdout), 'the healthy status line', PATIENT);
  server.setMode('hang');
  const second = await upPid(join(serviceDir, name), first);
  await waitFor(() => !isAlive(first), `${first} to be killed`, PATIENT);
  t.regex(resident.stderr(), new RegExp(`${name} is unhealthy \\(http: no answer within 1 s\\); restarting it`));
  const unhealthy = await waitFor(
    async () => {
      const row = await statusRow(s.config, name);
      return row?.health?.state === 'unhealthy' ? row : undefined;
    },
    'unhealthy',
    PATIENT,
  );
  t.is(unhealthy.health?.lastFailure, 'http: no answer within 1 s');
  t.false(unhealthy.ready);
  // The verdict goes starting → unhealthy again after each restart: wait for the text to say it.
  const line = new RegExp(`, not ready, unhealthy since [0-9T:.-]+Z: http: no answer within 1 s\n`);
  await waitFor(async () => line.test((await keepup(['status', '--config', s.config])).stdout), 'the unhealthy status line', PATIENT);
  server.setMode('ok');
  await waitFor(async () => (await statusRow(s.config, name))?.health?.state === 'healthy', 'healthy again', PATIENT);
  t.true(second !== first);
});

test('svcstart waits until a ready: health service is ready, not just up; svc and svstat still work on it', async (t) => {
  const s = watchdogSetup(t);
  const server = await healthServer(t);
  const name = uniqueName('sv');
  const serviceDir = join(s.dir, 'service');
  const dir = join(serviceDir, name);
  s.writeConfig(
    `serviceDir: service\ndaemons:\n  - name: ${name}\n    run: [sleep, "600"]\n    ready: health\n    health:\n      http: ${server.url}\n      interval: 0.2\n      timeout: 0.5\n      action: alert\n`,
  );
  startResident(t, s.config, serviceDir);
  const first = await upPid(dir);
  await waitFor(async () => (await statusRow(s.config, name))?.ready === true, 'ready', PATIENT);
  const down = await run(process.execPath, [bin('svc'), '-d', dir]);
  t.is(down.code, 0);
  await waitFor(() => !isAlive(first), `${first} to stop`, PATIENT);
  server.setMode('500');
  const starting = run(process.execPath, [bin('svcstart'), '-s', '0', '-t', '60', dir], {timeoutMs: 90_000});
  let returned = false;
  void starting.then(() => (returned = true));
  const second = await upPid(dir, first);
  // Up, and checked (failing) several times: svcstart still waits.
  const seen = server.requests();
  await waitFor(() => server.requests() >= seen + 3, 'three more checks', PATIENT);
  t.false(returned);
  const svstat = await run(process.execPath, [bin('svstat'), dir]);
  t.regex(svstat.stdout, new RegExp(`^${dir}: up \\(pid ${second}\\) \\d+ seconds\\n$`));
  server.setMode('ok');
  const result = await starting;
  t.is(result.code, 0);
  t.regex(result.stdout, new RegExp(`^svcstart: ${dir}: up \\(pid ${second}\\)`));
});
