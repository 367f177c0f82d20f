import test from 'ava';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
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

test('lookupAccount runs no getent when the addon is built, and agrees with getent on every account in /etc/passwd', (t) => {
  const names = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':')[0]!)
    .filter((name) => name !== '');
  t.true(names.length > 3);
  // With no getent on PATH only the in-process lookup can answer.
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    for (const name of names) {
      const line = spawnSync('/usr/bin/getent', ['passwd', '--', name], {encoding: 'utf8'}).stdout.split('\n')[0]!;
      t.deepEqual(lookupAccount(name), parsePasswdLine(line, name), name);
    }
  } finally {
    process.env.PATH = saved;
  }
});
