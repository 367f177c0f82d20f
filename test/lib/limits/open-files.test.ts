import test from 'ava';
import {
  NOFILE_VARIABLE,
  openFilesLimit,
  parseOpenFileLimit,
  readOpenFileLimit,
  restoreOpenFilesLimit,
  restoreStartedOpenFiles,
  serviceOpenFileLimit,
  takeStartedOpenFiles,
} from '../../../src/lib/limits/open-files.js';
import {PWD_VARIABLE} from '../../../src/lib/sys/launcher.js';
import {run} from '../../helpers/processes.js';

const SAMPLE = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('parses the open-files row, including unlimited', (t) => {
  t.deepEqual(parseOpenFileLimit(SAMPLE), {soft: 1024, hard: 524288});
  t.deepEqual(parseOpenFileLimit(SAMPLE.replace('1024 ', 'unlimited')), {soft: Infinity, hard: 524288});
  t.is(parseOpenFileLimit('garbage'), undefined);
});

test('services get the limit the supervisor was started with, else 1024, never above the hard limit', (t) => {
  const own = {soft: 524288, hard: 524288};
  t.deepEqual(serviceOpenFileLimit(own, 4096n), {soft: 4096, hard: 524288});
  t.deepEqual(serviceOpenFileLimit(own, undefined), {soft: 1024, hard: 524288});
  t.deepEqual(serviceOpenFileLimit({soft: 512, hard: 512}, undefined), {soft: 512, hard: 512});
  t.deepEqual(serviceOpenFileLimit(own, 10_000_000n), {soft: 524288, hard: 524288});
  t.deepEqual(serviceOpenFileLimit({soft: Infinity, hard: Infinity}, 'unlimited'), {soft: Infinity, hard: Infinity});
});

test('the open-files limit: Infinity is RLIM_INFINITY', (t) => {
  t.deepEqual(openFilesLimit({soft: 1024, hard: Infinity}), {resource: 'RLIMIT_NOFILE', soft: 1024n, hard: 2n ** 64n - 1n});
});

test('reads the same soft limit the kernel applies (prlimit agrees)', async (t) => {
  const mine = readOpenFileLimit()!;
  const kernel = await run('prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings', '--output', 'SOFT,HARD']);
  const [soft, hard] = kernel.stdout
    .trim()
    .split(/\s+/)
    .map((text) => (text === 'unlimited' ? Infinity : Number(text)));
  t.deepEqual(mine, {soft: soft!, hard: hard!});
});

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

test("restoreOpenFilesLimit lowers the soft limit back to the launcher's figure, keeping the hard one", (t) => {
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

test("the launcher's record: taken out of the environment with its PWD, which becomes PWD again", (t) => {
  const env: NodeJS.ProcessEnv = {[NOFILE_VARIABLE]: '4096', [PWD_VARIABLE]: '/srv/x', PWD: '/', HOME: '/root'};
  t.is(takeStartedOpenFiles(env), 4096n);
  t.deepEqual(env, {PWD: '/srv/x', HOME: '/root'});
  const noPwd: NodeJS.ProcessEnv = {[NOFILE_VARIABLE]: 'unlimited', [PWD_VARIABLE]: '', PWD: '/'};
  t.is(takeStartedOpenFiles(noPwd), 'unlimited');
  t.deepEqual(noPwd, {});
  const notLaunched: NodeJS.ProcessEnv = {[PWD_VARIABLE]: '/srv/x', PWD: '/'};
  t.is(takeStartedOpenFiles(notLaunched), undefined);
  t.deepEqual(notLaunched, {PWD: '/'});
  for (const garbage of ['', '12x', '-1', '1'.repeat(21)]) t.is(takeStartedOpenFiles({[NOFILE_VARIABLE]: garbage}), undefined, garbage);
});

test('a chain-loader gets back the soft limit it was started with, and the record is gone', (t) => {
  const {calls, set} = fakeCalls(20000n, 20000n);
  const env: NodeJS.ProcessEnv = {[NOFILE_VARIABLE]: '1024', [PWD_VARIABLE]: '/srv/x'};
  restoreStartedOpenFiles(calls, env);
  t.deepEqual(set, [[7, 1024n, 20000n]]);
  t.deepEqual(env, {PWD: '/srv/x'});
});
