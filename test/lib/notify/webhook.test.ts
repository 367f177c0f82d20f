import test from 'ava';
import {once} from 'node:events';
import {mkdirSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {RETRY_MS, SIGNATURE_HEADER, signature, WebhookQueue, WEBHOOK_SPOOL_DIR} from '../../../src/lib/notify/webhook.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

interface Received {
  body: string;
  signature: string | undefined;
}

/** A real HTTP server on 127.0.0.1:PORT that keeps every POST; closed at test end. */
async function receiver(t: Parameters<typeof tmpDir>[0], port: number, status = 200): Promise<{received: Received[]; server: Server}> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const header = request.headers[SIGNATURE_HEADER];
      received.push({body: Buffer.concat(chunks).toString('utf8'), signature: typeof header === 'string' ? header : undefined});
      response.writeHead(status).end();
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {received, server};
}

/** A loopback port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const {port} = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('receiver down, then up: the message is spooled, retried, delivered exactly once, signed with the secret', async (t) => {
  const stateDir = tmpDir(t);
  const secretFile = join(stateDir, 'hook.secret');
  writeFileSync(secretFile, 's3cret\n', {mode: 0o600});
  const warnings: string[] = [];
  const time = new FakeTime();
  const queue = new WebhookQueue({stateDir, time, reporter: {warn: (message) => warnings.push(message)}, uids: [0, process.getuid!()]});
  t.teardown(() => queue.stop());
  const port = await freePort();
  const body = JSON.stringify({service: 'web', events: [{kind: 'gave-up'}]});
  queue.enqueue({url: `http://127.0.0.1:${port}/hook`, secretFile}, body);
  await queue.idle();
  t.is(readdirSync(join(stateDir, WEBHOOK_SPOOL_DIR)).length, 1, 'kept while the receiver is down');
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /unable to deliver a webhook message to http:\/\/127\.0\.0\.1:\d+\/hook: .*ECONNREFUSED|connection refused/i);
  t.deepEqual(time.delays(), [RETRY_MS]);
  const {received} = await receiver(t, port);
  time.advance(RETRY_MS);
  await waitFor(() => received.length === 1, 'the retried POST');
  await queue.idle();
  t.is(received[0]!.body, body);
  t.is(received[0]!.signature, signature('s3cret', body));
  t.deepEqual(readdirSync(join(stateDir, WEBHOOK_SPOOL_DIR)), [], 'delivered: out of the spool');
  t.deepEqual(time.delays(), [], 'nothing more to retry');
  queue.kick();
  await queue.idle();
  t.is(received.length, 1, 'delivered once');
});

test('a 5xx keeps the message and backs off; a 4xx refuses it for good into dead/', async (t) => {
  const stateDir = tmpDir(t);
  const warnings: string[] = [];
  const time = new FakeTime();
  const queue = new WebhookQueue({stateDir, time, reporter: {warn: (message) => warnings.push(message)}, uids: [0]});
  t.teardown(() => queue.stop());
  const failing = await receiver(t, 0, 503);
  const port = (failing.server.address() as AddressInfo).port;
  queue.enqueue({url: `http://127.0.0.1:${port}/`}, '{}');
  await waitFor(() => failing.received.length === 1, 'the first POST');
  await queue.idle();
  t.deepEqual(time.delays(), [RETRY_MS]);
  time.advance(RETRY_MS);
  await waitFor(() => failing.received.length === 2, 'the retry');
  await queue.idle();
  t.deepEqual(time.delays(), [2 * RETRY_MS], 'the wait doubles');
  t.is(warnings.length, 1, 'one warning per outage');
  t.is(failing.received[0]!.signature, undefined, 'no secret, no signature');
  const otherDir = tmpDir(t);
  const other = new WebhookQueue({stateDir: otherDir, time, reporter: {warn: (message) => warnings.push(message)}, uids: [0]});
  t.teardown(() => other.stop());
  const refusing = await receiver(t, 0, 404);
  other.enqueue({url: `http://127.0.0.1:${(refusing.server.address() as AddressInfo).port}/`}, '{"x":1}');
  await waitFor(() => refusing.received.length === 1, 'the POST');
  await other.idle();
  t.is(readdirSync(join(otherDir, WEBHOOK_SPOOL_DIR, 'dead')).length, 1);
  t.regex(warnings.at(-1)!, /refused a message for good \(HTTP 404\); moved to /);
});

test('a spool directory someone planted as a symlink is not written into, and a planted spool file is never posted', async (t) => {
  const stateDir = tmpDir(t);
  const elsewhere = tmpDir(t);
  symlinkSync(elsewhere, join(stateDir, WEBHOOK_SPOOL_DIR));
  const warnings: string[] = [];
  const time = new FakeTime();
  const listening = await receiver(t, 0);
  const url = `http://127.0.0.1:${(listening.server.address() as AddressInfo).port}/`;
  const queue = new WebhookQueue({stateDir, time, reporter: {warn: (message) => warnings.push(message)}, uids: [0]});
  t.teardown(() => queue.stop());
  queue.enqueue({url}, '{"n":1}');
  await waitFor(() => listening.received.length === 1, 'the one direct POST');
  t.deepEqual(readdirSync(elsewhere), [], 'nothing spooled through the symlink');
  t.regex(warnings[0]!, /unable to spool a webhook message in .*: .*not a private directory.*; sending it once/);

  const otherState = tmpDir(t);
  const spoolDir = join(otherState, WEBHOOK_SPOOL_DIR);
  mkdirSync(spoolDir, {mode: 0o700});
  const planted = join(spoolDir, '1000-1-0.json');
  writeFileSync(planted, JSON.stringify({url, body: '{"planted":true}'}), {mode: 0o644});
  const other = new WebhookQueue({stateDir: otherState, time, reporter: {warn: (message) => warnings.push(message)}, uids: [0]});
  t.teardown(() => other.stop());
  other.kick();
  await other.idle();
  t.is(listening.received.length, 1, 'the planted file was not posted');
  t.regex(warnings.at(-1)!, /webhook spool file .*1000-1-0\.json is not a message keepup spooled \(its mode is 0644, not 0600\); left alone/);
});
