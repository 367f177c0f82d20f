import test from 'ava';
import {serviceCapacity} from '../../../src/lib/scanner/capacity.js';

test('capacity follows the soft limit', (t) => {
  t.is(serviceCapacity({soft: 1024, hard: 4096}), 120);
  t.is(serviceCapacity({soft: 10, hard: 10}), 0);
  t.is(serviceCapacity({soft: Infinity, hard: Infinity}), Infinity);
});
