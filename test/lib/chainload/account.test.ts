import test from 'ava';
import {lookupAccount, parsePasswdLine} from '../../../src/lib/chainload/account.js';

test('parsePasswdLine: uid and gid of the named account only', (t) => {
  t.deepEqual(parsePasswdLine('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin', 'nobody'), {name: 'nobody', uid: 65534, gid: 65534});
  t.is(parsePasswdLine('root:x:0:0:root:/root:/bin/bash', '0'), undefined);
  t.is(parsePasswdLine('odd:x:12a:1::/:/bin/sh', 'odd'), undefined);
  t.is(parsePasswdLine('short:x:1', 'short'), undefined);
});

test('lookupAccount: real accounts through the C library; numeric and odd names are unknown', (t) => {
  t.deepEqual(lookupAccount('root'), {name: 'root', uid: 0, gid: 0});
  for (const name of ['0', '', 'no-such-user-kp6', '-x', 'root\nroot', 'root:x']) t.is(lookupAccount(name), 'unknown', JSON.stringify(name));
});
