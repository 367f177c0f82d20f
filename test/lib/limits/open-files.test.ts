import test from 'ava';
import {openFilesLimit, serviceOpenFileLimit} from '../../../src/lib/limits/open-files.js';

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
