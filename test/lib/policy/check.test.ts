import test from 'ava';
import {decideMissing, readCheckRecords, recoveredRunning, resetRecord, writeCheckRecords, type CheckRecord} from '../../../src/lib/policy/check.js';
import {resolvePolicy} from '../../../src/lib/policy/policy.js';
import {tmpDir} from '../../helpers/tmp.js';

const POLICY = resolvePolicy({giveUp: {starts: 3, within: 3600}, retryAfter: 7200, resetAfter: 1800}, 'check');
const MIN = 60_000;

test('missing after 3 restarts within the hour: give up; then silence until retryAfter; then one retry; missing again: give up again', (t) => {
  const now = 100 * MIN;
  const restarts = [now - 30 * MIN, now - 20 * MIN, now - 10 * MIN];
  t.deepEqual(decideMissing(POLICY, restarts.slice(1), undefined, now), {kind: 'restart', retry: false});
  const gaveUp = decideMissing(POLICY, restarts, undefined, now);
  t.is(gaveUp.kind, 'give-up');
  if (gaveUp.kind !== 'give-up') return;
  t.is(gaveUp.givenUp.retryAt, now + 7200_000);
  t.regex(gaveUp.givenUp.reason, /restarted 3 times within 3600 s and missing again/);
  const record: CheckRecord = {since: -Infinity, givenUp: gaveUp.givenUp, retrying: false};
  t.is(decideMissing(POLICY, restarts, record, now + 10 * MIN).kind, 'given-up');
  t.deepEqual(decideMissing(POLICY, restarts, record, now + 7200_000), {kind: 'restart', retry: true});
  const retrying: CheckRecord = {since: -Infinity, givenUp: undefined, retrying: true};
  t.like(decideMissing(POLICY, restarts, retrying, now + 7210_000), {kind: 'give-up', givenUp: {reason: 'missing again after the retry'}});
});

test('restarts before a reset do not count; running after a give-up or a long enough retry recovers', (t) => {
  const now = 100 * MIN;
  const restarts = [now - 30 * MIN, now - 20 * MIN, now - 10 * MIN];
  const records = new Map<string, CheckRecord>();
  resetRecord(records, 'd', now - 5 * MIN);
  t.deepEqual(decideMissing(POLICY, restarts, records.get('d'), now), {kind: 'restart', retry: false});
  t.false(recoveredRunning(POLICY, now, records.get('d'), now));
  t.true(recoveredRunning(POLICY, now, {since: 0, givenUp: {at: now, retryAt: undefined, reason: 'x'}, retrying: false}, now));
  const retrying: CheckRecord = {since: 0, givenUp: undefined, retrying: true};
  t.false(recoveredRunning(POLICY, now - 10 * MIN, retrying, now));
  t.true(recoveredRunning(POLICY, now - 30 * MIN, retrying, now));
});

test('given-up records survive a write and a read; garbage reads as none', (t) => {
  const dir = tmpDir(t);
  const records = new Map<string, CheckRecord>([
    ['a', {since: 5, givenUp: {at: 10, retryAt: undefined, reason: 'r'}, retrying: false}],
    ['b', {since: 7, givenUp: undefined, retrying: true}],
  ]);
  writeCheckRecords(dir, records);
  t.deepEqual(readCheckRecords(dir), records);
});
