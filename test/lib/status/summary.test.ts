import test from 'ava';
import {statusPhrases, stateWords} from '../../../src/lib/status/summary.js';

const base = {pid: 0, seconds: 3, normallyUp: true, paused: false, want: 'none' as const};

test("svstat phrases: a suffix only where it says something, in svstat's order", (t) => {
  t.deepEqual(statusPhrases(base), ['down 3 seconds', 'normally up']);
  t.deepEqual(statusPhrases({...base, normallyUp: false, want: 'up'}), ['down 3 seconds', 'want up']);
  t.deepEqual(statusPhrases({...base, paused: true, want: 'down'}), ['down 3 seconds', 'normally up'], 'paused and want down say nothing about a down service');
  t.deepEqual(statusPhrases({...base, pid: 9, seconds: 12n, normallyUp: false, paused: true, want: 'down'}), ['up (pid 9) 12 seconds', 'normally down', 'paused', 'want down']);
  t.deepEqual(statusPhrases({...base, pid: 9, want: 'up'}), ['up (pid 9) 3 seconds'], 'want up says nothing about a service that is up');
});

test("svstat's first words print a bigint of any size exactly", (t) => {
  t.is(stateWords(0, 2n ** 62n), 'down 4611686018427387904 seconds');
  t.is(stateWords(12, 0), 'up (pid 12) 0 seconds');
});
