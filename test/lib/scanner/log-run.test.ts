import test from 'ava';
import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {commonLogScript, parseCommonLogScript} from '../../../src/lib/scanner/log-run.js';
import {tmpDir} from '../../helpers/tmp.js';

test('the exact common form gives multilog its arguments', (t) => {
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec multilog t s1000000 n10 ./main\n'), {args: ['t', 's1000000', 'n10', './main']});
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec multilog -foo +bar ./main\n'), {args: ['-foo', '+bar', './main']});
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec multilog t !../processor ./main\n'), {args: ['t', '!../processor', './main']});
});

test('exec setuidgid USER multilog … gives the account too', (t) => {
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec setuidgid dnslog multilog t ./main\n'), {args: ['t', './main'], user: 'dnslog'});
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec setuidgid qmaill multilog t s4096 n3 ./main\n'), {args: ['t', 's4096', 'n3', './main'], user: 'qmaill'});
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec setuidgid 1000 multilog t ./main\n'), {args: ['t', './main'], user: '1000'});
  t.deepEqual(parseCommonLogScript('#!/bin/sh\nexec setuidgid multilog multilog t ./main\n'), {args: ['t', './main'], user: 'multilog'});
});

test('anything else runs as a process', (t) => {
  for (const text of [
    '#!/bin/sh\nexec setuidgid -log multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid $USER multilog t ./main\n',
    "#!/bin/sh\nexec setuidgid 'a b' multilog t ./main\n",
    '#!/bin/sh\nexec setuidgid a;b multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid  log multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid log  multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid log multilog\n',
    '#!/bin/sh\nexec setuidgid multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid log setuidgid log multilog t ./main\n',
    '#!/bin/sh\nexec envuidgid log multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid log /usr/bin/multilog t ./main\n',
    '#!/bin/sh\nexec /usr/bin/setuidgid log multilog t ./main\n',
    '#!/bin/sh\nexec setuidgid log multilog t ./$DIR\n',
    '#!/bin/sh\nsetuidgid log multilog t ./main\n',
    '#!/bin/sh\nexec multilog t ./main',
    '#!/bin/sh\nexec multilog t ./main\necho more\n',
    '#!/bin/sh\nexec  multilog t ./main\n',
    '#!/bin/sh\nexec multilog t  ./main\n',
    '#!/bin/sh\nexec multilog\n',
    '#!/bin/sh\nexec multilog t ./$DIR\n',
    "#!/bin/sh\nexec multilog t '-*' ./main\n",
    '#!/bin/sh\nexec multilog t -* ./main\n',
    '#!/bin/sh\nexec multilog t ./main > /dev/null\n',
    '#!/bin/sh\nexec multilog t ./main;reboot\n',
    '#!/bin/sh\nexec multilog t ~/main\n',
    '#!/bin/bash\nexec multilog t ./main\n',
    '#!/bin/sh\nexec /usr/bin/multilog t ./main\n',
    '#!/bin/sh\r\nexec multilog t ./main\r\n',
  ]) {
    t.is(parseCommonLogScript(text), undefined, JSON.stringify(text));
  }
});

test('the file must be a regular executable file', (t) => {
  const dir = tmpDir(t, 'keepup-logrun-');
  const run = join(dir, 'run');
  writeFileSync(run, '#!/bin/sh\nexec multilog t ./main\n');
  chmodSync(run, 0o644);
  t.is(commonLogScript(run), undefined);
  chmodSync(run, 0o755);
  t.deepEqual(commonLogScript(run), {args: ['t', './main']});
  t.is(commonLogScript(dir), undefined);
  t.is(commonLogScript(join(dir, 'missing')), undefined);
});
