import test from 'ava';
import {describe} from '../../../src/lib/cli/run-main.js';
import {FatalError, SysError, UsageError} from '../../../src/lib/cli/errors.js';
import {GetoptError} from '../../../src/lib/cli/getopt.js';
import {errnoText} from '../../../src/lib/cli/errno-text.js';

function enoent(): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error('x');
  error.code = 'ENOENT';
  return error;
}

test('message grammar', (t) => {
  t.is(describe('supervise', new SysError('chdir to x', enoent())), 'supervise: fatal: unable to chdir to x: file does not exist\n');
  t.is(describe('svok', new UsageError('svok dir')), 'svok: usage: svok dir\n');
  t.is(describe('svc', new UsageError('svc options: u up', {bare: true, preface: ['svc: illegal option -- z\n']})), 'svc: illegal option -- z\nsvc options: u up\n');
  t.is(describe('fghack', new FatalError('child crashed')), 'fghack: fatal: child crashed\n');
  t.is(describe('x', new GetoptError('x: illegal option -- q\n')), 'x: illegal option -- q\n');
});

test('exit codes carried by errors', (t) => {
  t.is(new UsageError('u').exitCode, 100);
  t.is(new SysError('x', enoent()).exitCode, 111);
  t.is(new FatalError('x', 100).exitCode, 100);
});

test('djb errno texts', (t) => {
  t.is(errnoText('EAGAIN'), 'temporary failure');
  t.is(errnoText('ENXIO'), 'device not configured');
  t.is(errnoText('EWHATEVER'), 'unknown error');
  t.is(errnoText(undefined), 'unknown error');
});
