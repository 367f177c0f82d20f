import test from 'ava';
import {readFileSync} from 'node:fs';
import {errnoCode, errnoName, isErrno} from '../../../src/lib/sys/errno.js';
import {errnoException} from '../../../src/lib/sys/native.js';

const thrown = (action: () => unknown): unknown => {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
};

test('the errno code of what fs throws, and nothing for values without one', (t) => {
  const missing = thrown(() => readFileSync('/nonexistent/keepup'));
  t.is(errnoCode(missing), 'ENOENT');
  t.true(isErrno(missing));
  t.true(isErrno(missing, 'ENOENT'));
  t.false(isErrno(missing, 'EACCES'));
  for (const value of [undefined, null, 'ENOENT', 2, new Error('plain'), {code: 2}]) {
    t.is(errnoCode(value), undefined);
    t.false(isErrno(value));
  }
});

test('errno numbers get their names, also those libuv does not know', (t) => {
  t.is(errnoName(2), 'ENOENT');
  t.is(errnoName(11), 'EAGAIN');
  t.is(errnoName(37), 'ENOLCK');
  t.is(errnoName(0), undefined);
  t.is(errnoName(99999), undefined);
  t.like(errnoException(9, 'flock failed'), {code: 'EBADF', errno: 9, message: 'flock failed: EBADF'});
  t.like(errnoException(99999, 'x'), {code: 'EIO'});
});
