import test from 'ava';
import {closeSync, constants, fstatSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {makeFifos, openFifo} from '../../../src/lib/service-dir/fifo.js';
import {CONTROL_FIFO, inSupervise, LOG_PIPE, OK_FIFO, superviseFifos} from '../../../src/lib/service-dir/layout.js';
import {tmpDir} from '../../helpers/tmp.js';

/** The descriptors this process has open, to see that a refused open left none behind. */
const openFds = (): number => readdirSync('/proc/self/fd').length;

test('openFifo makes a FIFO only its owner may use and opens it without blocking', (t) => {
  const path = join(tmpDir(t), 'control');
  const fd = openFifo(path, constants.O_RDONLY);
  t.teardown(() => closeSync(fd));
  t.true(fstatSync(fd).isFIFO());
  t.is(statSync(path).mode & 0o777, 0o600);
  const again = openFifo(path, constants.O_RDWR);
  t.is(fstatSync(again).ino, fstatSync(fd).ino, 'an existing FIFO is reused, not replaced');
  closeSync(again);
});

test('openFifo refuses a regular file (EINVAL) and a symlink (ELOOP), leaving no descriptor open', (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'file'), '');
  makeFifos([join(dir, 'target')]);
  symlinkSync('target', join(dir, 'link'));
  const before = openFds();
  t.is(t.throws<NodeJS.ErrnoException>(() => openFifo(join(dir, 'file'), constants.O_RDONLY))?.code, 'EINVAL');
  t.is(t.throws<NodeJS.ErrnoException>(() => openFifo(join(dir, 'link'), constants.O_RDONLY))?.code, 'ELOOP');
  t.is(openFds(), before);
  t.true(statSync(join(dir, 'file')).isFile(), 'the file is left as it was');
});

test('a supervisor makes control and ok in supervise/, and log.pipe when the service has a logger', (t) => {
  t.deepEqual(superviseFifos(false).map(inSupervise), ['control', 'ok']);
  t.deepEqual(superviseFifos(true).map(inSupervise), ['control', 'ok', 'log.pipe']);
  t.deepEqual([CONTROL_FIFO, OK_FIFO, LOG_PIPE], ['supervise/control', 'supervise/ok', 'supervise/log.pipe']);
});
