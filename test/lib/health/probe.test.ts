import test from 'ava';
import {createServer as createHttpServer, type IncomingMessage} from 'node:http';
import {createServer as createTcpServer, type AddressInfo, type Server, type Socket} from 'node:net';
import {writeFileSync, chmodSync} from 'node:fs';
import {join} from 'node:path';
import {runProbe, runProbes, type HealthProbe} from '../../../src/lib/health/probe.js';
import {systemTime, type Time} from '../../../src/lib/time/time.js';
import {openTestWriter} from '../../helpers/log-writer.js';
import {tmpDir} from '../../helpers/tmp.js';
import {healthServer} from '../../helpers/health-server.js';

const OPTIONS = {timeoutMs: 1_000, time: systemTime};

test('http: a 2xx answer is healthy; 500, a hang (cut at the timeout) and a closed connection are not', async (t) => {
  const server = await healthServer(t);
  const probe: HealthProbe = {kind: 'http', url: server.url};
  t.deepEqual(await runProbe(probe, OPTIONS), {ok: true});
  server.setMode('500');
  t.deepEqual(await runProbe(probe, OPTIONS), {ok: false, reason: 'HTTP 500'});
  server.setMode('hang');
  t.deepEqual(await runProbe(probe, OPTIONS), {ok: false, reason: 'no answer within 1 s'});
  server.setMode('close');
  const closed = await runProbe(probe, OPTIONS);
  t.false(closed.ok);
  t.regex(closed.ok ? '' : closed.reason, /socket hang up|connection reset/);
  server.setMode('ok');
  t.deepEqual(await runProbe(probe, OPTIONS), {ok: true});
});

test('http: an expected status and body text', async (t) => {
  const server = await healthServer(t);
  t.deepEqual(await runProbe({kind: 'http', url: server.url, body: 'all good'}, OPTIONS), {ok: true});
  server.setMode('body');
  t.deepEqual(await runProbe({kind: 'http', url: server.url, body: 'all good'}, OPTIONS), {ok: false, reason: 'HTTP 200 without "all good" in the answer'});
  server.setMode('500');
  t.deepEqual(await runProbe({kind: 'http', url: server.url, status: 500}, OPTIONS), {ok: true});
  server.setMode('ok');
  t.deepEqual(await runProbe({kind: 'http', url: server.url, status: 204}, OPTIONS), {ok: false, reason: 'HTTP 200 (expected 204)'});
});

test('tcp: healthy while the listener accepts, not once it stops', async (t) => {
  const server: Server = createTcpServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const probe: HealthProbe = {kind: 'tcp', host: '127.0.0.1', port};
  t.deepEqual(await runProbe(probe, OPTIONS), {ok: true});
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const refused = await runProbe(probe, OPTIONS);
  t.false(refused.ok);
  t.regex(refused.ok ? '' : refused.reason, /connection refused/);
});

test('command: exit 0 is healthy; another status, a missing program and a hang (killed at the timeout) are not', async (t) => {
  const dir = tmpDir(t);
  const script = join(dir, 'check');
  writeFileSync(script, '#!/bin/sh\nexit "$1"\n');
  chmodSync(script, 0o755);
  t.deepEqual(await runProbe({kind: 'command', argv: [script, '0']}, OPTIONS), {ok: true});
  t.deepEqual(await runProbe({kind: 'command', argv: [script, '3']}, OPTIONS), {ok: false, reason: `${script} exited 3`});
  const missing = await runProbe({kind: 'command', argv: [join(dir, 'nope')]}, OPTIONS);
  t.false(missing.ok);
  t.regex(missing.ok ? '' : missing.reason, /file does not exist/);
  // No shell: a name with shell syntax is one argument.
  t.deepEqual(await runProbe({kind: 'command', argv: [script, '0; exit 1']}, OPTIONS), {ok: false, reason: `${script} exited 2`});
  t.deepEqual(await runProbe({kind: 'command', argv: ['sleep', '30']}, {...OPTIONS, timeoutMs: 300}), {ok: false, reason: 'no answer within 0.3 s'});
});

test('logSilence: healthy while a real in-process logger writes, unhealthy after the silence', async (t) => {
  const dir = tmpDir(t);
  const {writer} = await openTestWriter(dir, ['./main']);
  t.teardown(() => writer.end());
  let offset = 0;
  const time: Time = {...systemTime, now: () => Date.now() + offset};
  const probe: HealthProbe = {kind: 'logSilence', seconds: 300, dirs: [join(dir, 'main')]};
  t.deepEqual(await runProbe({...probe, dirs: [join(dir, 'other')]}, {timeoutMs: 1000, time}), {ok: false, reason: 'no log written yet'});
  await writer.feed(Buffer.from('hello\n'));
  t.deepEqual(await runProbe(probe, {timeoutMs: 1000, time}), {ok: true});
  offset = 301_000;
  const silent = await runProbe(probe, {timeoutMs: 1000, time});
  t.deepEqual(silent, {ok: false, reason: 'no log line for 301 s'});
  offset = 0;
  await writer.feed(Buffer.from('again\n'));
  t.deepEqual(await runProbes([probe], {timeoutMs: 1000, time}), {ok: true});
});

test('http: checks of one target reuse a kept-alive connection; one the server drops as the check arrives is tried once more on a new one', async (t) => {
  const connections: Socket[] = [];
  const served = new WeakMap<Socket, number>();
  let dropSecond = false;
  const server = createHttpServer((request, response) => {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    // The race a keep-alive client meets: the server closes an idle connection just as a request arrives on it.
    if (dropSecond && count > 1) return request.socket.destroy();
    response.end('ok\n');
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(() => connections.forEach((socket) => socket.destroy()));
  const probe: HealthProbe = {kind: 'http', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/reuse`};
  for (let i = 0; i < 5; i++) t.deepEqual(await runProbe(probe, OPTIONS), {ok: true});
  t.is(connections.length, 1, 'five checks, one connection');
  dropSecond = true;
  t.deepEqual(await runProbe(probe, OPTIONS), {ok: true});
  t.is(connections.length, 2, 'the dropped connection was replaced once');
  // A server that drops every request still fails the check (one retry, not a loop).
  const drops = connections.length;
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage) => request.socket.destroy());
  const failed = await runProbe(probe, OPTIONS);
  t.false(failed.ok);
  t.true(connections.length - drops <= 2);
});
