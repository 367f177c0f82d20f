import test from 'ava';
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {lookupAccount} from '../../../src/lib/chainload/account.js';
import {tmpDir} from '../../helpers/tmp.js';

test('lookupAccount: real accounts through the C library; numeric and odd names are unknown', (t) => {
  t.deepEqual(lookupAccount('root'), {name: 'root', uid: 0, gid: 0});
  for (const name of ['0', '', 'no-such-user-kp6', '-x', 'root\nroot', 'root:x', 'root\0x']) t.is(lookupAccount(name), 'unknown', JSON.stringify(name));
});

test('lookupAccount: every account in /etc/passwd has its uid and gid there', (t) => {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (!name || uid === undefined || gid === undefined) continue;
    t.deepEqual(lookupAccount(name), {name, uid: Number(uid), gid: Number(gid)}, name);
  }
});

test('lookupAccount asks no program found through PATH: a fake getent first on PATH is never asked', (t) => {
  const dir = tmpDir(t, 'keepup-account-');
  writeFileSync(join(dir, 'getent'), '#!/bin/sh\necho "$2:x:0:0::/:/bin/sh"\n');
  chmodSync(join(dir, 'getent'), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved ?? ''}`;
  t.teardown(() => {
    process.env.PATH = saved;
  });
  t.deepEqual(lookupAccount('nobody'), {name: 'nobody', uid: 65534, gid: 65534});
  t.is(lookupAccount('no-such-user-kp6'), 'unknown');
});
