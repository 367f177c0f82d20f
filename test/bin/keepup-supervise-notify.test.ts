// keepup supervise under systemd's Type=notify: READY=1 once the tree is up, STOPPING=1 when
// told to stop, both to the datagram socket NOTIFY_SOCKET names; the services never see it.
import test from 'ava';
import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {uniqueName, watchdogSetup} from '../helpers/daemons.js';
import {notifyReceiver} from '../helpers/notify-receiver.js';
import {startResident} from '../helpers/resident.js';
import {pidOf} from '../helpers/service-pid.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

test('READY=1 after every service started, STOPPING=1 at SIGTERM; NOTIFY_SOCKET is not passed to the services', async (t) => {
  const setup = watchdogSetup(t);
  const serviceDir = join(setup.dir, 'service');
  const name = uniqueName();
  setup.writeConfig(`serviceDir: service\ndaemons:\n  - name: ${name}\n    run: [sleep, 600]\n`);
  const socket = `@keepup-test-${randomBytes(6).toString('hex')}`;
  const receiver = await notifyReceiver(t, socket);
  const keepup = startResident(t, setup.config, serviceDir, {...process.env, NOTIFY_SOCKET: socket});
  await waitFor(() => receiver.messages().includes('READY=1'), 'READY=1', PATIENT);
  const pid = pidOf(join(serviceDir, name));
  t.truthy(pid, 'the service runs when READY=1 arrives');
  const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  t.false(
    environ.some((entry) => entry.startsWith('NOTIFY_SOCKET=')),
    'the service does not inherit NOTIFY_SOCKET',
  );
  t.true(environ.includes(`PATH=${process.env.PATH}`), 'the rest of the environment is passed on');
  keepup.child.kill('SIGTERM');
  t.is(await keepup.exited, 0, keepup.stderr());
  t.deepEqual(receiver.messages(), ['READY=1', 'STOPPING=1']);
  t.is(keepup.stderr(), '');
});
