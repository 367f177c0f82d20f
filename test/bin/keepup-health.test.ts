// keepup check with health checks, end to end: the built command, a real daemon started by its
// start script, a real loopback HTTP server that hangs, the record across passes in the state dir.
import test from 'ava';
import {createServer, type Server} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {daemonPids, uniqueName, waitForDaemon, watchdogSetup} from '../helpers/daemons.js';

const keepup = (args: string[]) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 120_000});

async function hangingServer(t: {teardown(fn: () => Promise<void>): void}): Promise<{port: number; hang: (on: boolean) => void}> {
  let hanging = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((_request, response) => {
    if (!hanging) response.end('ok\n');
  });
  server.on('connection', (socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {port: (server.address() as AddressInfo).port, hang: (on) => (hanging = on)};
}

test('check mode: a running but hung daemon is reported after `failures` passes, stopped TERM then KILL, and started again in the same report', async (t) => {
  const setup = watchdogSetup(t);
  const server = await hangingServer(t);
  // The daemon ignores TERM (inherited through exec), as a hung one may.
  const name = uniqueName();
  setup.addDaemon(name, {script: `#!/bin/sh\ntrap '' TERM\n"${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\necho "started, pid $!"\n`});
  setup.writeConfig(`stopTimeout: 0.5\ndaemons:\n  - name: ${name}\n    health:\n      http: http://127.0.0.1:${server.port}/healthz\n      timeout: 0.5\n      failures: 2\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.regex(first.stdout, new RegExp(`^Restarting ${name}\n`));
  const pid = await waitForDaemon(name);
  const healthy = await keepup(['check', '--config', setup.config]);
  t.deepEqual(healthy, {code: 0, signal: null, stdout: '', stderr: ''});
  server.hang(true);
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
