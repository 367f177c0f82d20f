// svstat, differential against Debian's: fake status files served through a held-open `ok`
// FIFO (as in the spec's experiments), plus every error line. Output normalised for seconds only
// where time may tick between the two runs.
// Not tested: the `unable to open current directory` / `unable to set directory` fatals (we
// never change directory, so they cannot happen).
import test from 'ava';
import {closeSync, constants, mkdirSync, openSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import * as status from '../../src/lib/status/codec.js';
import {mkfifoSync} from '../../src/lib/sys/mkfifo.js';
import * as tai64n from '../../src/lib/tai64n/codec.js';
import {tool} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';
import {normalise} from '../helpers/service-dir.js';

interface Fake {
  record?: Parameters<typeof status.pack>[0];
  bytes?: Buffer;
  down?: boolean;
  okReader?: boolean;
}

function fakeTree(t: Parameters<typeof tmpDir>[0], fakes: Record<string, Fake>): string {
  const parent = tmpDir(t, 'keepup-svstat-');
  for (const [name, fake] of Object.entries(fakes)) {
    const dir = join(parent, name);
    mkdirSync(join(dir, 'supervise'), {recursive: true});
    mkfifoSync([join(dir, 'supervise/ok')]);
    if (fake.okReader !== false) {
      const fd = openSync(join(dir, 'supervise/ok'), constants.O_RDONLY | constants.O_NONBLOCK);
      t.teardown(() => closeSync(fd));
    }
    if (fake.down) writeFileSync(join(dir, 'down'), '');
    const bytes = fake.bytes ?? (fake.record ? status.pack(fake.record) : undefined);
    if (bytes) writeFileSync(join(dir, 'supervise/status'), bytes);
  }
  return parent;
}

const now = Date.now();
const ago = (seconds: number) => tai64n.fromUnixMs(now - seconds * 1000);

test('status lines: every suffix combination, same as daemontools', async (t) => {
  const fakes: Record<string, Fake> = {
    f1: {record: {stamp: ago(3725), pid: 0x01020304, paused: true, want: 'down'}, down: true},
    f2: {record: {stamp: ago(7), pid: 0, paused: false, want: 'up'}},
    f3: {record: {stamp: ago(1), pid: 0, paused: false, want: 'down'}, down: true},
    f4: {bytes: Buffer.concat([status.pack({stamp: ago(3), pid: 9726, paused: false, want: 'none'}).subarray(0, 16), Buffer.from([2, 0])])},
    f5: {record: {stamp: ago(50), pid: 0, paused: false, want: 'none'}},
    f6: {record: {stamp: ago(2), pid: 10256, paused: true, want: 'down'}},
    runit: {bytes: Buffer.concat([status.pack({stamp: ago(2), pid: 19200, paused: false, want: 'up'}), Buffer.from([0, 1])])},
    short: {bytes: Buffer.alloc(5)},
    nostatus: {},
    stopped: {okReader: false, record: {stamp: ago(2), pid: 1, paused: false, want: 'up'}},
  };
  const parent = fakeTree(t, fakes);
  mkdirSync(join(parent, 'empty'));
  writeFileSync(join(parent, 'plain'), '');
  mkdirSync(join(parent, 'loop'));
  symlinkSync('down', join(parent, 'loop/down'));
  const names = [...Object.keys(fakes), 'empty', 'plain', 'loop', 'nonexistent'];
  const [ours, real] = await Promise.all([tool('ours', 'svstat', names, parent), tool('real', 'svstat', names, parent)]);
  t.is(real.code, 0);
  t.is(ours.code, 0);
  t.is(ours.stderr, '');
  t.is(normalise(ours.stdout), normalise(real.stdout));
  t.regex(ours.stdout, /^f1: up \(pid 16909060\) 372[5-9] seconds, normally down, paused, want down$/m);
  t.is(ours.stdout.split('\n').length, names.length + 1);
});

test('a stamp in the future reads 0 seconds; no arguments print nothing', async (t) => {
  const parent = fakeTree(t, {future: {record: {stamp: tai64n.fromUnixMs(now + 1e6), pid: 5, paused: false, want: 'up'}}});
  for (const side of ['ours', 'real'] as const) {
    t.is((await tool(side, 'svstat', ['future'], parent)).stdout, 'future: up (pid 5) 0 seconds\n', side);
    t.deepEqual(await tool(side, 'svstat', [], parent), {code: 0, signal: null, stdout: '', stderr: ''}, side);
  }
});

test('deliberate fix: a status that cannot be read is reported, not printed as garbage', async (t) => {
  const parent = fakeTree(t, {isdir: {}});
  mkdirSync(join(parent, 'isdir/supervise/status'));
  const ours = await tool('ours', 'svstat', ['isdir'], parent);
  t.is(ours.stdout, 'isdir: unable to read supervise/status: is a directory\n');
});
