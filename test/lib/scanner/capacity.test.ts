import test from 'ava';
import {serviceCapacity} from '../../../src/lib/scanner/capacity.js';
import {parseOpenFileLimit, readOpenFileLimit} from '../../../src/lib/sys/open-file-limit.js';
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

test('capacity follows the soft limit', (t) => {
  t.is(serviceCapacity({soft: 1024, hard: 4096}), 120);
  t.is(serviceCapacity({soft: 10, hard: 10}), 0);
  t.is(serviceCapacity({soft: Infinity, hard: Infinity}), Infinity);
});

test('reads the same soft limit the kernel applies (prlimit agrees)', async (t) => {
  const mine = readOpenFileLimit()!;
  const kernel = await run('prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings', '--output', 'SOFT,HARD']);
  const [soft, hard] = kernel.stdout.trim().split(/\s+/).map((text) => (text === 'unlimited' ? Infinity : Number(text)));
  t.deepEqual(mine, {soft: soft!, hard: hard!});
});
