import test from 'ava';
import {execCandidates, withVariable} from '../../../src/lib/chainload/pathexec.js';

const env = (...entries: string[]) => entries.map((entry) => Buffer.from(entry));

test('execCandidates: a name with a slash is tried alone; otherwise each PATH entry, empty meaning here', (t) => {
  t.deepEqual(execCandidates('./prog', env('PATH=/a:/b')), ['./prog']);
  t.deepEqual(execCandidates('prog', env('PATH=/a::/b')), ['/a/prog', 'prog', '/b/prog']);
  t.deepEqual(execCandidates('prog', env('HOME=/root')), ['/bin/prog', '/usr/bin/prog'], 'no PATH: /bin:/usr/bin');
  t.deepEqual(execCandidates('prog', env('PATH=')), ['prog']);
  t.deepEqual(execCandidates('prog', env('PATHX=/x', 'PATH=/p')), ['/p/prog']);
});

test('withVariable: replaces every NAME= entry or removes it, and never touches longer names', (t) => {
  const base = env('A=1', 'AB=2', 'A=3');
  t.deepEqual(withVariable(base, 'A', 'new').map(String), ['AB=2', 'A=new']);
  t.deepEqual(withVariable(base, 'A', undefined).map(String), ['AB=2']);
  t.deepEqual(withVariable(base, 'C', Buffer.from([0xff])).at(-1), Buffer.from([0x43, 0x3d, 0xff]));
});
