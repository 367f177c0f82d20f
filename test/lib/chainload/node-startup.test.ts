import test from 'ava';
import {restoreOpenFilesLimit} from '../../../src/lib/chainload/node-startup.js';

function fakeCalls(soft: bigint, hard: bigint) {
  const set: Array<[number, bigint, bigint]> = [];
  return {
    set,
    calls: {
      RLIMIT_NOFILE: 7,
      getrlimit: (): [bigint, bigint] => [soft, hard],
      setrlimit: (resource: number, s: bigint, h: bigint) => (set.push([resource, s, h]), 0),
    },
  };
}

test('restoreOpenFilesLimit lowers the soft limit back to the launcher\'s figure, keeping the hard one', (t) => {
  const {calls, set} = fakeCalls(20000n, 20000n);
  restoreOpenFilesLimit(calls, '1024');
  t.deepEqual(set, [[7, 1024n, 20000n]]);
});

test('restoreOpenFilesLimit leaves the limit alone without a figure, with `unlimited` or garbage, or when not lower', (t) => {
  for (const started of [undefined, 'unlimited', '', '12x', '-1', '30000', '20000']) {
    const {calls, set} = fakeCalls(20000n, 20000n);
    restoreOpenFilesLimit(calls, started);
    t.deepEqual(set, [], String(started));
  }
});
