import test from 'ava';
import {randomBytes} from 'node:crypto';
import {join} from 'node:path';
import {sdNotify, takeNotifySocket} from '../../../src/lib/sys/sd-notify.js';
import {notifyReceiver} from '../../helpers/notify-receiver.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

test('READY=1 reaches a datagram socket named by a path', async (t) => {
  const socket = join(tmpDir(t), 'notify');
  const receiver = await notifyReceiver(t, socket);
  t.is(sdNotify('READY=1', {NOTIFY_SOCKET: socket}), null);
  t.deepEqual(await waitFor(() => (receiver.messages().length > 0 ? receiver.messages() : undefined), 'the datagram'), ['READY=1']);
});

test('an abstract socket (@name, as systemd gives it) gets the message, several states in one datagram', async (t) => {
  const socket = `@keepup-test-${randomBytes(6).toString('hex')}`;
  const receiver = await notifyReceiver(t, socket);
  t.is(sdNotify('STOPPING=1\nSTATUS=stopping services', {NOTIFY_SOCKET: socket}), null);
  t.deepEqual(await waitFor(() => (receiver.messages().length > 0 ? receiver.messages() : undefined), 'the datagram'), ['STOPPING=1\nSTATUS=stopping services']);
});

test('NOTIFY_SOCKET unset: nothing is sent; a socket nobody listens on or a bad name: the reason', (t) => {
  t.is(sdNotify('READY=1', {}), null);
  const missing = join(tmpDir(t), 'none');
  t.is(sdNotify('READY=1', {NOTIFY_SOCKET: missing}), `unable to notify ${missing} (NOTIFY_SOCKET) of READY=1: ENOENT`);
  t.is(sdNotify('READY=1', {NOTIFY_SOCKET: 'relative'}), 'unable to notify relative (NOTIFY_SOCKET) of READY=1: EINVAL');
});

test('takeNotifySocket: the variable leaves the environment the services start from', (t) => {
  const env: NodeJS.ProcessEnv = {NOTIFY_SOCKET: '@x', PATH: '/bin'};
  t.deepEqual(takeNotifySocket(env), {NOTIFY_SOCKET: '@x'});
  t.deepEqual(env, {PATH: '/bin'});
  t.deepEqual(takeNotifySocket(env), {});
});
